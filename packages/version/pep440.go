package version

import (
	"regexp"
	"strings"
)

// pep440RE is PEP 440's VERSION_PATTERN (as the packaging library spells it), anchored and
// case-insensitive.
var pep440RE = regexp.MustCompile(`(?i)^\s*v?` +
	`(?:(?P<epoch>[0-9]+)!)?` +
	`(?P<release>[0-9]+(?:\.[0-9]+)*)` +
	`(?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?` +
	`(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?` +
	`(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?` +
	`(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// pep440 is a parsed version: each part a comparable key.
type pep440 struct {
	epoch   string
	release []string // trailing zeros dropped
	// pre: phase 0 none-but-dev (sorts first), 1 a, 2 b, 3 rc, 4 none (sorts after any pre)
	prePhase int
	preN     string
	hasPost  bool
	postN    string
	hasDev   bool
	devN     string
	local    []string
}

func parsePEP440(s string) (pep440, bool) {
	m := pep440RE.FindStringSubmatch(s)
	if m == nil {
		return pep440{}, false
	}
	g := func(name string) string { return m[pep440RE.SubexpIndex(name)] }
	v := pep440{epoch: g("epoch")}
	v.release = strings.Split(g("release"), ".")
	for len(v.release) > 0 && strings.TrimLeft(v.release[len(v.release)-1], "0") == "" {
		v.release = v.release[:len(v.release)-1]
	}
	switch strings.ToLower(g("pre_l")) {
	case "a", "alpha":
		v.prePhase = 1
	case "b", "beta":
		v.prePhase = 2
	case "c", "pre", "preview", "rc":
		v.prePhase = 3
	default:
		v.prePhase = 4
	}
	v.preN = g("pre_n")
	if g("post") != "" {
		v.hasPost = true
		v.postN = g("post_n1") + g("post_n2")
	}
	if g("dev") != "" {
		v.hasDev = true
		v.devN = g("dev_n")
	}
	if v.prePhase == 4 && !v.hasPost && v.hasDev {
		v.prePhase = 0 // 1.0.dev0 sorts before 1.0a0
	}
	if l := g("local"); l != "" {
		v.local = strings.FieldsFunc(strings.ToLower(l), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	return v, true
}

// PEP440 orders two Python package versions as pip (the packaging library) does; a version
// PEP 440 rejects sorts before every valid one, invalid ones by string.
func PEP440(a, b string) int {
	va, oka := parsePEP440(a)
	vb, okb := parsePEP440(b)
	switch {
	case !oka && !okb:
		return sign(strings.Compare(a, b))
	case !oka:
		return -1
	case !okb:
		return 1
	}
	if c := compareDigits(va.epoch, vb.epoch); c != 0 {
		return c
	}
	for i := 0; i < max(len(va.release), len(vb.release)); i++ {
		x, y := "0", "0"
		if i < len(va.release) {
			x = va.release[i]
		}
		if i < len(vb.release) {
			y = vb.release[i]
		}
		if c := compareDigits(x, y); c != 0 {
			return c
		}
	}
	if va.prePhase != vb.prePhase {
		return sign(va.prePhase - vb.prePhase)
	}
	if va.prePhase >= 1 && va.prePhase <= 3 {
		if c := compareDigits(va.preN, vb.preN); c != 0 {
			return c
		}
	}
	if va.hasPost != vb.hasPost {
		if va.hasPost {
			return 1
		}
		return -1
	}
	if c := compareDigits(va.postN, vb.postN); va.hasPost && c != 0 {
		return c
	}
	if va.hasDev != vb.hasDev {
		if va.hasDev {
			return -1
		}
		return 1
	}
	if c := compareDigits(va.devN, vb.devN); va.hasDev && c != 0 {
		return c
	}
	return compareLocal(va.local, vb.local)
}

// compareLocal orders local version labels: none first; segment by segment, numbers by
// value and above strings, strings lexically; a longer label above its prefix.
func compareLocal(a, b []string) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		na, nb := allDigits(a[i]), allDigits(b[i])
		switch {
		case na && nb:
			if c := compareDigits(a[i], b[i]); c != 0 {
				return c
			}
		case na:
			return 1
		case nb:
			return -1
		default:
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return sign(c)
			}
		}
	}
	return sign(len(a) - len(b))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
