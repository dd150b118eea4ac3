package diff

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

func liveHeap() uint64 {
	goruntime.GC()
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestDiffHeapPerEntry counts the heap `diff --force` holds at its peak (both merged trees,
// every candidate path and every change built) comparing an export of N entries with a
// small image, where every entry of the export is a change, and holds it to 400 bytes per
// entry (twice what loading and merging alone may take).
func TestDiffHeapPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB layer")
	}
	const n = 200_000
	dir := t.TempDir()
	write := func(name string, f func(*os.File) error) string {
		p := filepath.Join(dir, name)
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f(fh); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exportPath := write("export.tar", func(f *os.File) error { return testgen.WriteRootfs(f, testgen.Wide(n)) })
	imagePath := write("small.tar", func(f *os.File) error { return testgen.WriteDockerArchive(f, testgen.Small("amd64")) })

	before := liveHeap()
	img, err := load.Open(context.Background(), imagePath, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	export, err := load.Open(context.Background(), exportPath, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer export.Close()
	var peak uint64
	atPeak = func() { peak = liveHeap() }
	defer func() { atPeak = nil }()
	r, err := Compare(merged(img), merged(export), Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Added < n/2 {
		t.Fatalf("%d added, want most of %d", r.Summary.Added, n)
	}
	per := float64(peak-before) / n
	t.Logf("diff --force: %.1f heap bytes per entry at the peak (%d entries, %d changes)", per, n, len(r.Changes))
	if per > 400 {
		t.Errorf("diff holds %.1f heap bytes per entry at its peak, want at most 400", per)
	}
}
