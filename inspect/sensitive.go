package inspect

import (
	"path"
	"regexp"
	"strings"
)

// sensitiveName matches base names that usually hold secrets.
var sensitiveName = regexp.MustCompile(`(?i)^(` + strings.Join([]string{
	`id_(rsa|dsa|ecdsa|ed25519)`, `.*\.(pem|key|p12|pfx|jks|keystore|kdbx|ovpn)`, `\.env(\..*)?`,
	`.*token.*`, `.*secret.*`, `.*credential.*`, `\.netrc`, `\.npmrc`, `\.pypirc`, `\.pgpass`,
	`\.git-credentials`, `\.dockercfg`, `\.(bash|zsh|sh|ash|python|mysql|psql)_history`, `\.htpasswd`,
	`shadow`, `gshadow`, `authorized_keys`, `known_hosts`,
}, "|") + `)$`)

// sensitiveDir matches directories whose whole content is sensitive.
var sensitiveDir = regexp.MustCompile(`(^|/)(\.git|\.ssh|\.gnupg|\.aws|\.docker|\.kube)(/|$)`)

// Sensitive reports whether a path looks like it may hold a secret: a key, token,
// credential, .env file, shell history or repository metadata.
func Sensitive(p string) bool {
	return sensitiveName.MatchString(path.Base(p)) || sensitiveDir.MatchString(p)
}
