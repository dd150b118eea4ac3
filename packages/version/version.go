// Package version orders package versions the way each ecosystem's own tool does: dpkg,
// rpm, apk, PEP 440 (pip), node-semver (npm), Go modules and Maven.
package version

import "strings"

// Compare orders two versions of a package of the given ecosystem (the names of
// packages.Ecosystem: deb, rpm, apk, python, npm, go, java) and returns -1, 0 or +1. A
// version the ecosystem's grammar rejects is compared as a string against the other, so
// Compare is a total order for every input; Valid tells whether it had to.
func Compare(ecosystem, a, b string) int {
	if a == b {
		return 0
	}
	switch ecosystem {
	case "deb":
		return Dpkg(a, b)
	case "rpm":
		return RPM(a, b)
	case "apk":
		return APK(a, b)
	case "python":
		return PEP440(a, b)
	case "npm":
		return Semver(a, b)
	case "go":
		return GoModule(a, b)
	case "java":
		return Maven(a, b)
	}
	return sign(strings.Compare(a, b))
}

// Valid reports whether v is a version in the ecosystem's grammar (an invalid one is
// ordered as a string).
func Valid(ecosystem, v string) bool {
	switch ecosystem {
	case "deb":
		_, ok := parseDpkg(v)
		return ok
	case "rpm":
		return v != ""
	case "apk":
		return apkValid(v)
	case "python":
		_, ok := parsePEP440(v)
		return ok
	case "npm":
		_, ok := parseSemver(v)
		return ok
	case "go":
		return goValid(v)
	case "java":
		return v != ""
	}
	return true
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// compareDigits orders two runs of decimal digits by value, whatever their length.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return sign(strings.Compare(a, b))
}
