package fstree

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/image"
)

// spec builds an entry from a short form: "f /a 3" file of 3 bytes, "d /a", "l /a -> t"
// symlink, "h /a => /t" hardlink, "w /a" whiteout, "o /a" opaque marker.
func spec(s string) image.Entry {
	f := strings.Fields(s)
	e := image.Entry{Path: f[1], Mode: 0644}
	switch f[0] {
	case "f":
		e.Type = image.TypeFile
		if len(f) > 2 {
			fmt.Sscan(f[2], &e.Size)
		}
	case "d":
		e.Type = image.TypeDir
	case "l":
		e.Type = image.TypeSymlink
		e.SetLink(f[3])
	case "h":
		e.Type = image.TypeHardlink
		e.SetLink(f[3])
	case "w":
		e.Whiteout = image.WhiteoutDelete
	case "o":
		e.Type, e.Whiteout = image.TypeDir, image.WhiteoutOpaque
	}
	return e
}

func layers(ls ...[]string) []*image.Layer {
	var out []*image.Layer
	for i, l := range ls {
		layer := &image.Layer{Index: i}
		for _, s := range l {
			layer.Entries = append(layer.Entries, spec(s))
		}
		out = append(out, layer)
	}
	return out
}

// visible renders the merged tree as "path type layer" lines.
func visible(fs *FS) []string {
	var out []string
	fs.Walk(func(p string, n *Node) {
		t := "dir"
		if n.Entry != nil {
			t = n.Entry.Type.String()
		}
		if p != n.Path() {
			out = append(out, fmt.Sprintf("Walk gives path %s, Path() %s", p, n.Path()))
		}
		out = append(out, fmt.Sprintf("%s %s %d", p, t, n.Layer))
	})
	return out
}

func hidden(fs *FS) []string {
	var out []string
	for _, h := range fs.Hidden {
		out = append(out, fmt.Sprintf("%s %d by %d %s", h.Entry.Path, h.Layer, h.By, h.Reason))
	}
	sort.Strings(out)
	return out
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name        string
		layers      [][]string
		wantVisible []string
		wantHidden  []string
	}{{
		name:        "overwrite in a later layer",
		layers:      [][]string{{"d /a", "f /a/x 5"}, {"f /a/x 7"}},
		wantVisible: []string{"/a dir 0", "/a/x file 1"},
		wantHidden:  []string{"/a/x 0 by 1 overwritten"},
	}, {
		name:        "whiteout of a directory hides its subtree",
		layers:      [][]string{{"d /a", "d /a/b", "f /a/b/c 1", "f /keep 1"}, {"w /a"}},
		wantVisible: []string{"/keep file 0"},
		wantHidden:  []string{"/a 0 by 1 deleted", "/a/b 0 by 1 deleted", "/a/b/c 0 by 1 deleted"},
	}, {
		name:        "whiteout only acts on lower layers, wherever it sits",
		layers:      [][]string{{"f /x 1"}, {"f /x 2", "w /x"}},
		wantVisible: []string{"/x file 1"},
		wantHidden:  []string{"/x 0 by 1 deleted"},
	}, {
		name:        "opaque marker after its siblings keeps them",
		layers:      [][]string{{"d /d", "f /d/old 1", "d /d/sub", "f /d/sub/deep 1"}, {"d /d", "f /d/new 2", "o /d"}},
		wantVisible: []string{"/d dir 1", "/d/new file 1"},
		wantHidden:  []string{"/d 0 by 1 overwritten", "/d/old 0 by 1 opaque", "/d/sub 0 by 1 opaque", "/d/sub/deep 0 by 1 opaque"},
	}, {
		name:        "directory deleted then recreated does not resurrect old children",
		layers:      [][]string{{"d /d", "f /d/old 1"}, {"w /d", "d /d", "f /d/new 1"}},
		wantVisible: []string{"/d dir 1", "/d/new file 1"},
		wantHidden:  []string{"/d 0 by 1 deleted", "/d/old 0 by 1 deleted"},
	}, {
		name:        "file replaces directory",
		layers:      [][]string{{"d /p", "f /p/c 1"}, {"f /p 3"}},
		wantVisible: []string{"/p file 1"},
		wantHidden:  []string{"/p 0 by 1 replaced", "/p/c 0 by 1 replaced"},
	}, {
		name:        "directory replaces file",
		layers:      [][]string{{"f /p 3"}, {"d /p", "f /p/c 1"}},
		wantVisible: []string{"/p dir 1", "/p/c file 1"},
		wantHidden:  []string{"/p 0 by 1 replaced"},
	}, {
		name:        "entry under a file implies a directory",
		layers:      [][]string{{"f /p 3"}, {"f /p/c 1"}},
		wantVisible: []string{"/p dir -1", "/p/c file 1"},
		wantHidden:  []string{"/p 0 by 1 replaced"},
	}, {
		name:        "duplicate path in one layer: last wins",
		layers:      [][]string{{"f /x 1", "f /x 2"}},
		wantVisible: []string{"/x file 0"},
		wantHidden:  []string{"/x 0 by 0 overwritten"},
	}, {
		// Docker creates a whiteout marker's missing parents on extraction (observed with
		// Engine 20.10: `newdir/.wh.gone` alone leaves a /newdir of mode 0600).
		name:        "whiteout of a missing path implies its parent, nothing else",
		layers:      [][]string{{"f /x 1"}, {"w /nope/deeper", "w /y"}},
		wantVisible: []string{"/nope dir -1", "/x file 0"},
	}, {
		name:        "opaque marker of a missing directory implies it",
		layers:      [][]string{{"f /x 1"}, {"o /a/b"}},
		wantVisible: []string{"/a dir -1", "/a/b dir -1", "/x file 0"},
	}, {
		name:        "whiteout under a file changes nothing",
		layers:      [][]string{{"f /x 1"}, {"w /x/y"}},
		wantVisible: []string{"/x file 0"},
	}, {
		name:        "root entry updates the root",
		layers:      [][]string{{"d /", "f /x 1"}, {"d /"}},
		wantVisible: []string{"/x file 0"},
		wantHidden:  []string{"/ 0 by 1 overwritten"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Merge(layers(tt.layers...))
			if diff := cmp.Diff(tt.wantVisible, visible(fs)); diff != "" {
				t.Errorf("visible (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantHidden, hidden(fs)); diff != "" {
				t.Errorf("hidden (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHardlinkKeepsContentOfTargetAtLinkTime(t *testing.T) {
	fs := Merge(layers(
		[]string{"f /t 10"},
		[]string{"h /l => /t"},
		[]string{"w /t"},
		[]string{"h /l2 => /l", "h /dangling => /missing"},
	))
	cases := []struct {
		path      string
		wantSize  int64
		wantLayer int
	}{{"/l", 10, 0}, {"/l2", 10, 0}}
	for _, c := range cases {
		n := fs.Lookup(c.path)
		if n == nil || n.Target == nil {
			t.Fatalf("%s: no resolved target", c.path)
		}
		if n.Target.Size != c.wantSize || int(n.TargetLayer) != c.wantLayer {
			t.Errorf("%s: target size %d layer %d, want %d layer %d", c.path, n.Target.Size, n.TargetLayer, c.wantSize, c.wantLayer)
		}
	}
	if n := fs.Lookup("/dangling"); n == nil || n.Target != nil {
		t.Errorf("/dangling: want a node with no target, got %+v", n)
	}
}

func TestComparePaths(t *testing.T) {
	sorted := []string{"/", "/a", "/a/b", "/a/b/c", "/a-c", "/a.d", "/a.d/x", "/ab", "/b"}
	for i, a := range sorted {
		for j, b := range sorted {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := ComparePaths(a, b); got != want {
				t.Errorf("ComparePaths(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	fs := Merge(layers([]string{"f /a-c 1", "f /a/b 1", "f /a.d/x 1", "f /ab 1"}))
	want := []string{"/a dir -1", "/a/b file 0", "/a-c file 0", "/a.d dir -1", "/a.d/x file 0", "/ab file 0"}
	if diff := cmp.Diff(want, visible(fs)); diff != "" {
		t.Errorf("Walk order (-want +got):\n%s", diff)
	}
}

// TestLookupLargeDirectory looks up every child of a directory of 5,000 files: FS.Child
// scans at most smallDir children before indexing the directory, so the lookups cost a
// sorted index and a binary search each, not a scan of the directory each.
func TestLookupLargeDirectory(t *testing.T) {
	l := &image.Layer{}
	for i := 0; i < 5000; i++ {
		l.Entries = append(l.Entries, image.Entry{Path: fmt.Sprintf("/big/f%05d", 4999-i), Type: image.TypeFile})
	}
	fs := Merge([]*image.Layer{l})
	big := fs.Lookup("/big")
	for i := 0; i < 5000; i++ {
		p := fmt.Sprintf("/big/f%05d", i)
		if n := fs.Lookup(p); n == nil || n.Entry.Path != p {
			t.Fatalf("Lookup(%s) = %v", p, n)
		}
	}
	if fs.Lookup("/big/nope") != nil || fs.Child(big, "f") != nil {
		t.Error("found a child that is not there")
	}
	if len(fs.large) != 1 || len(fs.large[big]) != 5000 {
		t.Errorf("large directories indexed: %d", len(fs.large))
	}
}
