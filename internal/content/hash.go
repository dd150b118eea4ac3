package content

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Algorithms are the digest algorithms content can compute; sha256 is the default. xxh64
// is not cryptographic: fast equality checks only.
var Algorithms = []string{"sha256", "sha512", "sha1", "md5", "xxh64"}

// NewHash returns a hash for a named algorithm.
func NewHash(alg string) (hash.Hash, error) {
	switch alg {
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	case "sha1":
		return sha1.New(), nil
	case "md5":
		return md5.New(), nil
	case "xxh64":
		return xxhash.New(), nil
	}
	return nil, fmt.Errorf("unknown digest algorithm %q (want one of %s)", alg, strings.Join(Algorithms, ", "))
}

// Format writes a digest as "<alg>:<hex>".
func Format(alg string, h hash.Hash) string { return alg + ":" + hex.EncodeToString(h.Sum(nil)) }
