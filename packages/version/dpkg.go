package version

import "strings"

// dpkgVersion is [epoch:]upstream[-revision], as deb-version(7) defines it.
type dpkgVersion struct {
	epoch              string
	upstream, revision string
}

// parseDpkg splits a Debian version; ok is false when it breaks deb-version(7)'s rules
// (then it is still split, for ordering).
func parseDpkg(s string) (dpkgVersion, bool) {
	ok := s != ""
	s = strings.TrimSpace(s)
	var v dpkgVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		v.epoch, s = s[:i], s[i+1:]
		if v.epoch == "" {
			ok = false
		}
		for i := 0; i < len(v.epoch); i++ {
			if !isDigit(v.epoch[i]) {
				ok = false
			}
		}
	}
	v.upstream = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.upstream, v.revision = s[:i], s[i+1:]
		if v.revision == "" {
			ok = false
		}
	}
	if v.upstream == "" || !isDigit(v.upstream[0]) {
		ok = false
	}
	for i := 0; i < len(v.upstream); i++ {
		if c := v.upstream[i]; !(isDigit(c) || isAlpha(c) || strings.IndexByte(".+-~:", c) >= 0) {
			ok = false
		}
	}
	return v, ok
}

// Dpkg orders two Debian versions as dpkg --compare-versions does: epochs as numbers, then
// the upstream version and the revision by dpkg's verrevcmp, where '~' sorts before
// everything, even the end of the string, and letters before other characters.
func Dpkg(a, b string) int {
	va, _ := parseDpkg(a)
	vb, _ := parseDpkg(b)
	if c := compareDigits(va.epoch, vb.epoch); c != 0 {
		return c
	}
	if c := verrevcmp(va.upstream, vb.upstream); c != 0 {
		return c
	}
	return verrevcmp(va.revision, vb.revision)
}

// dpkgOrder is the weight of one non-digit character (0 for the end of the string).
func dpkgOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := dpkgOrder(a, i), dpkgOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[min(si, len(a)):i], b[min(sj, len(b)):j]); c != 0 {
			return c
		}
	}
	return 0
}
