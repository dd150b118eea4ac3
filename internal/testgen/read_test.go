package testgen

// A minimal, independent reader for the tests: the standard library's archive/tar and
// encoding/json plus the decompressors, nothing from testgen's writers.

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

type tmember struct {
	hdr  *tar.Header
	data []byte
}

type archive struct {
	order   []string
	members map[string]*tmember
}

func readArchive(t *testing.T, p []byte) *archive {
	t.Helper()
	a := &archive{members: map[string]*tmember{}}
	tr := tar.NewReader(bytes.NewReader(p))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading archive: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("reading %s: %v", h.Name, err)
		}
		if _, dup := a.members[h.Name]; dup {
			t.Errorf("archive member %s appears twice", h.Name)
		}
		a.order = append(a.order, h.Name)
		a.members[h.Name] = &tmember{hdr: h, data: data}
	}
	return a
}

func (a *archive) get(t *testing.T, name string) []byte {
	t.Helper()
	m, ok := a.members[name]
	if !ok {
		t.Fatalf("archive has no member %s (has %v)", name, a.order)
	}
	return m.data
}

func (a *archive) json(t *testing.T, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(a.get(t, name), v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func sha256hex(p []byte) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}

// decompress sniffs the magic bytes and returns the decompressed bytes and the compression.
func decompress(t *testing.T, p []byte) ([]byte, string) {
	t.Helper()
	switch {
	case bytes.HasPrefix(p, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out, "gzip"
	case bytes.HasPrefix(p, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out, "zstd"
	}
	return p, "none"
}

// tarHeaders lists the headers of an uncompressed tar.
func tarHeaders(t *testing.T, p []byte) []*tar.Header {
	t.Helper()
	var out []*tar.Header
	tr := tar.NewReader(bytes.NewReader(p))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading layer tar: %v", err)
		}
		out = append(out, h)
	}
}
