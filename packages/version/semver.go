package version

import (
	"strings"

	"golang.org/x/mod/semver"
)

// semverVersion is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
type semverVersion struct {
	main [3]string
	pre  []string
}

// parseSemver reads a SemVer 2.0 version as node-semver does in loose mode: a leading 'v'
// or '=' and surrounding space are allowed; build metadata is ignored.
func parseSemver(s string) (semverVersion, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "=v")
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	var v semverVersion
	main, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(main, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		if !allDigits(p) || len(p) > 1 && p[0] == '0' {
			return v, false
		}
		v.main[i] = p
	}
	if hasPre {
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if id == "" {
				return v, false
			}
			for k := 0; k < len(id); k++ {
				if c := id[k]; !(isAlnum(c) || c == '-') {
					return v, false
				}
			}
		}
	}
	return v, true
}

// Semver orders two npm package versions as node-semver's compare does: major, minor and
// patch by value, then a version without a pre-release above one with it, pre-release
// identifiers numbers by value below alphanumerics, alphanumerics in ASCII order; invalid
// versions sort before valid ones, by string.
func Semver(a, b string) int {
	va, oka := parseSemver(a)
	vb, okb := parseSemver(b)
	switch {
	case !oka && !okb:
		return sign(strings.Compare(a, b))
	case !oka:
		return -1
	case !okb:
		return 1
	}
	for i := range va.main {
		if c := compareDigits(va.main[i], vb.main[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(va.pre) == 0 && len(vb.pre) == 0:
		return 0
	case len(va.pre) == 0:
		return 1
	case len(vb.pre) == 0:
		return -1
	}
	for i := 0; i < min(len(va.pre), len(vb.pre)); i++ {
		x, y := va.pre[i], vb.pre[i]
		nx, ny := allDigits(x), allDigits(y)
		switch {
		case nx && ny:
			if c := compareDigits(x, y); c != 0 {
				return c
			}
		case nx:
			return -1
		case ny:
			return 1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return sign(c)
			}
		}
	}
	return sign(len(va.pre) - len(vb.pre))
}

func goValid(v string) bool { return semver.IsValid(v) }

// GoModule orders two Go module versions as the go command does (semantic versions with a
// leading v; pseudo-versions are pre-releases); "(devel)" and other invalid versions sort
// before valid ones, by string.
func GoModule(a, b string) int {
	va, vb := semver.IsValid(a), semver.IsValid(b)
	switch {
	case !va && !vb:
		return sign(strings.Compare(a, b))
	case !va:
		return -1
	case !vb:
		return 1
	}
	if c := semver.Compare(a, b); c != 0 {
		return c
	}
	// Equal in precedence (build metadata differs, v1 vs v1.0.0): keep a total order.
	return sign(strings.Compare(a, b))
}
