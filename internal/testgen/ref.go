package testgen

import "strings"

// ref is a parsed image reference: Domain/Path:Tag.
type ref struct {
	Domain string // "docker.io", "localhost", "registry.example.com:5000"
	Path   string // "library/app", "team/app"
	Tag    string // "latest" when not given
}

// parseRef normalises a reference the way Docker's reference.ParseNormalizedNamed does
// (without validation): "app:1" -> docker.io/library/app:1, "localhost/x" -> localhost/x:latest.
func parseRef(s string) ref {
	if i := strings.Index(s, "@"); i >= 0 {
		s = s[:i]
	}
	name, tag := s, ""
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		name, tag = s[:i], s[i+1:]
	}
	if tag == "" {
		tag = "latest"
	}
	domain, path := "docker.io", name
	if i := strings.Index(name, "/"); i >= 0 {
		first := name[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			domain, path = first, name[i+1:]
		}
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	return ref{Domain: domain, Path: path, Tag: tag}
}

// Name is the fully qualified repository: docker.io/library/app.
func (r ref) Name() string { return r.Domain + "/" + r.Path }

// String is the fully qualified reference: docker.io/library/app:1.
func (r ref) String() string { return r.Name() + ":" + r.Tag }

// FamiliarName is Docker's short repository name: app, team/app, localhost/app.
func (r ref) FamiliarName() string {
	if r.Domain == "docker.io" {
		if rest, ok := strings.CutPrefix(r.Path, "library/"); ok && !strings.Contains(rest, "/") {
			return rest
		}
		return r.Path
	}
	return r.Name()
}

// Familiar is Docker's short reference: app:1.
func (r ref) Familiar() string { return r.FamiliarName() + ":" + r.Tag }
