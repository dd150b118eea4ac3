package html

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

const fixtures = "../../../testdata/docker"

// openImage loads an archive as strata report does.
func openImage(t testing.TB, path string, hash string) *image.Image {
	t.Helper()
	img, err := load.Open(context.Background(), path, nil, load.Options{HashFiles: hash, Limits: load.DefaultLimits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

func imageReport(t testing.TB, path string) (Report, *Image) {
	t.Helper()
	im, err := NewImage(openImage(t, path, inspect.EqualityHash), inspect.Options{}, packages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Report{Image: im, Generator: "strata test"}, im
}

func diffReport(t testing.TB, oldPath, newPath string) Report {
	t.Helper()
	o, n := openImage(t, oldPath, "sha256"), openImage(t, newPath, "sha256")
	res, err := diff.Compare(merged(o), merged(n), diff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	oi, err := NewImage(o, inspect.Options{}, packages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ni, err := NewImage(n, inspect.Options{}, packages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Report{Diff: res, Old: oi, New: ni, Generator: "strata test"}
}

// writePage writes the report under the test's temporary directory.
func writePage(t testing.TB, r Report, name string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".html")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

// rootRows is what the explorer shows at first: the root's children visible as of layer.
func rootRows(x *explore.Index, layer int) int {
	n := 0
	for c := 1; c < int(x.Nodes[0].End); c = int(x.Nodes[c].End) {
		if v, _ := x.Shown(c, layer); v != nil {
			n++
		}
	}
	return n
}

// visibleChildren counts the children of node i the explorer shows as of layer.
func visibleChildren(x *explore.Index, i, layer int) int {
	n := 0
	for c := i + 1; c < int(x.Nodes[i].End); c = int(x.Nodes[c].End) {
		if v, _ := x.Shown(c, layer); v != nil {
			n++
		}
	}
	return n
}

// searchRows is what a name search shows, computed independently of the page: a visible
// node is a row when it matches, lies inside a matching directory the search opened, or
// holds a match below it (those directories open).
func searchRows(x *explore.Index, layer int, match func(name string) bool) []int {
	var rows []int
	var holds func(i int) bool
	memo := map[int]bool{}
	holds = func(i int) bool {
		if v, ok := memo[i]; ok {
			return v
		}
		r := false
		for c := i + 1; c < int(x.Nodes[i].End); c = int(x.Nodes[c].End) {
			if v, _ := x.Shown(c, layer); v != nil && (match(x.Nodes[c].Name) || holds(c)) {
				r = true
			}
		}
		memo[i] = r
		return r
	}
	var visit func(i int, inside bool)
	visit = func(i int, inside bool) {
		for c := i + 1; c < int(x.Nodes[i].End); c = int(x.Nodes[c].End) {
			if v, _ := x.Shown(c, layer); v == nil {
				continue
			}
			m, anc := match(x.Nodes[c].Name), holds(c)
			if inside || m || anc {
				rows = append(rows, c)
			}
			if anc {
				visit(c, inside || m)
			}
		}
	}
	visit(0, false)
	return rows
}

// changeRows is what "only this layer's changes" shows: the marked nodes and their ancestors.
func changeRows(x *explore.Index, layer int) int {
	keep := map[int]bool{}
	for _, i := range x.Changes(layer) {
		for p := int(i); p > 0 && !keep[p]; p = int(x.Nodes[p].Parent) {
			keep[p] = true
		}
	}
	return len(keep)
}

// lastVisible is the last node in pre-order shown as of layer (the last row, all expanded).
func lastVisible(x *explore.Index, layer int) int {
	last := -1
	for i := 1; i < len(x.Nodes); {
		if v, _ := x.Shown(i, layer); v == nil {
			i = int(x.Nodes[i].End)
			continue
		}
		last = i
		i++
	}
	return last
}

func contains(sub string) func(string) bool {
	sub = strings.ToLower(sub)
	return func(name string) bool { return strings.Contains(strings.ToLower(name), sub) }
}
