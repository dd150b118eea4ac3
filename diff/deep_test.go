package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/image"
)

// deepImage is an image of one layer holding count files depth directories deep, every
// directory implied (no directory entries), in chains named by prefix.
func deepImage(format image.Format, prefix string, count, depth int) *image.Image {
	l := &image.Layer{}
	for k := 0; k < count; k++ {
		var b strings.Builder
		fmt.Fprintf(&b, "/%s%d", prefix, k)
		for i := 1; i < depth; i++ {
			b.WriteString("/d")
		}
		b.WriteString("/leaf")
		e := image.Entry{Path: b.String(), Type: image.TypeFile, Size: 1, Mode: 0o644}
		e.SetDigest("sha256:same") // content compares equal without a layer to read
		l.Entries = append(l.Entries, e)
	}
	return &image.Image{Source: image.Source{Format: format}, Layers: []*image.Layer{l}}
}

// TestDiffDeepTree diffs trees 8,000 directories deep. Folding an added subtree used to walk
// every change's parents through a map of full paths (quadratic in depth, with a path hashed
// at each step: about 20 minutes at 8,190 levels); the side-by-side walk folds each change
// into its parent's row in one step.
func TestDiffDeepTree(t *testing.T) {
	const depth = 8000
	old := deepImage(image.FormatDockerArchive, "base", 1, 2)
	new := deepImage(image.FormatDockerArchive, "deep", 1, depth)
	r, err := Compare(merged(old), merged(new), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// /base0 deleted (with /base0/d and its leaf), /deep0 added with depth-1 directories and a leaf.
	if len(r.Changes) != 2 {
		t.Fatalf("%d changes, want 2", len(r.Changes))
	}
	d, a := r.Changes[0], r.Changes[1]
	if d.Kind != "D" || d.Path != "/base0" || d.Entries != 3 || len(d.Paths) != 2 {
		t.Errorf("first change %s %s with %d entries, %d paths; want D /base0 with 3 and 2", d.Kind, d.Path, d.Entries, len(d.Paths))
	}
	if a.Kind != "A" || a.Path != "/deep0" || a.Entries != depth+1 || len(a.Paths) != depth {
		t.Fatalf("second change %s %s with %d entries, %d paths; want A /deep0 with %d and %d", a.Kind, a.Path, a.Entries, len(a.Paths), depth+1, depth)
	}
	if want := "/deep0" + strings.Repeat("/d", depth-1) + "/leaf"; a.Paths[depth-1] != want {
		t.Errorf("last folded path is %d bytes, want the leaf's %d", len(a.Paths[depth-1]), len(want))
	}

	// An export whose only change is a file at the bottom marks every directory above it C.
	img := deepImage(image.FormatDockerArchive, "deep", 1, depth)
	export := deepImage(image.FormatRootfs, "deep", 1, depth)
	export.Layers[0].Entries[0].Size = 2
	r, err = Compare(merged(img), merged(export), Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != depth+1 {
		t.Fatalf("export: %d changes, want %d", len(r.Changes), depth+1)
	}
	for i, c := range r.Changes[:depth] {
		if c.Kind != "C" || len(c.Reasons) != 1 || c.Reasons[0] != "child" {
			t.Fatalf("export change %d: %s %v, want C [child]", i, c.Kind, c.Reasons)
		}
	}
	if c := r.Changes[depth]; c.Kind != "C" || strings.Join(c.Reasons, ",") != "size,content" {
		t.Errorf("export: the leaf is %s %v, want C [size content]", c.Kind, c.Reasons)
	}
}

// BenchmarkDiffDeep diffs a tree 8,000 directories deep against a small one, in image mode
// (the added subtree folds into one row) and as an export (every directory marked C).
func BenchmarkDiffDeep(b *testing.B) {
	const depth = 8000
	small := deepImage(image.FormatDockerArchive, "base", 1, 2)
	deep := deepImage(image.FormatDockerArchive, "deep", 4, depth)
	export := deepImage(image.FormatRootfs, "deep", 4, depth)
	export.Layers[0].Entries[0].Size = 2
	b.Run("images", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := Compare(merged(small), merged(deep), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("export", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := Compare(merged(deep), merged(export), Options{Force: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
