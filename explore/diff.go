package explore

import (
	"strings"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/fstree"
)

// OfDiff indexes a comparison for browsing: layer 0 is OLD's merged filesystem, layer 1
// NEW's, and the marks at layer 1 are exactly diff's answer, r, which must list every path
// (diff.Options.Expand): "A" added, "C" modified, "D" removed. Layer 0 marks nothing.
// Building it is one walk of each filesystem.
func OfDiff(oldFS, newFS *fstree.FS, r *diff.Result) *Index {
	kinds := make(map[string]Mark, len(r.Changes))
	for _, c := range r.Changes {
		switch c.Kind {
		case "A":
			kinds[c.Path] = Added
		case "C":
			kinds[c.Path] = Modified
		case "D":
			kinds[c.Path] = Removed
		}
	}
	type walked struct {
		path string
		node *fstree.Node
	}
	collect := func(fs *fstree.FS) []walked {
		var out []walked
		fs.Walk(func(p string, n *fstree.Node) { out = append(out, walked{p, n}) })
		return out
	}
	a, b := collect(oldFS), collect(newFS)
	x := &Index{Layers: 2, fixed: []Mark{Unchanged}}
	version := func(from int32, n *fstree.Node) Version {
		v := Version{From: from, To: from + 1, Layer: int32(n.Layer), Entry: n.Entry, TargetLayer: -1}
		if n.Entry == nil {
			v.Layer = -1
		}
		if n.Target != nil {
			v.Target, v.TargetLayer = n.Target, int32(n.TargetLayer)
		}
		return v
	}
	x.versions = append(x.versions, version(0, oldFS.Root), version(1, newFS.Root))
	x.Nodes = append(x.Nodes, Node{Parent: -1, first: 0, last: 2})
	stack := []int32{0} // the open directories by depth
	emit := func(p string, o, n *fstree.Node) {
		depth := int32(strings.Count(p, "/"))
		for int32(len(stack)) > depth {
			top := stack[len(stack)-1]
			x.Nodes[top].End = int32(len(x.Nodes))
			stack = stack[:len(stack)-1]
		}
		id := int32(len(x.Nodes))
		first := int32(len(x.versions))
		if o != nil {
			x.versions = append(x.versions, version(0, o))
		}
		if n != nil {
			x.versions = append(x.versions, version(1, n))
		}
		name := p[strings.LastIndexByte(p, '/')+1:]
		x.Nodes = append(x.Nodes, Node{Name: name, Parent: stack[len(stack)-1], Depth: depth, first: first, last: int32(len(x.versions))})
		x.fixed = append(x.fixed, kinds[p])
		stack = append(stack, id)
	}
	for i, j := 0, 0; i < len(a) || j < len(b); {
		switch {
		case j == len(b) || i < len(a) && fstree.ComparePaths(a[i].path, b[j].path) < 0:
			emit(a[i].path, a[i].node, nil)
			i++
		case i == len(a) || fstree.ComparePaths(a[i].path, b[j].path) > 0:
			emit(b[j].path, nil, b[j].node)
			j++
		default:
			emit(a[i].path, a[i].node, b[j].node)
			i, j = i+1, j+1
		}
	}
	for _, id := range stack {
		x.Nodes[id].End = int32(len(x.Nodes))
	}
	x.changes = make([][]int32, 2)
	x.counts = make([]LayerChanges, 2)
	for i, m := range x.fixed {
		if m == Unchanged {
			continue
		}
		if v, _ := x.Shown(i, 1); v == nil {
			continue
		}
		x.changes[1] = append(x.changes[1], int32(i))
		switch m {
		case Added:
			x.counts[1].Added++
		case Modified:
			x.counts[1].Modified++
		case Removed:
			x.counts[1].Removed++
		}
	}
	x.linkInodes()
	return x
}
