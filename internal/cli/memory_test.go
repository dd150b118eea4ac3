package cli

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

// memoryEntries is the size of the generated layer the heap tests count bytes over: large
// enough that fixed costs vanish, small enough for -race on a small machine.
const memoryEntries = 200_000

// writeWide writes a root-filesystem tarball of testgen.Wide(n) entries and returns its path.
func writeWide(t testing.TB, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "wide.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := testgen.WriteRootfs(f, testgen.Wide(n)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestInspectHeapPerEntry counts the heap an image of one N-entry layer holds once loaded
// and merged (what every analysis starts from) and holds it to 200 bytes per entry.
func TestInspectHeapPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB layer")
	}
	p := writeWide(t, memoryEntries)
	before := liveHeap()
	img, err := load.Open(context.Background(), p, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	fs := fstree.Merge(img.Layers)
	after := liveHeap()
	runtime.KeepAlive(fs)
	runtime.KeepAlive(img)
	per := float64(after-before) / memoryEntries
	t.Logf("load+merge: %.1f heap bytes per entry (%d entries)", per, memoryEntries)
	if per > 200 {
		t.Errorf("load+merge holds %.1f heap bytes per entry, want at most 200", per)
	}
}

// BenchmarkLoadMerge loads and merges a generated one-layer image of STRATA_MEM_ENTRIES
// entries (default 1,000,000) and reports the heap it holds per entry.
//
//	go test -run XXX -bench LoadMerge -benchtime 1x ./internal/cli
func BenchmarkLoadMerge(b *testing.B) {
	n := envInt("STRATA_MEM_ENTRIES", 1_000_000)
	p := writeWide(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := liveHeap()
		img, err := load.Open(context.Background(), p, nil, load.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fs := fstree.Merge(img.Layers)
		after := liveHeap()
		runtime.KeepAlive(fs)
		img.Close()
		b.ReportMetric(float64(after-before)/float64(n), "heap-B/entry")
	}
}
