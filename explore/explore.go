// Package explore indexes an image for browsing: every path any layer made visible, in tree
// pre-order, with the versions it showed layer by layer, so that a view (the terminal
// explorer, the HTML report) can show the filesystem as of any layer and what that layer
// added, modified and removed, without walking or merging anything per keystroke.
package explore

import (
	"sort"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Mark is what a layer did to a path, compared with the layer below.
type Mark uint8

// The marks, as dive shows them.
const (
	Unchanged Mark = iota
	Added          // the path appeared
	Modified       // the path shows another version whose metadata differs (as diff compares it)
	Removed        // the path disappeared: deleted by a whiteout, hidden by an opaque marker, replaced by a parent's new type
)

var markNames = [...]string{"", "A", "M", "D"}

// String is "A", "M", "D", or "" for Unchanged.
func (m Mark) String() string { return markNames[m] }

// MarshalText makes a Mark its letter in JSON.
func (m Mark) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Version is what one path showed for a run of layers: visible as of layers From to To-1.
type Version struct {
	From, To int32
	// Layer provides Entry; -1 for a directory no layer wrote (Entry nil), which Docker
	// creates on extraction with mode 0600, owned by root.
	Layer int32
	Entry *image.Entry
	// Target is a hardlink's target entry (nil otherwise, or when the link dangles), from
	// TargetLayer.
	Target      *image.Entry
	TargetLayer int32
}

// Type is the version's file type (a directory for an implied one).
func (v *Version) Type() image.Type {
	if v.Entry == nil {
		return image.TypeDir
	}
	return v.Entry.Type
}

// Size is the regular-file bytes a user sees at the path: a file's size, a hardlink's
// target's size, 0 for everything else.
func (v *Version) Size() int64 {
	switch {
	case v.Entry == nil:
		return 0
	case v.Entry.Type == image.TypeFile:
		return v.Entry.Size
	case v.Entry.Type == image.TypeHardlink && v.Target != nil:
		return v.Target.Size
	}
	return 0
}

// impliedEntry is how an implied directory compares: mode 0600, root, no time.
var impliedEntry = image.Entry{Type: image.TypeDir, Mode: fstree.ImpliedMode}

// effective is the entry whose metadata the path shows (a hardlink shows its target's).
func (v *Version) effective() *image.Entry {
	switch {
	case v.Entry == nil:
		return &impliedEntry
	case v.Entry.Type == image.TypeHardlink && v.Target != nil:
		return v.Target
	}
	return v.Entry
}

// Node is one path of the index. Nodes are in pre-order: a directory's descendants are the
// nodes after it, up to End.
type Node struct {
	Name   string // the last path component; "" for the root
	Parent int32  // index of the parent node; -1 for the root
	End    int32  // one past the last descendant
	Depth  int32  // 0 for the root

	first, last int32 // the node's versions: Index.versions[first:last], oldest first
}

// LayerChanges counts what one layer did, compared with the layer below.
type LayerChanges struct {
	Added    int `json:"added"`
	Modified int `json:"modified"`
	Removed  int `json:"removed"`
}

// Index is every path an image's layers made visible.
type Index struct {
	Nodes  []Node // Nodes[0] is the root
	Layers int    // the number of layers

	versions []Version
	// inode[k] is, for a hardlink version k whose target is a regular file, the version
	// holding that file's inode: the target's own version when the index has one, else the
	// first hardlink version sharing the target (one id per inode); -1 for every other
	// version.
	inode   []int32
	changes [][]int32 // per layer, the nodes it marks, in pre-order
	counts  []LayerChanges
	fixed   []Mark // OfDiff: each node's mark at layer 1, as diff says
}

// Of indexes an image from its logged merge (fstree.MergeLogged over img.Layers). Building
// it is linear in the merge's steps plus sorting each directory's children once.
func Of(img *image.Image, fs *fstree.Logged) *Index {
	b := builder{ids: map[*fstree.Node]int32{fs.Root: 0}, byName: map[childKey]int32{}}
	b.nodes = append(b.nodes, building{parent: -1})
	b.open(0, 0, -1, nil, nil, -1) // the root exists before any layer; a "/" entry updates it
	for _, s := range fs.Log {
		id := b.id(s.Node)
		layer := int32(s.Layer)
		switch s.Op {
		case fstree.Created:
			b.open(id, layer, providerOf(s), s.Entry, s.Node.Target, int32(s.Node.TargetLayer))
		case fstree.Updated:
			b.close(id, layer)
			b.open(id, layer, providerOf(s), s.Entry, s.Node.Target, int32(s.Node.TargetLayer))
		case fstree.Removed:
			b.close(id, layer)
		}
	}
	x := b.index(len(img.Layers))
	x.mark()
	x.linkInodes()
	return x
}

func providerOf(s fstree.Step) int32 {
	if s.Entry == nil {
		return -1
	}
	return int32(s.Layer)
}

type childKey struct {
	parent int32
	name   string
}

// building is a node while the log is read: its versions, the open one last.
type building struct {
	name     string
	parent   int32
	children []int32
	versions []Version
	open     bool
}

type builder struct {
	nodes  []building
	ids    map[*fstree.Node]int32 // a merge node's path, as an index into nodes
	byName map[childKey]int32
}

// id returns the index of n's path, adding it on first sight. A node's parent is always
// seen before it: the log records a parent's creation before its children's.
func (b *builder) id(n *fstree.Node) int32 {
	if id, ok := b.ids[n]; ok {
		return id
	}
	parent := b.id(n.Parent())
	k := childKey{parent, n.Name()}
	id, ok := b.byName[k]
	if !ok {
		id = int32(len(b.nodes))
		b.nodes = append(b.nodes, building{name: n.Name(), parent: parent})
		b.nodes[parent].children = append(b.nodes[parent].children, id)
		b.byName[k] = id
	}
	b.ids[n] = id
	return id
}

func (b *builder) open(id, layer, provider int32, e, target *image.Entry, targetLayer int32) {
	n := &b.nodes[id]
	if target == nil {
		targetLayer = -1
	}
	n.versions = append(n.versions, Version{From: layer, To: -1, Layer: provider, Entry: e, Target: target, TargetLayer: targetLayer})
	n.open = true
}

// close ends the open version at layer; a version that began in the same layer was never
// visible between layers and is dropped.
func (b *builder) close(id, layer int32) {
	n := &b.nodes[id]
	if !n.open {
		return
	}
	n.open = false
	last := &n.versions[len(n.versions)-1]
	if last.From == layer {
		n.versions = n.versions[:len(n.versions)-1]
		return
	}
	last.To = layer
}

// index lays the paths out in pre-order, siblings by name, and drops paths that were never
// visible between layers.
func (b *builder) index(layers int) *Index {
	x := &Index{Layers: layers, Nodes: make([]Node, 0, len(b.nodes))}
	var visit func(id, parent, depth int32)
	visit = func(id, parent, depth int32) {
		n := &b.nodes[id]
		pos := int32(len(x.Nodes))
		first := int32(len(x.versions))
		for _, v := range n.versions {
			if v.To < 0 {
				v.To = int32(layers)
			}
			x.versions = append(x.versions, v)
		}
		x.Nodes = append(x.Nodes, Node{Name: n.name, Parent: parent, Depth: depth, first: first, last: int32(len(x.versions))})
		sort.Slice(n.children, func(i, j int) bool { return b.nodes[n.children[i]].name < b.nodes[n.children[j]].name })
		for _, c := range n.children {
			if b.visible(c) {
				visit(c, pos, depth+1)
			}
		}
		x.Nodes[pos].End = int32(len(x.Nodes))
		n.children, n.versions = nil, nil
	}
	visit(0, -1, 0)
	return x
}

// visible reports whether a path was visible between two layers: a version of its own
// (a directory that only ever held such paths has one too).
func (b *builder) visible(id int32) bool {
	n := &b.nodes[id]
	for _, v := range n.versions {
		if v.To < 0 || v.To > v.From {
			return true
		}
	}
	return false
}

// Versions returns node i's versions, oldest first.
func (x *Index) Versions(i int) []Version {
	n := &x.Nodes[i]
	return x.versions[n.first:n.last]
}

// At returns the version node i shows as of layer, or nil when it is not visible then.
func (x *Index) At(i, layer int) *Version {
	vs := x.Versions(i)
	for k := range vs {
		if int(vs[k].From) <= layer && layer < int(vs[k].To) {
			return &vs[k]
		}
	}
	return nil
}

// Shown returns what a view shows at node i as of layer: the visible version and the mark,
// or, for a path the layer removed, the version it removed and Removed. It returns nil for
// a path absent then and not removed by that layer.
func (x *Index) Shown(i, layer int) (*Version, Mark) {
	v := x.At(i, layer)
	if x.fixed != nil {
		return x.shownDiff(i, layer, v)
	}
	var before *Version
	if layer > 0 {
		before = x.At(i, layer-1)
	}
	switch {
	case v == nil && before == nil:
		return nil, Unchanged
	case v == nil:
		return before, Removed
	case before == nil:
		return v, Added
	case before != v && changed(before, v):
		return v, Modified
	}
	return v, Unchanged
}

// changed reports whether two versions of a path differ as diff compares them without
// reading content.
func changed(a, b *Version) bool {
	if len(diff.Reasons(a.effective(), b.effective(), false)) > 0 {
		return true
	}
	// A file that became a hardlink or the reverse.
	return a.Type() != b.Type()
}

// Path builds node i's absolute path.
func (x *Index) Path(i int) string {
	if i == 0 {
		return "/"
	}
	var parts []string
	for ; i > 0; i = int(x.Nodes[i].Parent) {
		parts = append(parts, x.Nodes[i].Name)
	}
	size := 0
	for _, p := range parts {
		size += 1 + len(p)
	}
	b := make([]byte, 0, size)
	for k := len(parts) - 1; k >= 0; k-- {
		b = append(b, '/')
		b = append(b, parts[k]...)
	}
	return string(b)
}

// Find returns the index of the node at the cleaned absolute path p, or -1.
func (x *Index) Find(p string) int {
	if p == "/" {
		return 0
	}
	i := 0
	for _, name := range splitPath(p) {
		found := -1
		for c := i + 1; c < int(x.Nodes[i].End); c = int(x.Nodes[c].End) {
			if x.Nodes[c].Name == name {
				found = c
				break
			}
		}
		if found < 0 {
			return -1
		}
		i = found
	}
	return i
}

func splitPath(p string) []string {
	var out []string
	for len(p) > 0 {
		for len(p) > 0 && p[0] == '/' {
			p = p[1:]
		}
		j := 0
		for j < len(p) && p[j] != '/' {
			j++
		}
		if j > 0 {
			out = append(out, p[:j])
		}
		p = p[j:]
	}
	return out
}

// mark finds, for each layer, the nodes it marks: only a version that starts or ends at a
// layer can change what a path shows there.
func (x *Index) mark() {
	x.changes = make([][]int32, x.Layers)
	x.counts = make([]LayerChanges, x.Layers)
	seen := make([]int32, x.Layers) // the last node added to each layer's list, +1
	for i := 1; i < len(x.Nodes); i++ {
		for _, v := range x.Versions(i) {
			for _, l := range [2]int32{v.From, v.To} {
				if l >= int32(x.Layers) || seen[l] == int32(i)+1 {
					continue
				}
				seen[l] = int32(i) + 1
				if _, m := x.Shown(i, int(l)); m != Unchanged {
					x.changes[l] = append(x.changes[l], int32(i))
					switch m {
					case Added:
						x.counts[l].Added++
					case Modified:
						x.counts[l].Modified++
					case Removed:
						x.counts[l].Removed++
					}
				}
			}
		}
	}
}

// Changes returns the nodes layer marks (added, modified or removed), in pre-order.
func (x *Index) Changes(layer int) []int32 { return x.changes[layer] }

// Counts returns how many paths layer added, modified and removed.
func (x *Index) Counts(layer int) LayerChanges { return x.counts[layer] }

// Sizes returns, for every node, the regular-file bytes visible at or below it as of layer
// (a directory sums its descendants), counting an inode once as du does (and as
// `files --tree` does): a regular file counts its size; a hardlink counts 0 when the file
// it shares an inode with is visible at its own path, else the first such hardlink in
// path order counts the inode's size (its target was deleted or overwritten, the link
// keeps the old bytes). One forward and one backward pass over the nodes.
func (x *Index) Sizes(layer int) []int64 {
	sizes := make([]int64, len(x.Nodes))
	var counted map[int32]bool // orphaned inodes counted so far
	for i := 1; i < len(x.Nodes); i++ {
		k := x.at(i, layer)
		if k < 0 {
			continue
		}
		v := &x.versions[k]
		sz := v.Size()
		if t := x.inode[k]; sz > 0 && t >= 0 {
			switch tv := &x.versions[t]; {
			case tv.Entry.Type == image.TypeFile && int(tv.From) <= layer && layer < int(tv.To):
				sz = 0 // the file's own path counts it
			case counted[t]:
				sz = 0
			default:
				if counted == nil {
					counted = map[int32]bool{}
				}
				counted[t] = true
			}
		}
		sizes[i] = sz
	}
	for i := len(x.Nodes) - 1; i > 0; i-- {
		sizes[x.Nodes[i].Parent] += sizes[i]
	}
	return sizes
}

// at is At as an index into x.versions, or -1.
func (x *Index) at(i, layer int) int {
	n := &x.Nodes[i]
	for k := n.first; k < n.last; k++ {
		if v := &x.versions[k]; int(v.From) <= layer && layer < int(v.To) {
			return int(k)
		}
	}
	return -1
}

// Inodes returns, for every version in the order Versions lists them node after node, the
// version holding its inode when it is a hardlink to a regular file (the target's own
// version, or the first hardlink version sharing that target when the index has none), or
// -1: what Sizes counts an inode once by.
func (x *Index) Inodes() []int32 { return x.inode }

// linkInodes fills x.inode.
func (x *Index) linkInodes() {
	x.inode = make([]int32, len(x.versions))
	files := map[*image.Entry]int32{}
	for k := range x.versions {
		x.inode[k] = -1
		if e := x.versions[k].Entry; e != nil && e.Type == image.TypeFile {
			files[e] = int32(k)
		}
	}
	orphans := map[*image.Entry]int32{}
	for k := range x.versions {
		v := &x.versions[k]
		if v.Entry == nil || v.Entry.Type != image.TypeHardlink || v.Target == nil || v.Target.Type != image.TypeFile {
			continue
		}
		if f, ok := files[v.Target]; ok {
			x.inode[k] = f
		} else if f, ok := orphans[v.Target]; ok {
			x.inode[k] = f
		} else {
			orphans[v.Target] = int32(k)
			x.inode[k] = int32(k)
		}
	}
}

// shownDiff is Shown for a comparison: layer 0 (OLD) marks nothing; layer 1 (NEW) marks what
// diff said, a deleted path showing its old version.
func (x *Index) shownDiff(i, layer int, v *Version) (*Version, Mark) {
	m := x.fixed[i]
	switch {
	case layer == 0:
		return v, Unchanged
	case v == nil && m == Removed:
		return x.At(i, 0), Removed
	case v == nil:
		return nil, Unchanged
	case m == Removed: // diff does not delete a path NEW shows
		return v, Unchanged
	}
	return v, m
}
