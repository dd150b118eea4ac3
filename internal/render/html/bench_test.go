package html

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/testgen"
	"github.com/strata-dev/strata/packages"
)

// benchImage is $STRATA_REPORT_IMAGE, or a generated 70,000-file image written once under
// the benchmark's temporary directory (64 MiB of content: the page's cost is in the
// metadata, not the bytes).
func benchImage(b *testing.B) string {
	if p := os.Getenv("STRATA_REPORT_IMAGE"); p != "" {
		return p
	}
	p := filepath.Join(b.TempDir(), "large.tar")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	img := testgen.Large(testgen.LargeOpts{Files: 70000, TotalBytes: 64 << 20, Layers: 6})
	if err := testgen.WriteDockerArchive(f, img); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkInspect is what strata inspect does: load, merge, inspect.
func BenchmarkInspect(b *testing.B) {
	p := benchImage(b)
	b.ResetTimer()
	for b.Loop() {
		img := openImage(b, p, inspect.EqualityHash)
		if _, err := inspect.Of(img, fstree.Merge(img.Layers), inspect.Options{}); err != nil {
			b.Fatal(err)
		}
		img.Close()
	}
}

// BenchmarkReport is what strata report does: load, one logged merge, inspect, the index,
// history, and the page.
func BenchmarkReport(b *testing.B) {
	p := benchImage(b)
	b.ResetTimer()
	for b.Loop() {
		img := openImage(b, p, inspect.EqualityHash)
		im, err := NewImage(img, inspect.Options{}, packages.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := Write(io.Discard, Report{Image: im}); err != nil {
			b.Fatal(err)
		}
		img.Close()
	}
}

// BenchmarkWrite is the page alone, from analysed structs.
func BenchmarkWrite(b *testing.B) {
	p := benchImage(b)
	img := openImage(b, p, inspect.EqualityHash)
	im, err := NewImage(img, inspect.Options{}, packages.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := Write(io.Discard, Report{Image: im}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode is the data block alone: JSON, gzip, base64.
func BenchmarkEncode(b *testing.B) {
	p := benchImage(b)
	img := openImage(b, p, inspect.EqualityHash)
	im, err := NewImage(img, inspect.Options{}, packages.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d, err := DataOf(Report{Image: im})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Encode(d); err != nil {
			b.Fatal(err)
		}
	}
}
