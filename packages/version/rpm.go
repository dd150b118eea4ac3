package version

import "strings"

// RPM orders two rpm versions, each [epoch:]version[-release], as rpm's rpmvercmp does
// segment by segment (a missing epoch is 0; '~' sorts before everything, '^' after the
// version it extends).
func RPM(a, b string) int {
	ea, va, ra := splitEVR(a)
	eb, vb, rb := splitEVR(b)
	if c := compareDigits(ea, eb); c != 0 {
		return c
	}
	if c := Rpmvercmp(va, vb); c != 0 {
		return c
	}
	return Rpmvercmp(ra, rb)
}

// splitEVR splits [epoch:]version[-release].
func splitEVR(s string) (epoch, ver, rel string) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		epoch, s = s[:i], s[i+1:]
		for k := 0; k < len(epoch); k++ {
			if !isDigit(epoch[k]) {
				epoch, s = "", epoch+":"+s // not an epoch: part of the version
				break
			}
		}
	}
	ver = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		ver, rel = s[:i], s[i+1:]
	}
	return epoch, ver, rel
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// Rpmvercmp is rpm's rpmvercmp (rpmio/rpmvercmp.c) on one version or release string.
func Rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case i >= len(a):
				return -1
			case j >= len(b):
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		isnum := isDigit(a[i])
		if isnum {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if j == sj { // segments of different types: a number is newer
			if isnum {
				return 1
			}
			return -1
		}
		var c int
		if isnum {
			c = compareDigits(a[si:i], b[sj:j])
		} else {
			c = sign(strings.Compare(a[si:i], b[sj:j]))
		}
		if c != 0 {
			return c
		}
	}
	if i >= len(a) && j >= len(b) {
		return 0
	}
	if i < len(a) {
		return 1
	}
	return -1
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}
