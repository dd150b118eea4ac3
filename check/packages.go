package check

import (
	"fmt"
	"path"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/strata-dev/strata/packages"
	vorder "github.com/strata-dev/strata/packages/version"
)

// PackageRule names packages for forbid_packages and required_packages: written as a name
// ("openssl"), or a mapping {name, version, ecosystem}. name may be a glob (path.Match:
// "libssl*"); version a constraint of comma-separated clauses ("<3.0.7", ">=1.2, <2",
// "=1.0-1", "!=2.0"; a bare version is "="), compared in the package's ecosystem's own
// version order; ecosystem one of deb, apk, rpm, python, npm, go, java (any when absent).
type PackageRule struct {
	Name       string             `yaml:"name" json:"name"`
	Version    string             `yaml:"version" json:"version,omitempty"`
	Ecosystem  packages.Ecosystem `yaml:"ecosystem" json:"ecosystem,omitempty"`
	constraint []versionClause
}

type versionClause struct{ op, version string }

var ecosystems = map[packages.Ecosystem]bool{packages.Deb: true, packages.APK: true, packages.RPM: true,
	packages.Python: true, packages.NPM: true, packages.Go: true, packages.Java: true}

// parseConstraint reads "<3.0.7", ">=1.2, <2", "1.0-1".
func parseConstraint(s string) ([]versionClause, error) {
	var out []versionClause
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("version %q: an empty clause", s)
		}
		op := "="
		for _, o := range []string{"<=", ">=", "!=", "==", "<", ">", "="} {
			if strings.HasPrefix(part, o) {
				op, part = strings.TrimPrefix(o, "="), strings.TrimSpace(part[len(o):])
				if o == "=" || o == "==" {
					op = "="
				}
				break
			}
		}
		if part == "" || strings.ContainsAny(part, " \t") || strings.ContainsAny(part[:1], "~^<>=!") {
			return nil, fmt.Errorf("version %q: want clauses like <3.0.7, >=1.2, =1.0-1 or !=2.0, separated by commas", s)
		}
		out = append(out, versionClause{op, part})
	}
	return out, nil
}

// UnmarshalYAML reads a name or a {name, version, ecosystem} mapping.
func (r *PackageRule) UnmarshalYAML(n ast.Node) error {
	if n.Type() == ast.MappingType {
		m, _ := asMapping(n)
		for _, kv := range m.Values {
			key := kv.Key.GetToken().Value
			v, err := scalar(kv.Value, "a string")
			if err != nil {
				return err
			}
			switch key {
			case "name":
				r.Name = v
			case "version":
				r.Version = v
			case "ecosystem":
				r.Ecosystem = packages.Ecosystem(v)
				if !ecosystems[r.Ecosystem] {
					return errAt(kv.Value, "ecosystem %q: want deb, apk, rpm, python, npm, go or java", v)
				}
			default:
				return errAt(kv.Key, "unknown key %q (want name, version, ecosystem)", key)
			}
		}
	} else {
		v, err := scalar(n, "a package name or a mapping {name, version, ecosystem}")
		if err != nil {
			return err
		}
		r.Name = v
	}
	if r.Name == "" {
		return errAt(n, "a package rule needs a name")
	}
	if _, err := path.Match(r.Name, ""); err != nil {
		return errAt(n, "name %q: bad glob: %v", r.Name, err)
	}
	if r.Version != "" {
		c, err := parseConstraint(r.Version)
		if err != nil {
			return errAt(n, "%v", err)
		}
		r.constraint = c
	}
	return nil
}

// String says the rule as written: "openssl <3.0.7 (deb)".
func (r PackageRule) String() string {
	s := r.Name
	if r.Version != "" {
		s += " " + r.Version
	}
	if r.Ecosystem != "" {
		s += " (" + string(r.Ecosystem) + ")"
	}
	return s
}

// matches reports whether a package of eco, name and version meets the rule.
func (r PackageRule) matches(eco packages.Ecosystem, name, ver string) bool {
	if r.Ecosystem != "" && r.Ecosystem != eco {
		return false
	}
	if !r.nameMatches(eco, name) {
		return false
	}
	for _, c := range r.constraint {
		cmp := vorder.Compare(string(eco), ver, c.version)
		ok := map[string]bool{"<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0, "=": cmp == 0, "!=": cmp != 0}[c.op]
		if !ok {
			return false
		}
	}
	return true
}

// nameMatches reports whether the rule's name (a glob) names a package of eco called name:
// as written, or for Python as pip compares names (PEP 503: case, and runs of "-", "_"
// and "." aside), so that PyYAML is pyyaml and strata_fixture_py is strata-fixture-py.
func (r PackageRule) nameMatches(eco packages.Ecosystem, name string) bool {
	if ok, _ := path.Match(r.Name, name); ok {
		return true
	}
	if eco != packages.Python {
		return false
	}
	ok, _ := path.Match(pep503(r.Name), pep503(name))
	return ok
}

// pep503 is a Python project name normalised: lower case, each run of "-", "_" and "."
// one "-".
func pep503(s string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(s) {
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteRune(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// NeedsPackages reports whether a rule reads the image's packages.
func (s *Set) NeedsPackages() bool {
	return s.Rules.ForbidPackages != nil || s.Rules.RequiredPackages != nil
}

func rulesList(rs []PackageRule) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return strings.Join(out, ", ")
}

// packageRules evaluates forbid_packages (a forbidden package in the final image, or one a
// layer removed whose files still ship) and required_packages (each rule met by a package
// of the final image).
func (e *evaluator) packageRules(r *Rules) {
	if r.ForbidPackages == nil && r.RequiredPackages == nil {
		return
	}
	pk := e.in.Packages
	if r.ForbidPackages != nil {
		rules := *r.ForbidPackages
		res := Result{Rule: "forbid_packages", Name: "forbidden packages, in the final image and removed ones still shipped", Limit: "none of " + rulesList(rules)}
		var fs []Finding
		if pk != nil {
			for _, p := range pk.Packages {
				for _, rule := range rules {
					if rule.matches(p.Ecosystem, p.Name, p.Version) {
						fs = append(fs, Finding{Message: fmt.Sprintf("%s %s %s (layer %d)", p.Ecosystem, p.Name, p.Version, p.Layer), Path: p.Location, Layer: layerRef(p.Layer)})
						break
					}
				}
			}
			for _, p := range pk.Removed {
				for _, rule := range rules {
					if p.HiddenSize > 0 && rule.matches(p.Ecosystem, p.Name, p.Version) {
						fs = append(fs, Finding{Message: fmt.Sprintf("%s %s %s (layer %d, removed in layer %d: its files still ship)", p.Ecosystem, p.Name, p.Version, p.Layer, p.RemovedIn), Path: p.Location, Layer: layerRef(p.Layer)})
						break
					}
				}
			}
			res.Value = fmt.Sprintf("%d found", len(fs))
			res.Name += noDatabase(pk)
		}
		e.finish(&res, fs, e.packagesErr())
		e.add(res)
	}
	if r.RequiredPackages != nil {
		rules := *r.RequiredPackages
		res := Result{Rule: "required_packages", Name: "required packages, in the final image", Limit: "all of " + rulesList(rules)}
		var fs []Finding
		if pk != nil {
			met := 0
			for _, rule := range rules {
				var found *packages.Package
				var near []string
				for i, p := range pk.Packages {
					if rule.matches(p.Ecosystem, p.Name, p.Version) {
						found = &pk.Packages[i]
						break
					}
					if rule.nameMatches(p.Ecosystem, p.Name) {
						near = append(near, p.Version)
					}
				}
				if found != nil {
					met++
					continue
				}
				msg := "missing: " + rule.String()
				if len(near) > 0 {
					msg += " (the image has " + strings.Join(near, ", ") + ")"
				}
				msg += noDatabase(pk)
				fs = append(fs, Finding{Message: msg})
			}
			res.Value = fmt.Sprintf("%d of %d", met, len(rules))
			res.Name += noDatabase(pk)
		}
		e.finish(&res, fs, e.packagesErr())
		e.add(res)
	}
}

// noDatabase is what a package rule's reason adds when the image has no package at all: a
// pass that rests on nothing found, said rather than left to pass for a clean image.
func noDatabase(pk *packages.Report) string {
	if len(pk.Packages) == 0 && len(pk.Removed) == 0 {
		return " (none: no layer holds a package database or metadata strata reads)"
	}
	return ""
}

// packagesErr is why package rules cannot be evaluated: the packages were not read.
func (e *evaluator) packagesErr() error {
	if e.in.Packages == nil {
		return fmt.Errorf("the image's packages were not read")
	}
	return nil
}
