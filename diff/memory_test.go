package diff

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"testing"
	"time"

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

// TestDiffPairHeapPerPath counts the heap `diff` holds at its peak comparing two images of
// N regular files, each with content of its own, where the second is a rebuild touching
// every file (every path a change, mtime, with both contents read and their digests kept),
// and holds it to 900 bytes per path: half a million paths within 450 MB (issue 18, item
// 10; at 500,000 paths it was 870 MB of RSS, with the content digests and reasons of every
// change allocated one by one).
func TestDiffPairHeapPerPath(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two 100 MB images")
	}
	const n = 200_000
	dir := t.TempDir()
	files := testgen.Wide(n)
	for i := range files {
		if files[i].Type == tar.TypeReg {
			files[i].Content = []byte(files[i].Name)
		}
	}
	one := func(entries []testgen.Entry) testgen.Image {
		return testgen.Image{Layers: []testgen.Layer{{Entries: entries}}, Tags: []string{"pair:1"}}
	}
	write := func(name string, img testgen.Image) string {
		p := filepath.Join(dir, name)
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := testgen.WriteDockerArchive(fh, img); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldPath := write("old.tar", one(files))
	newPath := write("new.tar", one(testgen.Touched(files, testgen.Epoch.Add(time.Hour))))

	before := liveHeap()
	old, err := load.Open(context.Background(), oldPath, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	nw, err := load.Open(context.Background(), newPath, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer nw.Close()
	var peak uint64
	atPeak = func() {
		peak = liveHeap()
		if p := os.Getenv("STRATA_HEAP_PROFILE"); p != "" {
			f, _ := os.Create(p)
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	defer func() { atPeak = nil }()
	r, err := Compare(merged(old), merged(nw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Changed < n*9/10 {
		t.Fatalf("%d changed, want nearly all of %d", r.Summary.Changed, n)
	}
	per := float64(peak-before) / n
	t.Logf("diff of two images: %.1f heap bytes per path at the peak (%d paths, %d changes)", per, n, len(r.Changes))
	if per > 900 {
		t.Errorf("diff holds %.1f heap bytes per path at its peak, want at most 900", per)
	}
}
