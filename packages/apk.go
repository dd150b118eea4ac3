package packages

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// parseAPK reads apk's installed database (lib/apk/db/installed): stanzas of "X:value"
// lines separated by blank lines; P name, V version, A arch, L license, o origin, I
// installed size, F a directory and R a file in the last F.
func parseAPK(data []byte, loc string, lim Limits) (out []*pkgInfo, warns []string, err error) {
	var p *pkgInfo
	dir := ""
	paths := 0
	nameless, firstNameless := 0, 0 // packages skipped: one warning for them all
	end := func(line int) error {
		if p == nil {
			return nil
		}
		if p.name == "" || p.version == "" {
			if nameless++; nameless == 1 {
				firstNameless = line
			}
		} else {
			if len(out) >= lim.MaxPackages {
				return limitErr("packages", int64(lim.MaxPackages), "more than %d packages", lim.MaxPackages)
			}
			p.key = "apk|" + p.name
			out = append(out, p)
		}
		p, dir = nil, ""
		return nil
	}
	defer func() {
		switch {
		case nameless == 1:
			warns = append(warns, fmt.Sprintf("%s: package ending at line %d has no P: or V:: skipped", loc, firstNameless))
		case nameless > 1:
			warns = append(warns, fmt.Sprintf("%s: %d packages have no P: or V: (the first ending at line %d): skipped", loc, nameless, firstNameless))
		}
	}()
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		l, data = cutLine(data)
		if len(l) == 0 {
			if err := end(line); err != nil {
				return nil, warns, err
			}
			continue
		}
		if len(l) < 2 || l[1] != ':' {
			return nil, warns, malformed("%s: line %d: not a field: %q", loc, line, clip(string(l)))
		}
		if len(l) > maxField {
			return nil, warns, malformed("%s: line %d: a field of %d bytes, more than %d", loc, line, len(l), maxField)
		}
		if p == nil {
			p = &pkgInfo{eco: APK, location: loc, installed: -1, hasFiles: true, distro: true}
		}
		v := string(l[2:])
		switch l[0] {
		case 'P':
			p.name = v
		case 'V':
			p.version = v
		case 'A':
			p.arch = v
		case 'L':
			if v != "" {
				p.licenses = []string{v}
			}
		case 'o':
			p.source = v
		case 'I':
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				p.installed = n
			}
		case 'F':
			dir = strings.Trim(v, "/")
		case 'R':
			paths++
			if paths > lim.MaxListPaths {
				return nil, warns, limitErr("package-files", int64(lim.MaxListPaths), "%s: more than %d files", loc, lim.MaxListPaths)
			}
			p.files = append(p.files, path.Clean("/"+dir+"/"+v))
		}
	}
	if err := end(line + 1); err != nil {
		return nil, warns, err
	}
	return out, warns, nil
}
