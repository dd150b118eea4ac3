package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/image"
)

func sampleIndex() *blob {
	e := []image.Entry{
		{Path: "/", Type: image.TypeDir, Mode: 0o755},
		{Path: "/bin/sh", Type: image.TypeFile, Size: 1234, Offset: 512, MTime: 1700000000e9, Mode: 0o4755, UID: 0, GID: 0},
		{Path: "/etc/x", Type: image.TypeSymlink, UID: 1000, GID: 1000},
		{Path: "/dev/null", Type: image.TypeChar, Mode: 0o666, Escapes: true, Sparse: true},
	}
	e[1].SetDigest("sha256:abc")
	e[1].SetCaps("\x01\x02")
	e[2].SetLink("../bin/sh")
	e[3].SetDevice(1, 3)
	return &blob{compression: CompressionGzip, storedSize: 4096, entries: e}
}

// TestLayerCacheRoundTrip: what put writes, get returns; another algorithm is a miss; a
// damaged file is removed and a miss.
func TestLayerCacheRoundTrip(t *testing.T) {
	c := &layerCache{dir: t.TempDir()}
	hex := strings.Repeat("ab", 32)
	want := sampleIndex()
	c.put(hex, "sha256", want)
	got := c.get(hex, "sha256", DefaultLimits)
	if got == nil {
		t.Fatal("no cached index after put")
	}
	if diff := cmp.Diff(encodeLayerIndex(hex, "sha256", want), encodeLayerIndex(hex, "sha256", got)); diff != "" {
		t.Errorf("round trip differs (-want +got):\n%s", diff)
	}
	if c.get(hex, "md5", DefaultLimits) != nil {
		t.Error("an index with sha256 file digests served for md5")
	}
	if c.get(hex, "", DefaultLimits) == nil {
		t.Error("an index with digests not served to a caller needing none")
	}
	p := c.path(hex)
	b, _ := os.ReadFile(p)
	b[len(b)-40] ^= 1
	os.WriteFile(p, b, 0o644)
	if c.get(hex, "", DefaultLimits) != nil {
		t.Error("a damaged index was trusted")
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("a damaged index was left in place: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(c.dir, "layers", "sha256", ".tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// FuzzLayerIndex: decoding any bytes never panics, and what decodes re-encodes to the same
// bytes (nothing is read that the checksum did not cover).
func FuzzLayerIndex(f *testing.F) {
	hex := strings.Repeat("cd", 32)
	f.Add(encodeLayerIndex(hex, "sha256", sampleIndex()))
	f.Add(encodeLayerIndex(hex, "", &blob{}))
	f.Add([]byte(layerCacheMagic))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, alg, err := decodeLayerIndex(raw, hex, DefaultLimits)
		if err != nil {
			return
		}
		if again := encodeLayerIndex(hex, alg, b); !bytes.Equal(again, raw) {
			t.Fatalf("decoded index re-encodes differently")
		}
	})
}
