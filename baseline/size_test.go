package baseline

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

// TestLockSizeLarge: the lock of a 60,000-file image is a few KB: what it records per layer
// is bounded (TopFiles, TopDirs), not proportional to the files.
func TestLockSizeLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 60,000-file archive")
	}
	img := testgen.Large(testgen.LargeOpts{TotalBytes: 12 << 20, Files: 60000, Layers: 6})
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(testgen.WriteDockerArchive(pw, img)) }()
	loaded, err := load.Open(context.Background(), load.Stdin, pr, load.Options{HashFiles: ContentHash})
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	fs := fstree.Merge(loaded.Layers)
	lk, err := Of(loaded, fs)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := lk.Write(&b); err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, l := range loaded.Layers {
		files += l.Files()
	}
	if files < 60000 {
		t.Fatalf("the generated image has %d entries, want 60,000 or more", files)
	}
	const limit = 8 << 10
	if b.Len() > limit {
		t.Errorf("lock of %d entries in %d layers is %d bytes, over %d:\n%s", files, len(loaded.Layers), b.Len(), limit, b.String())
	}
	t.Logf("lock of %d entries in %d layers: %d bytes", files, len(loaded.Layers), b.Len())
	for i, l := range lk.Layers {
		if len(l.TopFiles) > TopFiles || len(l.TopDirs) > TopDirs {
			t.Errorf("layer %d lists %d files, %d dirs", i, len(l.TopFiles), len(l.TopDirs))
		}
	}
	// Held against itself: every layer unchanged, nothing read again, nothing failed.
	c, err := Compare(lk, loaded, fs, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lc := range c.Layers {
		if lc.Class != Unchanged {
			t.Errorf("layer %d: %s", lc.Layer, lc.Class)
		}
	}
	if c.Failed() {
		t.Errorf("failed: %+v", c.Verdicts)
	}
}
