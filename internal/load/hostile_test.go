package load

// Tests for the hostile-input classes of issue 9, each built from its own small generated
// input (internal/testgen/hostile.go). None times itself: they count blobs and configs
// parsed, bytes inflated or read, and check the error class, key and location.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

func rawArchive(t *testing.T, a testgen.RawArchive) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := a.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantLimit checks that err is a located limit error whose hint names key.
func wantLimit(t *testing.T, err error, key string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrLimit) {
		t.Fatalf("error %v, want a *load.Error of class %v", err, ErrLimit)
	}
	if !strings.Contains(e.Hint, "--limit "+key+"=") {
		t.Errorf("hint %q does not name --limit %s", e.Hint, key)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("error %q is more than one line", err)
	}
}

// Class 4: one layer listed many times is parsed once, and the layer count is bounded.
func TestRepeatedLayerParsedOnce(t *testing.T) {
	b := rawArchive(t, testgen.RepeatedLayer(200, 100))
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if err != nil {
			t.Fatal(err)
		}
	})
	for _, arg := range []string{"file", Stdin} {
		before := ops.blobs.Load()
		if arg == "file" {
			arg = filepath.Join(t.TempDir(), "in.tar")
			os.WriteFile(arg, b, 0o644)
		}
		img, err := Open(context.Background(), arg, bytes.NewReader(b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := ops.blobs.Load() - before; n != 1 {
			t.Errorf("%s: the layer listed 100 times was parsed %d times, want 1", filepath.Base(arg), n)
		}
		if len(img.Layers) != 100 || &img.Layers[0].Entries[0] != &img.Layers[99].Entries[0] {
			t.Errorf("%s: %d layers, or their entries are not shared", filepath.Base(arg), len(img.Layers))
		}
	}
	over := rawArchive(t, testgen.RepeatedLayer(20, DefaultLimits.MaxLayers+1))
	openBoth(t, over, Options{}, func(t *testing.T, err error) { wantLimit(t, err, "layers") })
	lim := DefaultLimits
	lim.MaxImageEntries = 1999
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) { wantLimit(t, err, "image-entries") })
}

// Class 5: manifest entries sharing one config parse it once; their number is bounded.
func TestSharedConfigParsedOnce(t *testing.T) {
	b := rawArchive(t, testgen.SharedConfig(2000, 8<<10))
	for _, arg := range []string{"file", Stdin} {
		before := ops.configs.Load()
		if arg == "file" {
			arg = filepath.Join(t.TempDir(), "in.tar")
			os.WriteFile(arg, b, 0o644)
		}
		img, err := Open(context.Background(), arg, bytes.NewReader(b), Options{Image: "img1999:1"})
		if err != nil {
			t.Fatal(err)
		}
		if n := ops.configs.Load() - before; n != 1 {
			t.Errorf("%s: one config named by 2,000 manifest entries was parsed %d times, want 1", filepath.Base(arg), n)
		}
		img.Close()
	}
	lim := DefaultLimits
	lim.MaxImages = 1000
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) {
		wantLimit(t, err, "images")
		if !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("error %q does not name manifest.json", err)
		}
	})
}

// gzipZeros is a layer blob: a one-file tar of n zero bytes, gzip'd.
func gzipZeros(t *testing.T, n int64) []byte {
	t.Helper()
	b, err := io.ReadAll(zeroBomb(n, true))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Class 6: the decompression budget is the whole input's: eight 16 MiB layers are refused
// under a 64 MiB limit once they inflate past it together, though each alone is under it.
func TestInflateBudgetIsShared(t *testing.T) {
	a := testgen.RawArchive{Images: [][]int{nil}}
	for i := 0; i < 8; i++ {
		a.Layers = append(a.Layers, testgen.RawLayer{Blob: gzipZeros(t, 16<<20+int64(i)*512)}) // distinct blobs
		a.Images[0] = append(a.Images[0], i)
	}
	b := rawArchive(t, a)
	lim := DefaultLimits
	lim.MaxUncompressed = 64 << 20
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) {
		wantLimit(t, err, "uncompressed")
		var le *limitError
		errors.As(err, &le)
		if max := lim.MaxUncompressed + 4<<20; le.at > max {
			t.Errorf("refused after %d bytes inflated in all, want at most %d", le.at, max)
		}
		if !strings.Contains(err.Error(), "/layer.tar") {
			t.Errorf("error %q does not name a layer member", err)
		}
	})
}

// Class 6: the first failing layer stops the others: a layer with a corrupt gzip header
// beside two big valid ones is refused without inflating them (counted in bytes inflated).
func TestFailureStopsOtherLayers(t *testing.T) {
	a := testgen.RawArchive{
		Layers: []testgen.RawLayer{{Blob: []byte("\x1f\x8b\x08\xff not gzip")}, {Blob: gzipZeros(t, 256<<20)}, {Blob: gzipZeros(t, 256<<20+512)}},
		Images: [][]int{{0, 1, 2}},
	}
	b := rawArchive(t, a)
	file := filepath.Join(t.TempDir(), "in.tar")
	os.WriteFile(file, b, 0o644)
	lim := DefaultLimits
	lim.MaxRatio = 0
	before := ops.inflated.Load()
	_, err := Open(context.Background(), file, nil, Options{Limits: lim})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "l0/layer.tar") {
		t.Fatalf("error %v, want %v naming l0/layer.tar", err, ErrCorrupt)
	}
	// Not stopped, the other two layers inflate 512 MiB.
	if n := ops.inflated.Load() - before; n > 256<<20 {
		t.Errorf("%d MiB inflated before the refusal; the other layers were not stopped", n>>20)
	}
}
