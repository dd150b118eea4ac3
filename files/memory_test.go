package files

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

// TestMergedHeapPerEntry counts, on an image whose one directory holds N files (the shape
// of issue 18's 999,000-entry listing), the heap a listing holds once made (load, merge and
// the list) and what making the list allocates: at most 320 live bytes per entry, and at
// most 200 allocated by Merged (the list sized once; appending to a growing one allocated
// five times the list in copies, 770 bytes per entry, which decided the peak).
func TestMergedHeapPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB image")
	}
	const n = 200_000
	p := writeFlat(t, n) // the spec is garbage before counting starts
	var m runtime.MemStats
	heap := func() (live, total uint64) {
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, m.TotalAlloc
	}
	before, _ := heap()
	im, err := load.Open(context.Background(), p, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	fs := fstree.Merge(im.Layers)
	merged, start := heap()
	list, err := Merged(im, fs, "")
	if err != nil {
		t.Fatal(err)
	}
	after, end := heap()
	runtime.KeepAlive(fs)
	runtime.KeepAlive(list)
	if len(list) != n {
		t.Fatalf("%d files listed, want %d", len(list), n)
	}
	live, alloc := float64(after-before)/n, float64(end-start)/n
	t.Logf("files: %.1f live heap bytes per entry (%.1f loaded and merged), %.1f allocated by Merged (%d entries)", live, float64(merged-before)/n, alloc, n)
	if live > 320 {
		t.Errorf("a listing holds %.1f heap bytes per entry, want at most 320", live)
	}
	if alloc > 200 {
		t.Errorf("Merged allocates %.1f bytes per entry, want at most 200", alloc)
	}
}

func writeFlat(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "flat.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	img := testgen.Image{Layers: []testgen.Layer{{Entries: testgen.Flat(n)}}, Tags: []string{"flat:1"}}
	if err := testgen.WriteDockerArchive(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}
