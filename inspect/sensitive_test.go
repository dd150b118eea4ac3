package inspect

import "testing"

func TestSensitive(t *testing.T) {
	for p, want := range map[string]bool{
		"/root/.ssh/id_rsa": true, "/home/u/.ssh": true, "/app/.env": true, "/app/.env.production": true,
		"/srv/tls/server.KEY": true, "/certs/a.pem": true, "/app/api_token.txt": true, "/etc/Secrets.yaml": true,
		"/root/.aws/credentials": true, "/repo/.git/config": true, "/etc/shadow": true, "/root/.bash_history": true,
		"/home/u/.docker/config.json": true, "/root/.netrc": true,
		"/etc/passwd": false, "/usr/bin/keyctl": false, "/app/environment.go": false, "/repo/.gitignore": false,
		"/usr/share/doc/git/README": false, "/etc/hosts": false, "/app/keys.go": false,
	} {
		if got := Sensitive(p); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", p, got, want)
		}
	}
}
