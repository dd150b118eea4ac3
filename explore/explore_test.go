package explore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// fixtures are the committed images with several layers: real Docker builds and the
// synthetic ones with opaque markers, replacements and hardlinks.
var fixtures = []string{
	"docker/base.tar", "docker/kitchen.tar", "docker/small.tar", "docker/small2.tar",
	"docker/ctr-basic.export.tar", "synth/whiteouts.tar", "synth/oci.tar", "synth/skopeo.tar",
}

func open(t *testing.T, name string) *image.Image {
	t.Helper()
	img, err := load.Open(context.Background(), filepath.Join("..", "testdata", name), nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

func index(t *testing.T, img *image.Image) *Index {
	t.Helper()
	x := Of(img, fstree.MergeLogged(img.Layers))
	return x
}

type shown struct {
	Entry *image.Entry
	Layer int
}

// TestAsOfLayerIsThePrefixMerge: as of each layer N, the index shows exactly what merging
// layers 0 to N shows: the same paths, entries and providing layers.
func TestAsOfLayerIsThePrefixMerge(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			img := open(t, name)
			x := index(t, img)
			for n := range img.Layers {
				want := map[string]shown{}
				fstree.Merge(img.Layers[:n+1]).Walk(func(p string, nd *fstree.Node) { want[p] = shown{nd.Entry, int(nd.Layer)} })
				got := map[string]shown{}
				for i := 1; i < len(x.Nodes); i++ {
					if v := x.At(i, n); v != nil {
						got[x.Path(i)] = shown{v.Entry, int(v.Layer)}
					}
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("as of layer %d (-merge +index):\n%s", n, d)
				}
			}
		})
	}
}

// TestMarksMatchDiff: the paths a layer marks A, M and D are what diff reports between the
// image up to the layer below and the image up to that layer (A, C, D, every path listed),
// except changes of content alone, which marks do not read.
func TestMarksMatchDiff(t *testing.T) {
	kinds := map[Mark]string{Added: "A", Modified: "C", Removed: "D"}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			img := open(t, name)
			if img.Config == nil {
				t.Skip("one layer, no config")
			}
			x := index(t, img)
			prefix := func(n int) *image.Image {
				return &image.Image{Source: img.Source, ID: img.ID, Config: img.Config, Layers: img.Layers[:n]}
			}
			for n := 1; n < len(img.Layers); n++ {
				r, err := diff.Compare(merged(prefix(n)), merged(prefix(n+1)), diff.Options{Expand: true})
				if err != nil {
					t.Fatal(err)
				}
				want := []string{}
				for _, c := range r.Changes {
					if c.Kind == "C" && slices.Equal(c.Reasons, []string{"content"}) {
						continue
					}
					want = append(want, c.Kind+" "+c.Path)
				}
				got := []string{}
				for _, i := range x.Changes(n) {
					_, m := x.Shown(int(i), n)
					got = append(got, kinds[m]+" "+x.Path(int(i)))
				}
				slices.SortFunc(want, func(a, b string) int { return fstree.ComparePaths(a[2:], b[2:]) })
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("layer %d (-diff +marks):\n%s", n, d)
				}
				c := x.Counts(n)
				if total := c.Added + c.Modified + c.Removed; total != len(got) {
					t.Errorf("layer %d: counts %+v, %d marks", n, c, len(got))
				}
			}
		})
	}
}

// TestIndexShape checks pre-order, parents, ends, depths and Find on every fixture.
func TestIndexShape(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			x := index(t, open(t, name))
			if x.Nodes[0].Parent != -1 || int(x.Nodes[0].End) != len(x.Nodes) {
				t.Fatalf("root: %+v, %d nodes", x.Nodes[0], len(x.Nodes))
			}
			for i := 1; i < len(x.Nodes); i++ {
				n, p := x.Nodes[i], x.Nodes[x.Nodes[i].Parent]
				if int(n.Parent) >= i || i >= int(p.End) || n.End > p.End || n.Depth != p.Depth+1 {
					t.Fatalf("node %d (%s) is not in its parent's range: %+v under %+v", i, x.Path(i), n, p)
				}
				if i > 1 && fstree.ComparePaths(x.Path(i-1), x.Path(i)) >= 0 {
					t.Errorf("%s comes after %s", x.Path(i), x.Path(i-1))
				}
				if got := x.Find(x.Path(i)); got != i {
					t.Errorf("Find(%s) = %d, want %d", x.Path(i), got, i)
				}
				if len(x.Versions(i)) == 0 {
					t.Errorf("%s was never visible", x.Path(i))
				}
			}
			if x.Find("/no/such/path") != -1 {
				t.Error("Find of a missing path")
			}
		})
	}
}

// TestKitchen checks the index by hand on the kitchen image (testdata/docker/MANIFEST.md):
// the deleted secret and the directory removed by `rm -rf` are marked D in the layer that
// deleted them, and the final sizes sum what `files` shows, each inode once.
func TestKitchen(t *testing.T) {
	img := open(t, "docker/kitchen.tar")
	x := index(t, img)
	last := len(img.Layers) - 1
	var lines []string
	for n := range img.Layers {
		for _, i := range x.Changes(n) {
			v, m := x.Shown(int(i), n)
			if m == Removed {
				lines = append(lines, fmt.Sprintf("%d %s %s %s", n, m, x.Path(int(i)), v.Type()))
			}
		}
	}
	t.Logf("removals: %q", lines)
	var total int64 // each inode once: a hardlink shares its target's
	inodes := map[*image.Entry]bool{}
	fstree.Merge(img.Layers).Each(func(nd *fstree.Node) {
		if nd.Entry != nil && nd.Entry.Type == image.TypeFile {
			inodes[nd.Entry] = true
		} else if nd.Entry != nil && nd.Entry.Type == image.TypeHardlink && nd.Target != nil {
			inodes[nd.Target] = true
		}
	})
	for e := range inodes {
		total += e.Size
	}
	if got := x.Sizes(last)[0]; got != total {
		t.Errorf("root size as of the last layer %d, files sum %d", got, total)
	}
	if len(lines) == 0 {
		t.Error("kitchen deletes files, the index marks no removal")
	}
}
