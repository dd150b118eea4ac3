package inspect

import (
	"path"
	"strings"
)

// Names that usually hold secrets, matched on the lower-cased base name.
var (
	sensitiveExact = map[string]bool{
		"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true,
		".env": true, ".netrc": true, ".npmrc": true, ".pypirc": true, ".pgpass": true,
		".git-credentials": true, ".dockercfg": true, ".htpasswd": true,
		"shadow": true, "gshadow": true, "authorized_keys": true, "known_hosts": true,
		".bash_history": true, ".zsh_history": true, ".sh_history": true, ".ash_history": true,
		".python_history": true, ".mysql_history": true, ".psql_history": true,
	}
	sensitiveSuffixes = []string{".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".ovpn"}
	sensitiveWords    = []string{"token", "secret", "credential"}
	sensitiveDirs     = []string{".git", ".ssh", ".gnupg", ".aws", ".docker", ".kube"}
)

// Sensitive reports whether a path looks like it may hold a secret: a private key or
// certificate store, a token, credential or .env file, a shell history, the password
// shadow, or anything under .git, .ssh, .gnupg, .aws, .docker or .kube.
func Sensitive(p string) bool {
	base := strings.ToLower(path.Base(p))
	if sensitiveExact[base] || strings.HasPrefix(base, ".env.") {
		return true
	}
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	for _, w := range sensitiveWords {
		if strings.Contains(base, w) {
			return true
		}
	}
	for _, d := range sensitiveDirs {
		if i := strings.Index(p, "/"+d); i >= 0 {
			if rest := p[i+1+len(d):]; rest == "" || rest[0] == '/' {
				return true
			}
		}
	}
	return false
}
