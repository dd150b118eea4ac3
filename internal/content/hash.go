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
	"sync"

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

// Format writes a digest as "<alg>:<hex>", in one allocation (a diff of a million files
// makes a million of them).
func Format(alg string, h hash.Hash) string {
	var sum [64]byte
	d := h.Sum(sum[:0])
	var b strings.Builder
	b.Grow(len(alg) + 1 + 2*len(d))
	b.WriteString(alg)
	b.WriteByte(':')
	var hx [128]byte
	b.Write(hex.AppendEncode(hx[:0], d))
	return b.String()
}

// emptyDigests are the digests of no bytes, by algorithm, made once.
var emptyDigests sync.Map

// Empty returns "<alg>:<hex>" of empty content, the same string every time.
func Empty(alg string) (string, error) {
	if d, ok := emptyDigests.Load(alg); ok {
		return d.(string), nil
	}
	h, err := NewHash(alg)
	if err != nil {
		return "", err
	}
	d, _ := emptyDigests.LoadOrStore(alg, Format(alg, h))
	return d.(string), nil
}
