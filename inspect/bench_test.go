package inspect

import (
	"fmt"
	"testing"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// syntheticLayers builds, in memory, an image of files regular files over 4 layers: the base
// holds half of them in directories of 100, two layers overwrite every 10th base file and add
// their own, and the top deletes `deletions` base files one by one plus one whole directory.
func syntheticLayers(files, deletions int) []*image.Layer {
	ls := make([]*image.Layer, 4)
	for i := range ls {
		ls[i] = &image.Layer{Index: i}
	}
	add := func(l *image.Layer, e image.Entry) { l.Entries = append(l.Entries, e) }
	base := files / 2
	for i := 0; i < base; i++ {
		if i%100 == 0 {
			add(ls[0], image.Entry{Path: fmt.Sprintf("/usr/lib/pkg%04d", i/100), Type: image.TypeDir, Mode: 0755})
		}
		add(ls[0], image.Entry{Path: fmt.Sprintf("/usr/lib/pkg%04d/f%06d", i/100, i), Type: image.TypeFile, Size: int64(1000 + i%5000), Mode: 0644})
	}
	for li := 1; li <= 2; li++ {
		for i := 0; i < (files-base)/2; i++ {
			add(ls[li], image.Entry{Path: fmt.Sprintf("/opt/l%d/f%06d", li, i), Type: image.TypeFile, Size: 2000, Mode: 0644})
		}
		for i := li; i < base; i += 10 {
			add(ls[li], image.Entry{Path: fmt.Sprintf("/usr/lib/pkg%04d/f%06d", i/100, i), Type: image.TypeFile, Size: 500, Mode: 0600})
		}
	}
	for i := 0; i < deletions; i++ {
		j := 100 + i*(base-100)/deletions
		add(ls[3], image.Entry{Path: fmt.Sprintf("/usr/lib/pkg%04d/f%06d", j/100, j), Whiteout: image.WhiteoutDelete})
	}
	add(ls[3], image.Entry{Path: "/usr/lib/pkg0000", Whiteout: image.WhiteoutDelete})
	return ls
}

// BenchmarkBloat measures the bloat analysis alone (merge + accounting, no I/O): linear in
// entries, so 4× the files and deletions cost about 4× the time.
func BenchmarkBloat(b *testing.B) {
	for _, size := range []struct{ files, deletions int }{{20000, 400}, {50000, 1000}, {200000, 4000}} {
		ls := syntheticLayers(size.files, size.deletions)
		img := &image.Image{Layers: ls}
		b.Run(fmt.Sprintf("files=%d/deletions=%d", size.files, size.deletions), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := Of(img, fstree.Merge(img.Layers), Options{})
				if err != nil {
					b.Fatal(err)
				}
				if r.WastedBytes == 0 {
					b.Fatal("no waste found")
				}
			}
		})
	}
}

// TestSyntheticWaste pins the accounting of syntheticLayers at a small size, by hand: 1,000
// base files (sizes 1000+i), layers 1 and 2 each overwrite every 10th base file (from 1, and
// from 2), the top deletes 10 files one by one and the whole of pkg0000.
func TestSyntheticWaste(t *testing.T) {
	ls := syntheticLayers(2000, 10)
	r, err := Of(&image.Image{Layers: ls}, fstree.Merge(ls), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	hidden := map[int]bool{} // base files hidden by anything
	for i := 1; i < 1000; i += 10 {
		hidden[i] = true
	}
	for i := 2; i < 1000; i += 10 {
		hidden[i] = true
	}
	for i := 0; i < 10; i++ {
		hidden[100+i*900/10] = true
	}
	for i := 0; i < 100; i++ {
		hidden[i] = true // pkg0000 deleted whole
	}
	for i := range hidden {
		want += int64(1000 + i)
	}
	// Overwriting copies of files later deleted are waste too (500 bytes each).
	for i := 1; i < 1000; i += 10 {
		if i < 100 || (i-100)%90 == 0 && i >= 100 {
			want += 500
		}
	}
	for i := 2; i < 1000; i += 10 {
		if i < 100 || (i-100)%90 == 0 && i >= 100 {
			want += 500
		}
	}
	if r.WastedBytes != want {
		t.Errorf("wasted_bytes = %d, want %d", r.WastedBytes, want)
	}
}
