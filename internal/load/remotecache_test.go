package load

import (
	"bytes"
	"crypto/sha256"
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
	got := c.get(hex, "sha256", 4096, DefaultLimits)
	if got == nil {
		t.Fatal("no cached index after put")
	}
	if diff := cmp.Diff(encodeLayerIndex(hex, "sha256", want), encodeLayerIndex(hex, "sha256", got)); diff != "" {
		t.Errorf("round trip differs (-want +got):\n%s", diff)
	}
	if c.get(hex, "md5", 4096, DefaultLimits) != nil {
		t.Error("an index with sha256 file digests served for md5")
	}
	if c.get(hex, "", 4096, DefaultLimits) == nil {
		t.Error("an index with digests not served to a caller needing none")
	}
	p := filepath.Join(c.dir, c.path(hex))
	b, _ := os.ReadFile(p)
	b[len(b)-40] ^= 1
	os.WriteFile(p, b, 0o644)
	if c.get(hex, "", 4096, DefaultLimits) != nil {
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
	f.Add(sealLayerIndex(hex, "sha256", sampleIndex(), []byte("k"))) // keyed: refused without the key
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

// TestLayerCacheHostile: an entry that is a FIFO, a symbolic link (to /dev/zero, or out of
// the cache), larger than cache-index (a 5 GB sparse file), or forged with a recomputed
// checksum (another layer's index, another blob size, a path the tar reader never makes) is
// a miss with a warning, at once and without reading it whole; writing never follows a link
// out of the cache (issue 18, items 3 and 4).
func TestLayerCacheHostile(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)
	good := encodeLayerIndex(hex, "sha256", sampleIndex())
	dirty := sampleIndex()
	dirty.entries[2].Path = "/etc/../../x"
	for _, c := range []struct {
		name  string
		make  func(t *testing.T, p string)
		size  int64
		wants string // in the warning
	}{
		{"fifo", func(t *testing.T, p string) { mkfifo(t, p) }, 4096, "a FIFO, not a regular file"},
		{"symlink to /dev/zero", func(t *testing.T, p string) { symlink(t, "/dev/zero", p) }, 4096, "symbolic link, not followed"},
		{"symlink inside", func(t *testing.T, p string) {
			os.WriteFile(p+".real", good, 0o644)
			symlink(t, filepath.Base(p)+".real", p)
		}, 4096, "symbolic link, not followed"},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, 4096, "a directory"},
		{"5 GB sparse", func(t *testing.T, p string) {
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(good)
			if err := f.Truncate(5 << 30); err != nil {
				t.Skip("no sparse files here:", err)
			}
			f.Close()
		}, 4096, "more than the 536870912 a layer index may be (--limit cache-index)"},
		{"forged size", func(t *testing.T, p string) { os.WriteFile(p, good, 0o644) }, 4097, "the manifest declares 4097"},
		{"forged digest", func(t *testing.T, p string) { os.WriteFile(p, encodeLayerIndex(other, "sha256", sampleIndex()), 0o644) }, 4096, "filed under abababababab but made for cdcdcdcdcdcd"},
		{"forged path", func(t *testing.T, p string) { os.WriteFile(p, encodeLayerIndex(hex, "sha256", dirty), 0o644) }, 4096, "is not clean and absolute"},
		{"truncated", func(t *testing.T, p string) { os.WriteFile(p, good[:len(good)-1], 0o644) }, 4096, "bad layer index"},
		{"altered", func(t *testing.T, p string) {
			b := bytes.Replace(good, []byte("/bin/sh"), []byte("/bin/sg"), 1)
			os.WriteFile(p, b, 0o644)
		}, 4096, "checksum does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var warnings []string
			lc := &layerCache{dir: t.TempDir(), warn: func(s string) { warnings = append(warnings, s) }}
			p := filepath.Join(lc.dir, lc.path(hex))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			c.make(t, p)
			if b := lc.get(hex, "", c.size, DefaultLimits); b != nil {
				t.Fatalf("used: %d entries", len(b.entries))
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], c.wants) {
				t.Errorf("warnings %q, want one saying %q", warnings, c.wants)
			}
			// The blob is fetched and its index written over whatever was there.
			lc.put(hex, "sha256", sampleIndex())
			if c.name == "directory" {
				return
			}
			warnings = nil
			if b := lc.get(hex, "", 4096, DefaultLimits); b == nil || len(warnings) != 0 {
				t.Errorf("after put: %v, warnings %q; want the index", b != nil, warnings)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		var warnings []string
		lc := &layerCache{dir: t.TempDir(), warn: func(s string) { warnings = append(warnings, s) }}
		lc.put(hex, "sha256", sampleIndex())
		if b := lc.get(hex, "", 4096, DefaultLimits); b == nil || len(warnings) != 0 {
			t.Errorf("got %v, warnings %q", b != nil, warnings)
		}
		if b := lc.get(other, "", 4096, DefaultLimits); b != nil || len(warnings) != 0 {
			t.Errorf("absent entry: %v, warnings %q; want a silent miss", b != nil, warnings)
		}
	})
	t.Run("put through a link", func(t *testing.T) {
		lc := &layerCache{dir: t.TempDir()}
		outside := t.TempDir()
		symlink(t, outside, filepath.Join(lc.dir, "layers"))
		lc.put(hex, "sha256", sampleIndex())
		if m, _ := filepath.Glob(filepath.Join(outside, "*", "*")); len(m) != 0 {
			t.Errorf("wrote out of the cache: %v", m)
		}
	})
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// TestLayerCacheKey: with STRATA_CACHE_KEY, an index is sealed with HMAC-SHA256 under it,
// and only an index sealed under the same key is used: one written without a key (or
// edited and resealed with sha256, the forgery a plain checksum cannot tell), or under
// another key, is a miss with a warning (issue 18, item 4).
func TestLayerCacheKey(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	dir := t.TempDir()
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }
	keyA := &layerCache{dir: dir, key: []byte("key A"), warn: warn}
	keyA.put(hex, "sha256", sampleIndex())
	if b := keyA.get(hex, "", 4096, DefaultLimits); b == nil || len(warnings) != 0 {
		t.Fatalf("sealed and read with the same key: %v, %q", b != nil, warnings)
	}
	p := filepath.Join(dir, keyA.path(hex))
	sealed, _ := os.ReadFile(p)
	for _, c := range []struct {
		name   string
		reader *layerCache
		file   []byte
		wants  string
	}{
		{"no key reads a sealed index", &layerCache{dir: dir, warn: warn}, sealed, "sealed with a STRATA_CACHE_KEY this run does not have"},
		{"another key", &layerCache{dir: dir, key: []byte("key B"), warn: warn}, sealed, "its seal does not match STRATA_CACHE_KEY"},
		{"an index written without a key", keyA, encodeLayerIndex(hex, "sha256", sampleIndex()), "not sealed with STRATA_CACHE_KEY"},
		{"edited, resealed without the key", keyA, func() []byte {
			b := bytes.Replace(sealed, []byte("/bin/sh"), []byte("/bin/sg"), 1)
			body := b[:len(b)-32]
			return append(append([]byte{}, body...), sha256Of(body)...)
		}(), "its seal does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			warnings = nil
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			if b := c.reader.get(hex, "", 4096, DefaultLimits); b != nil {
				t.Fatal("used")
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], c.wants) {
				t.Errorf("warnings %q, want one saying %q", warnings, c.wants)
			}
		})
	}
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}
