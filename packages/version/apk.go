package version

// apk's version grammar, as apk-tools' version.c tokenises it: numbers separated by '.',
// an optional letter, suffixes (_alpha, _beta, _pre, _rc before the release; _cvs, _svn,
// _git, _hg, _p after it) with optional numbers, and a -rN revision.

type apkToken int

const (
	apkInvalid apkToken = iota - 1
	apkDigitOrZero
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkRevisionNo
	apkEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// apkNext reads the separator after a token and says what comes next (next_token).
func apkNext(t apkToken, s string) (apkToken, string) {
	n := apkInvalid
	switch {
	case len(s) == 0:
		n = apkEnd
	case (t == apkDigit || t == apkDigitOrZero) && isLower(s[0]):
		n = apkLetter
	case t == apkLetter && isDigit(s[0]):
		n = apkDigit
	case t == apkSuffix && isDigit(s[0]):
		n = apkSuffixNo
	default:
		switch s[0] {
		case '.':
			n = apkDigitOrZero
		case '_':
			n = apkSuffix
		case '-':
			if len(s) > 1 && s[1] == 'r' {
				n = apkRevisionNo
				s = s[1:]
			}
		}
		s = s[1:]
	}
	if n < t && !(n == apkDigitOrZero && t == apkDigit || n == apkSuffix && t == apkSuffixNo || n == apkDigit && t == apkLetter) {
		n = apkInvalid
	}
	return n, s
}

// apkGet reads one token of type t from s (get_token): its value, the type of the next
// token and the rest of s.
func apkGet(t apkToken, s string) (int64, apkToken, string) {
	if len(s) == 0 {
		return 0, apkEnd, s
	}
	var v int64
	i := 0
	nt := apkInvalid
	switch t {
	case apkDigitOrZero:
		if s[0] == '0' { // leading zeros are a token of their own, worth minus their count
			for i < len(s) && s[i] == '0' {
				i++
			}
			nt, v = apkDigit, int64(-i)
			break
		}
		fallthrough
	case apkDigit, apkSuffixNo, apkRevisionNo:
		for i < len(s) && isDigit(s[i]) {
			if v < 1<<58 {
				v = v*10 + int64(s[i]-'0')
			}
			i++
		}
	case apkLetter:
		v = int64(s[0])
		i = 1
	case apkSuffix:
		found := false
		for k, suf := range apkPreSuffixes {
			if len(s) >= len(suf) && s[:len(suf)] == suf {
				v, i, found = int64(k-len(apkPreSuffixes)), len(suf), true
				break
			}
		}
		if !found {
			for k, suf := range apkPostSuffixes {
				if len(s) >= len(suf) && s[:len(suf)] == suf {
					v, i, found = int64(k), len(suf), true
					break
				}
			}
		}
		if !found {
			return -1, apkInvalid, s
		}
	default:
		return -1, apkInvalid, s
	}
	s = s[i:]
	switch {
	case len(s) == 0:
		t = apkEnd
	case nt != apkInvalid:
		t = nt
	default:
		t, s = apkNext(t, s)
	}
	return v, t, s
}

func apkValid(v string) bool {
	t := apkDigit
	for t != apkEnd && t != apkInvalid {
		_, t, v = apkGet(t, v)
	}
	return t == apkEnd
}

// APK orders two Alpine package versions as apk version -t does.
func APK(a, b string) int {
	at, bt := apkDigit, apkDigit
	var av, bv int64
	for at == bt && at != apkEnd && at != apkInvalid && av == bv {
		av, at, a = apkGet(at, a)
		bv, bt, b = apkGet(bt, b)
	}
	switch {
	case av < bv:
		return -1
	case av > bv:
		return 1
	case at == bt:
		return 0
	}
	// Equal so far: the longer version is newer, unless what it goes on with is a
	// pre-release suffix.
	if at == apkSuffix {
		if v, _, _ := apkGet(at, a); v < 0 {
			return -1
		}
	}
	if bt == apkSuffix {
		if v, _, _ := apkGet(bt, b); v < 0 {
			return 1
		}
	}
	switch {
	case at > bt:
		return -1
	case bt > at:
		return 1
	}
	return 0
}
