package packages

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// purl spells a package's package URL (github.com/package-url/purl-spec): deb, apk and rpm
// under the distribution's ID with arch and distro qualifiers (rpm: epoch too), pypi
// with the normalised name, npm with its scope, golang with the module path, maven with
// group and artifact.
func purl(p *pkgInfo, d *Distro) string {
	q := map[string]string{}
	var typ, ns, name string
	switch p.eco {
	case Deb, APK, RPM:
		typ = map[Ecosystem]string{Deb: "deb", APK: "apk", RPM: "rpm"}[p.eco]
		name = p.name
		if d != nil {
			ns = strings.ToLower(d.ID)
			if d.VersionID != "" {
				q["distro"] = ns + "-" + d.VersionID
			}
		}
		if p.arch != "" {
			q["arch"] = p.arch
		}
		if p.eco == RPM && p.epoch != "" {
			q["epoch"] = p.epoch
		}
		if p.eco == Deb && p.source != "" {
			src, _, _ := strings.Cut(p.source, " ")
			if src != p.name {
				q["upstream"] = src
			}
		}
	case Python:
		typ, name = "pypi", pyName(p.name)
	case NPM:
		typ, name = "npm", p.name
		if p.namespace != "" {
			ns, name = p.namespace, strings.TrimPrefix(p.name, p.namespace+"/")
		}
	case Go:
		typ = "golang"
		if i := strings.LastIndexByte(p.name, '/'); i >= 0 {
			ns, name = p.name[:i], p.name[i+1:]
		} else {
			name = p.name
		}
	case Java:
		typ, ns, name = "maven", p.namespace, strings.TrimPrefix(p.name, p.namespace+":")
	default:
		return ""
	}
	ver := p.version
	if p.eco == RPM && p.epoch != "" {
		ver = strings.TrimPrefix(ver, p.epoch+":")
	}
	if p.eco == Go && ver == "(devel)" {
		ver = ""
	}
	return packageurl.NewPackageURL(typ, ns, name, ver, packageurl.QualifiersFromMap(q), "").ToString()
}
