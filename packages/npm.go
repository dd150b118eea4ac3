package packages

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// parseNPM reads a package's package.json: name, version and license ("license" as a
// string or {type}, or the old "licenses" list).
func parseNPM(data []byte, loc string) (*pkgInfo, []string, error) {
	var m struct {
		Name     string          `json:"name"`
		Version  string          `json:"version"`
		License  json.RawMessage `json:"license"`
		Licenses json.RawMessage `json:"licenses"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, []string{fmt.Sprintf("%s: not JSON: %v: skipped", loc, err)}, nil
	}
	dir := path.Dir(loc)
	if m.Name == "" || m.Version == "" {
		return nil, []string{fmt.Sprintf("%s: no name or version: skipped", loc)}, nil
	}
	if len(m.Name)+len(m.Version) > maxField {
		return nil, []string{fmt.Sprintf("%s: a name and version of %d bytes, more than %d: skipped", loc, len(m.Name)+len(m.Version), maxField)}, nil
	}
	p := &pkgInfo{eco: NPM, name: m.Name, version: m.Version, location: loc, installed: -1, prefix: dir, hasFiles: true, key: "npm|" + dir}
	if scope, _, ok := strings.Cut(m.Name, "/"); ok && strings.HasPrefix(scope, "@") {
		p.namespace = scope
	}
	p.licenses = npmLicenses(m.License, m.Licenses)
	return p, nil, nil
}

func npmLicenses(lic, list json.RawMessage) []string {
	var s string
	if json.Unmarshal(lic, &s) == nil && s != "" {
		return []string{s}
	}
	var o struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(lic, &o) == nil && o.Type != "" {
		return []string{o.Type}
	}
	var l []struct {
		Type string `json:"type"`
	}
	var out []string
	if json.Unmarshal(list, &l) == nil {
		for _, x := range l {
			if x.Type != "" {
				out = append(out, x.Type)
			}
		}
	}
	return out
}
