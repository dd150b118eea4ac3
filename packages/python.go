package packages

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// pyName normalises a distribution name as PEP 503 does: lower case, runs of -, _ and .
// one -.
func pyName(s string) string {
	return strings.ToLower(pyRun.ReplaceAllString(s, "-"))
}

var pyRun = regexp.MustCompile(`[-_.]+`)

// pyMetaDir returns the metadata directory of a kPyMeta or kPyRecord location (the
// NAME.dist-info or NAME.egg-info directory, or an egg-info file itself) and the site
// directory holding it.
func pyMetaDir(loc string, k kind) (meta, site string) {
	meta = loc
	if strings.HasSuffix(path.Dir(loc), ".dist-info") || strings.HasSuffix(path.Dir(loc), ".egg-info") {
		meta = path.Dir(loc)
	}
	return meta, path.Dir(meta)
}

// pyDirName is the distribution name a metadata directory's name spells
// (NAME-VERSION.dist-info, NAME-VERSION[-pyX.Y].egg-info, NAME.egg-info).
func pyDirName(meta string) string {
	base := path.Base(meta)
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".dist-info"), ".egg-info")
	name, _, _ := strings.Cut(base, "-")
	return pyName(name)
}

// pyKey is a Python distribution's identity: its site directory and normalised name.
func pyKey(site, name string) string { return "python|" + site + "|" + pyName(name) }

// parsePyMetadata reads METADATA or PKG-INFO: RFC 822 headers up to the first blank line
// (the body is the description).
func parsePyMetadata(data []byte, loc string) (*pkgInfo, []string, error) {
	meta, site := pyMetaDir(loc, kPyMeta)
	p := &pkgInfo{eco: Python, location: meta, installed: -1}
	var lic, licExpr string
	var classifiers []string
	var last *string
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if len(line) > maxField { // headers only: the loop ends at the body
			return nil, nil, fmt.Errorf("%s: a header of %d bytes, more than %d", loc, len(line), maxField)
		}
		l := string(bytes.TrimRight(line, "\r"))
		if strings.TrimSpace(l) == "" {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if last != nil && len(*last) < 1<<16 {
				*last += "\n" + strings.TrimSpace(l)
			}
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, nil, fmt.Errorf("%s: not a metadata header: %q", loc, clip(l))
		}
		v = strings.TrimSpace(v)
		last = nil
		switch strings.ToLower(k) {
		case "name":
			p.name = v
		case "version":
			p.version = v
		case "license":
			lic = v
			last = &lic
		case "license-expression":
			licExpr = v
		case "classifier":
			if c, ok := strings.CutPrefix(v, "License :: "); ok {
				if i := strings.LastIndex(c, " :: "); i >= 0 {
					c = c[i+len(" :: "):]
				}
				classifiers = append(classifiers, c)
			}
		}
	}
	if p.name == "" || p.version == "" {
		return nil, []string{fmt.Sprintf("%s: no Name or Version: skipped", loc)}, nil
	}
	switch {
	case licExpr != "":
		p.licenses = []string{licExpr}
	case lic != "" && lic != "UNKNOWN" && !strings.Contains(lic, "\n") && len(lic) <= 200:
		p.licenses = []string{lic}
	case len(classifiers) > 0:
		p.licenses = classifiers
	}
	p.key = pyKey(site, p.name)
	return p, nil, nil
}

// parsePyRecord reads a dist-info RECORD (CSV: path, hash, size; paths relative to the
// site directory) or an egg-info installed-files.txt (one path a line, relative to the
// egg-info directory), into absolute cleaned paths.
func parsePyRecord(data []byte, loc string, lim Limits) ([]string, error) {
	meta, site := pyMetaDir(loc, kPyRecord)
	var out []string
	add := func(base, p string) error {
		if p == "" {
			return nil
		}
		if len(out) >= lim.MaxListPaths {
			return limitErr("package-files", int64(lim.MaxListPaths), "%s: more than %d files", loc, lim.MaxListPaths)
		}
		if !strings.HasPrefix(p, "/") {
			p = base + "/" + p
		}
		out = append(out, path.Clean(p))
		return nil
	}
	if path.Base(loc) == "installed-files.txt" {
		for l := range strings.SplitSeq(string(data), "\n") {
			if err := add(meta, strings.TrimSpace(l)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		if err := add(site, rec[0]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
