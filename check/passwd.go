package check

import (
	"strconv"
	"strings"
)

// passwdUID looks name up in /etc/passwd content as getpwnam does: the first line whose
// first field is name. Lines without enough fields or with a non-numeric uid are skipped
// (dockle panics on them; a runtime ignores them).
func passwdUID(passwd []byte, name string) (uid int, ok bool) {
	for _, line := range strings.Split(string(passwd), "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), ":")
		if len(f) < 3 || f[0] != name {
			continue
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < 0 {
			continue
		}
		return n, true
	}
	return 0, false
}

// splitUser splits a config User ("name", "uid", "name:group", "uid:gid").
func splitUser(u string) (user, group string) {
	user, group, _ = strings.Cut(u, ":")
	return user, group
}
