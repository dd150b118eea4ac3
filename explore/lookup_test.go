package explore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

func TestLookup(t *testing.T) {
	dir := func(p string) image.Entry { return image.Entry{Path: p, Type: image.TypeDir, Mode: 0o755} }
	file := func(p string) image.Entry { return image.Entry{Path: p, Type: image.TypeFile, Size: 3} }
	link := func(p, to string) image.Entry {
		e := image.Entry{Path: p, Type: image.TypeSymlink}
		e.SetLink(to)
		return e
	}
	img := &image.Image{Layers: []*image.Layer{
		{Entries: []image.Entry{dir("/usr"), dir("/usr/lib"), file("/usr/lib/x"), link("/lib", "usr/lib"),
			link("/loop1", "loop2"), link("/loop2", "/loop1"), link("/up", "../../usr/lib/x"), file("/gone")}},
		{Index: 1, Entries: []image.Entry{{Path: "/gone", Whiteout: image.WhiteoutDelete}, link("/usr/lib/rel", "../lib/x")}},
	}}
	x := Of(img, fstree.MergeLogged(img.Layers))
	for _, c := range []struct {
		path   string
		layer  int
		follow bool
		want   string // the path of the node found, or the error
	}{
		{"/lib/x", 0, true, "/usr/lib/x"},
		{"/lib", 0, false, "/lib"},
		{"/lib", 0, true, "/usr/lib"},
		{"/up", 0, true, "/usr/lib/x"},
		{"/lib/rel", 1, true, "/usr/lib/x"},
		{"/lib/rel", 0, true, "no such file"},
		{"/loop1", 0, true, "too many levels of symbolic links"},
		{"/loop1", 0, false, "/loop1"},
		{"/gone", 0, true, "/gone"},
		{"/gone", 1, true, "removed"},
		{"/usr/lib/x/y", 0, true, "not a directory"},
		{"usr/./lib/../lib/x", 0, true, "/usr/lib/x"},
	} {
		i, _, err := x.Lookup(c.path, c.layer, c.follow)
		got := ""
		if err != nil {
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("%s: %v is not a *LookupError", c.path, err)
			}
			got = le.Err.Error()
		} else {
			got = x.Path(i)
		}
		if got != c.want {
			t.Errorf("Lookup(%q, %d, %v) = %s, want %s", c.path, c.layer, c.follow, got, c.want)
		}
	}
}

// TestOfDiff: a comparison's index shows OLD as layer 0 and NEW as layer 1, and marks at
// layer 1 exactly the paths diff lists, with diff's kinds.
func TestOfDiff(t *testing.T) {
	for _, c := range [][2]string{{"docker/small.tar", "docker/small2.tar"}, {"docker/kitchen.tar", "docker/ctr-basic.export.tar"}} {
		old, new := open(t, c[0]), open(t, c[1])
		r, err := diff.Compare(merged(old), merged(new), diff.Options{Expand: true})
		if err != nil {
			t.Fatal(err)
		}
		oldFS, newFS := fstree.Merge(old.Layers), fstree.Merge(new.Layers)
		x := OfDiff(oldFS, newFS, r)
		var want, got []string
		for _, ch := range r.Changes {
			want = append(want, ch.Kind+" "+ch.Path)
		}
		kinds := map[Mark]string{Added: "A", Modified: "C", Removed: "D"}
		for _, i := range x.Changes(1) {
			_, m := x.Shown(int(i), 1)
			got = append(got, kinds[m]+" "+x.Path(int(i)))
		}
		if len(want) == 0 || len(got) != len(want) {
			t.Errorf("%s → %s: %d marks, diff lists %d", c[0], c[1], len(got), len(want))
		}
		seen := map[string]bool{}
		for _, g := range got {
			seen[g] = true
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("%s → %s: diff lists %s, not marked", c[0], c[1], w)
			}
		}
		for layer, fs := range []*fstree.FS{oldFS, newFS} {
			n := 0
			fs.Walk(func(p string, nd *fstree.Node) {
				n++
				i := x.Find(p)
				if v := x.At(i, layer); i < 0 || v == nil || v.Entry != nd.Entry {
					t.Errorf("%s as of layer %d: not the merge's entry", p, layer)
				}
			})
			visible := 0
			for i := 1; i < len(x.Nodes); i++ {
				if x.At(i, layer) != nil {
					visible++
				}
			}
			if visible != n {
				t.Errorf("layer %d shows %d paths, the merge %d", layer, visible, n)
			}
		}
	}
}

// TestLookupAgreesWithMerge: the explorer's lookup as of layer l (its index) and cat's (the
// merge of the layers up to l) answer every path of the kitchen fixture alike, errors too:
// one lookup, fstree.Resolve, on two views of the same filesystem.
func TestLookupAgreesWithMerge(t *testing.T) {
	img := open(t, "docker/kitchen.tar")
	x := Of(img, fstree.MergeLogged(img.Layers))
	paths := []string{"/opt/app/current/../hello.txt", "/opt/app/abs-link", "/nope", "/opt/app/hello.txt/x"}
	for i := range x.Nodes {
		paths = append(paths, x.Path(i))
	}
	for l := range img.Layers {
		fs := fstree.Merge(img.Layers[:l+1])
		for _, p := range paths {
			for _, follow := range []bool{false, true} {
				i, _, xerr := x.Lookup(p, l, follow)
				n, ferr := fs.Resolve(p, follow)
				want, got := fmt.Sprint(xerr), fmt.Sprint(ferr)
				if xerr == nil {
					want = x.Path(i)
				}
				if ferr == nil {
					got = n.Path()
				}
				if got != want {
					t.Errorf("layer %d, %s (follow %v): the merge says %s, the index %s", l, p, follow, got, want)
				}
			}
		}
	}
}
