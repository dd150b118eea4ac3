package diff

import (
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// fuzzImage decodes bytes into an image of up to two layers: each entry takes three bytes
// (a path from a small set, deep chains included; a type; a size/mode byte). Every file
// carries a digest, so content compares without a layer to read.
func fuzzImage(b []byte, format image.Format) *image.Image {
	names := []string{"a", "a/b", "a/b/c", "a/d", "e", "e/f", "a/b/c/g", "h",
		strings.TrimSuffix(strings.Repeat("z/", 300), "/"), strings.Repeat("z/", 300) + "leaf"}
	ls := []*image.Layer{{Index: 0}}
	for len(b) >= 3 {
		l := ls[len(ls)-1]
		name, kind, v := names[int(b[0])%len(names)], b[1]%6, b[2]
		b = b[3:]
		e := image.Entry{Path: "/" + name, Mode: uint32(v&3) * 0o111, MTime: int64(v>>6) * 1e9}
		switch kind {
		case 0, 1:
			e.Type, e.Size = image.TypeFile, int64(v%4)
			e.SetDigest(fmt.Sprintf("sha256:%d", v%3))
		case 2:
			e.Type = image.TypeDir
		case 3:
			e.Type = image.TypeSymlink
			e.SetLink(names[int(v)%len(names)])
		case 4:
			e.Whiteout, e.Type = image.WhiteoutDelete, image.TypeFile
		case 5:
			if len(ls) < 2 {
				ls = append(ls, &image.Layer{Index: 1})
			}
			continue
		}
		l.Entries = append(l.Entries, e)
	}
	return &image.Image{Source: image.Source{Format: format}, Layers: ls}
}

// FuzzDiff checks the side-by-side walk against the paths each merge shows: expanded, the
// changes are exactly the paths on one side only (A, D) and the paths on both whose
// metadata differs (C), in tree order; collapsed, each row stands for itself and the paths
// it lists, every folded path is below its row and of its kind, and together the rows cover
// the expanded changes exactly once.
func FuzzDiff(f *testing.F) {
	f.Add([]byte{0, 2, 0, 1, 0, 5, 5, 0, 0, 2, 0, 1}, []byte{0, 2, 1, 3, 0, 1})
	f.Add([]byte{8, 2, 0, 9, 0, 1}, []byte{6, 0, 2})
	f.Add([]byte{9, 0, 1, 5, 5, 0, 8, 4, 0}, []byte{9, 0, 2, 4, 1, 0})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		old, new := fuzzImage(a, image.FormatDockerArchive), fuzzImage(b, image.FormatDockerArchive)
		visible := func(img *image.Image) map[string]*fstree.Node {
			m := map[string]*fstree.Node{}
			fstree.Merge(img.Layers).Walk(func(p string, n *fstree.Node) { m[p] = n })
			return m
		}
		om, nm := visible(old), visible(new)
		want := map[string]string{}
		for p := range om {
			if nm[p] == nil {
				want[p] = "D"
			}
		}
		for p, n := range nm {
			o := om[p]
			switch {
			case o == nil:
				want[p] = "A"
			case !sameMeta(o, n):
				want[p] = "C"
			}
		}
		r, err := Compare(merged(old), merged(new), Options{Expand: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		last := ""
		for _, c := range r.Changes {
			if last != "" && fstree.ComparePaths(last, c.Path) >= 0 {
				t.Errorf("change %s after %s", c.Path, last)
			}
			last = c.Path
			got[c.Path] = c.Kind
		}
		for p, k := range want {
			if got[p] != k {
				t.Errorf("%s: kind %q, the merges say %q", p, got[p], k)
			}
		}
		for p, k := range got {
			if want[p] == "" && k != "C" {
				t.Errorf("%s: %s, but the merges show no such change", p, k)
			}
		}
		folded, err := Compare(merged(old), merged(new), Options{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, c := range folded.Changes {
			if int(c.Entries) != 1+len(c.Paths) {
				t.Errorf("%s: %d entries, %d paths", c.Path, c.Entries, len(c.Paths))
			}
			for _, p := range append([]string{c.Path}, c.Paths...) {
				if seen[p] {
					t.Errorf("%s stood for twice", p)
				}
				seen[p] = true
				if got[p] != c.Kind {
					t.Errorf("%s folded into a %s row but is %q", p, c.Kind, got[p])
				}
				if p != c.Path && !strings.HasPrefix(p, c.Path+"/") {
					t.Errorf("%s folded into %s, which is not above it", p, c.Path)
				}
				if p != c.Path && got[path.Dir(p)] != c.Kind {
					t.Errorf("%s folded although its parent is %q", p, got[path.Dir(p)])
				}
			}
		}
		if len(seen) != len(got) {
			t.Errorf("collapsed rows stand for %d paths, expanded there are %d", len(seen), len(got))
		}
	})
}

// sameMeta is the model of metaReasons: what diff compares without content, resolving
// hardlinks (none here) and treating implied directories as mode 0600.
func sameMeta(o, n *fstree.Node) bool {
	a, b := o.Entry, n.Entry
	if a == nil {
		a = &impliedEntry
	}
	if b == nil {
		b = &impliedEntry
	}
	if len(Reasons(a, b, false)) > 0 {
		return false
	}
	if a.Type == image.TypeFile && b.Type == image.TypeFile && a.Size == b.Size {
		return a.Digest() == b.Digest()
	}
	return true
}
