package packages

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// pkgInfo is one package as one version of a database or metadata file states it.
type pkgInfo struct {
	eco      Ecosystem
	key      string // identity across layers: ecosystem, where it lives, name (and arch)
	name     string
	version  string
	arch     string
	location string
	licenses []string
	source   string
	// installed is the size the database states, in bytes; -1 when it states none.
	installed int64
	// files is the package's file list when the database itself holds it (apk, rpm, a
	// Go binary's or a jar's own path); hasFiles says a list is known at all.
	files    []string
	hasFiles bool
	// prefix is an npm package's directory: its files are what lies below it (nested
	// node_modules aside).
	prefix string
	// Ecosystem details for the purl.
	epoch     string // rpm
	namespace string // maven groupId, npm scope
	distro    bool   // a distribution package: its purl names the distro
}

// maxField bounds one line of a control file, an apk database or a metadata file, and an npm
// package's name and version: no real one comes near, and a name of hundreds of megabytes
// would be copied into every key, table and report.
const maxField = 1 << 20

// controlFields calls fn for each field of each stanza of a Debian control file (dpkg's
// status, a status.d file): fields are "Name: value" lines, a line starting with a space
// or tab continues the value, a blank line ends the stanza (fn gets "" then). It stops at
// the first error fn returns.
func controlFields(data []byte, fn func(name, value string, line int) error) error {
	var name string
	var val []byte
	line, start := 0, 0
	flush := func() error {
		if name == "" {
			return nil
		}
		err := fn(name, string(bytes.TrimSpace(val)), start)
		name, val = "", val[:0]
		return err
	}
	for len(data) > 0 {
		line++
		var l []byte
		l, data = cutLine(data)
		if len(l) > maxField {
			return fmt.Errorf("line %d: a field of %d bytes, more than %d", line, len(l), maxField)
		}
		switch {
		case len(bytes.TrimSpace(l)) == 0:
			if err := flush(); err != nil {
				return err
			}
			if err := fn("", "", line); err != nil {
				return err
			}
		case l[0] == ' ' || l[0] == '\t':
			if name == "" {
				return fmt.Errorf("line %d: a continuation line outside a field", line)
			}
			if len(val) < 1<<20 { // descriptions are not read; keep a field's value bounded
				val = append(append(val, '\n'), l...)
			}
		default:
			if err := flush(); err != nil {
				return err
			}
			i := bytes.IndexByte(l, ':')
			if i <= 0 {
				return fmt.Errorf("line %d: not a field: %q", line, clip(string(l)))
			}
			name, start = string(l[:i]), line
			val = append(val[:0], l[i+1:]...)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return fn("", "", line+1)
}

// dpkgPresent reports whether a dpkg Status ("want flag status") leaves the package's files
// on disk: every state but not-installed and config-files (a removed package's conffiles).
func dpkgPresent(status string) bool {
	f := strings.Fields(status)
	if len(f) != 3 {
		return status == "" // distroless status.d stanzas may state none
	}
	return f[2] != "not-installed" && f[2] != "config-files"
}

// parseDpkgStatus reads a dpkg status file (or a status.d file: the same stanzas) at loc.
// A stanza without a Package or Version is skipped with a warning.
func parseDpkgStatus(data []byte, loc string, lim Limits) ([]*pkgInfo, []string, error) {
	var out []*pkgInfo
	var warns []string
	var p pkgInfo
	var status string
	var hasStatus bool
	stanzaLine := 0
	nameless, firstNameless := 0, 0 // stanzas skipped: one warning for them all
	reset := func() { p, status, hasStatus = pkgInfo{installed: -1}, "", false }
	reset()
	err := controlFields(data, func(name, value string, line int) error {
		if stanzaLine == 0 {
			stanzaLine = line
		}
		switch strings.ToLower(name) {
		case "":
			if p.name == "" && p.version == "" && !hasStatus {
				stanzaLine = 0
				return nil
			}
			defer func() { reset(); stanzaLine = 0 }()
			if p.name == "" || p.version == "" {
				if nameless++; nameless == 1 {
					firstNameless = stanzaLine
				}
				return nil
			}
			if hasStatus && !dpkgPresent(status) {
				return nil
			}
			if len(out) >= lim.MaxPackages {
				return limitErr("packages", int64(lim.MaxPackages), "more than %d packages", lim.MaxPackages)
			}
			q := p
			q.eco, q.location, q.distro = Deb, loc, true
			q.key = debKey(q.name, q.arch)
			out = append(out, &q)
		case "package":
			p.name = value
		case "version":
			p.version = value
		case "architecture":
			p.arch = value
		case "status":
			status, hasStatus = value, true
		case "installed-size":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 && n < 1<<40 {
				p.installed = n * 1024
			}
		case "source":
			p.source = value
		}
		return nil
	})
	switch {
	case nameless == 1:
		warns = append(warns, fmt.Sprintf("%s: stanza at line %d has no Package or Version: skipped", loc, firstNameless))
	case nameless > 1:
		warns = append(warns, fmt.Sprintf("%s: %d stanzas have no Package or Version (the first at line %d): skipped", loc, nameless, firstNameless))
	}
	if err != nil {
		return nil, warns, err
	}
	return out, warns, nil
}

func debKey(name, arch string) string { return "deb|" + name + ":" + arch }

// listName splits a dpkg info/NAME[:ARCH].list or status.d/NAME.md5sums file name.
func listName(p string) (name, arch string) {
	base := path.Base(p)
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".list"), ".md5sums")
	name, arch, _ = strings.Cut(base, ":")
	return name, arch
}

// cutLine splits data at its first newline: the line (a trailing "\r" dropped, as dpkg and
// apk write none but an edited file may) and what follows it, in place.
func cutLine(data []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(data, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

// parseDpkgList reads info/NAME.list: one absolute path a line ("/." for the root). Lines
// are visited in place (a file of newlines costs nothing per line).
func parseDpkgList(data []byte, lim Limits) ([]string, error) {
	var out []string
	for l := range bytes.SplitSeq(data, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) == 0 {
			continue
		}
		p := path.Clean("/" + string(l))
		if p == "/" {
			continue
		}
		if len(out) >= lim.MaxListPaths {
			return nil, limitErr("package-files", int64(lim.MaxListPaths), "a file list of more than %d paths", lim.MaxListPaths)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseMD5sums reads a md5sums file: "HASH  relative/path" lines.
func parseMD5sums(data []byte, lim Limits) ([]string, error) {
	var out []string
	for l := range bytes.SplitSeq(data, []byte("\n")) {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			continue
		}
		s := string(l)
		_, p, ok := strings.Cut(s, " ")
		if !ok {
			continue
		}
		if len(out) >= lim.MaxListPaths {
			return nil, limitErr("package-files", int64(lim.MaxListPaths), "a file list of more than %d paths", lim.MaxListPaths)
		}
		out = append(out, path.Clean("/"+strings.TrimLeft(p, " *")))
	}
	return out, nil
}

// diversion is one dpkg-divert: the file a package other than by installs at a path lives
// at to instead.
type diversion struct{ to, by string }

// parseDiversions reads /var/lib/dpkg/diversions: groups of three lines (from, to, package;
// ":" for a local diversion); more than package-files diversions is an error.
func parseDiversions(data []byte, lim Limits) (map[string]diversion, error) {
	out := map[string]diversion{}
	var group [3]string
	n := 0
	for l := range bytes.SplitSeq(bytes.TrimRight(data, "\n"), []byte("\n")) {
		group[n%3] = string(l)
		if n++; n%3 != 0 {
			continue
		}
		if len(out) >= lim.MaxListPaths {
			return nil, limitErr("package-files", int64(lim.MaxListPaths), "more than %d diversions", lim.MaxListPaths)
		}
		from, to := path.Clean("/"+group[0]), path.Clean("/"+group[1])
		out[from] = diversion{to: to, by: group[2]}
	}
	return out, nil
}

// clip shortens a quoted excerpt for a one-line message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
