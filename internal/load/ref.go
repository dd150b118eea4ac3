package load

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// matchRef reports whether want names an image with these tags and config digest: the
// tag as written, the same reference fully qualified (`app:1` is
// `docker.io/library/app:1`), or a prefix of the image ID.
func matchRef(want string, tags []string, id string) bool {
	if h := strings.TrimPrefix(want, "sha256:"); isHex(h) && strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), h) {
		return true
	}
	wr, werr := name.ParseReference(want)
	for _, t := range tags {
		if t == want {
			return true
		}
		if werr != nil {
			continue
		}
		if tr, err := name.ParseReference(t); err == nil && tr.Name() == wr.Name() {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
