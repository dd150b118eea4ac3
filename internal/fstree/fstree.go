// Package fstree merges an image's layers into its final filesystem with OCI whiteout
// semantics, keeping for each visible path the layer that provides it and for each
// shipped-but-invisible entry the layer that hid it.
package fstree

import (
	"path"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// Reason says why a shipped entry is not visible.
type Reason string

// Why entries end up hidden.
const (
	Overwritten Reason = "overwritten" // the same path, same type, in a later layer (or later in the same layer)
	Deleted     Reason = "deleted"     // a `.wh.` whiteout of the path or an ancestor
	Opaque      Reason = "opaque"      // an opaque marker on an ancestor directory
	Replaced    Reason = "replaced"    // the path or an ancestor was replaced by an entry of another type
)

// Node is a visible path of the merged filesystem. A node holds its own name and its parent,
// not its full path: Path builds that on demand, and Walk hands it out as it descends.
type Node struct {
	// Entry is nil for a directory no layer wrote: the missing parent of an entry or of a
	// whiteout marker, which Docker creates on extraction, mode 0600, owned by root
	// (observed, Engine 20.10: moby's UnpackLayer uses MkdirAll(parent, 0600)).
	Entry *image.Entry
	Layer int // index of the providing layer; -1 for implied directories
	// Target is the entry a hardlink's content comes from, fixed when the link was made, and
	// TargetLayer its layer; Target is nil for a link whose target did not exist.
	Target      *image.Entry
	TargetLayer int

	name     string
	parent   *Node
	children map[string]*Node // nil for a non-directory
}

// Name is the node's last path component ("" for the root).
func (n *Node) Name() string { return n.name }

// Parent is the directory holding the node; nil for the root.
func (n *Node) Parent() *Node { return n.parent }

// Path builds the node's absolute path.
func (n *Node) Path() string {
	if n.parent == nil {
		return "/"
	}
	size := 0
	for x := n; x.parent != nil; x = x.parent {
		size += 1 + len(x.name)
	}
	b := make([]byte, size)
	for x := n; x.parent != nil; x = x.parent {
		size -= len(x.name)
		copy(b[size:], x.name)
		size--
		b[size] = '/'
	}
	return string(b)
}

// Child returns the visible child named name, or nil.
func (n *Node) Child(name string) *Node { return n.children[name] }

// NumChildren counts the node's visible children.
func (n *Node) NumChildren() int { return len(n.children) }

// Children returns the node's visible children sorted by name (nil for a non-directory).
func (n *Node) Children() []*Node {
	if len(n.children) == 0 {
		return nil
	}
	out := make([]*Node, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// newDir makes an implied directory named name under parent.
func (fs *FS) newDir(parent *Node, name string) *Node {
	n := &Node{Layer: -1, name: name, parent: parent, children: map[string]*Node{}}
	fs.record(Created, n)
	return n
}

// Hidden is a shipped entry the final filesystem does not show.
type Hidden struct {
	Entry  *image.Entry
	Layer  int
	By     int          // the layer whose entry hid it
	Hider  *image.Entry // that entry: the overwriting entry, the whiteout or opaque marker, or the replacing entry
	Reason Reason
}

// FS is a merged filesystem.
type FS struct {
	Root   *Node
	Hidden []Hidden
	// Log is every step of the merge, in order, when MergeLogged made the FS (nil otherwise):
	// what a view needs to show the filesystem as of any layer.
	Log []Step

	logging bool
	layer   int // the layer being applied
}

// Op is what a merge step did to a node.
type Op uint8

// The steps of a merge.
const (
	Created Op = iota // the node became visible (an entry, or an implied directory)
	Removed           // the node stopped being visible (deleted, hidden by an opaque marker, replaced, overwritten)
	Updated           // a directory entry replaced the directory's attributes; its children stay
)

// Step is one change the merge made to a node, while applying Layer. Entry is the node's
// entry after the step (nil for an implied directory); a node's Entry field holds only
// its last one.
type Step struct {
	Node  *Node
	Layer int
	Op    Op
	Entry *image.Entry
}

func (fs *FS) record(op Op, n *Node) {
	if fs.logging {
		fs.Log = append(fs.Log, Step{Node: n, Layer: fs.layer, Op: op, Entry: n.Entry})
	}
}

// Merge applies the layers in order. Within a layer, whiteouts act on the lower layers only,
// wherever they sit in the layer; then entries apply in order, the last of duplicates
// winning. Missing parent directories of entries and of whiteout markers are implied. Merge is linear in the number of entries: each entry is added and hidden at most once.
func Merge(layers []*image.Layer) *FS { return merge(layers, false) }

// MergeLogged merges as Merge does and also records every step in FS.Log.
func MergeLogged(layers []*image.Layer) *FS { return merge(layers, true) }

func merge(layers []*image.Layer, logging bool) *FS {
	fs := &FS{Root: &Node{Layer: -1, children: map[string]*Node{}}, logging: logging}
	for li, l := range layers {
		fs.layer = li
		for i := range l.Entries {
			e := &l.Entries[i]
			switch e.Whiteout {
			case image.WhiteoutDelete:
				fs.delete(e, li)
			case image.WhiteoutOpaque:
				fs.opaque(e, li)
			}
		}
		for i := range l.Entries {
			if e := &l.Entries[i]; e.Whiteout == image.NotWhiteout {
				fs.add(e, li)
			}
		}
	}
	return fs
}

// split returns the components of a cleaned absolute path.
func split(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

// Lookup returns the visible node at p, or nil.
func (fs *FS) Lookup(p string) *Node {
	n := fs.Root
	for _, c := range split(p) {
		if n.children == nil {
			return nil
		}
		if n = n.children[c]; n == nil {
			return nil
		}
	}
	return n
}

// ImpliedMode is the mode Docker gives a directory no layer wrote.
const ImpliedMode = 0600

// implyDirs creates the missing directories down to p, as extraction does, and returns the
// node at p if it is a directory. A non-directory in the way stops it.
func (fs *FS) implyDirs(p string) *Node {
	n := fs.Root
	for _, c := range split(p) {
		child := n.children[c]
		if child == nil {
			child = fs.newDir(n, c)
			n.children[c] = child
		}
		if child.children == nil {
			return nil
		}
		n = child
	}
	return n
}

func (fs *FS) delete(w *image.Entry, by int) {
	p := w.Path
	if p == "/" {
		return
	}
	dir, name := path.Split(p)
	parent := fs.implyDirs(path.Clean(dir))
	if parent == nil {
		return
	}
	if n := parent.children[name]; n != nil {
		delete(parent.children, name)
		fs.hideTree(n, by, w, Deleted, Deleted)
	}
}

func (fs *FS) opaque(w *image.Entry, by int) {
	n := fs.implyDirs(w.Path)
	if n == nil {
		return
	}
	for name, c := range n.children {
		delete(n.children, name)
		fs.hideTree(c, by, w, Opaque, Opaque)
	}
}

// hideTree records n (for reason top) and its descendants (for reason below) as hidden by
// the entry hider of layer by.
func (fs *FS) hideTree(n *Node, by int, hider *image.Entry, top, below Reason) {
	if n.Entry != nil {
		fs.Hidden = append(fs.Hidden, Hidden{Entry: n.Entry, Layer: n.Layer, By: by, Hider: hider, Reason: top})
	}
	fs.record(Removed, n)
	for _, c := range n.children {
		fs.hideTree(c, by, hider, below, below)
	}
}

func (fs *FS) add(e *image.Entry, li int) {
	n := fs.Root
	if e.Path == "/" {
		if n.Entry != nil {
			fs.Hidden = append(fs.Hidden, Hidden{Entry: n.Entry, Layer: n.Layer, By: li, Hider: e, Reason: Overwritten})
		}
		n.Entry, n.Layer = e, li
		fs.record(Updated, n)
		return
	}
	parts := split(e.Path)
	for _, c := range parts[:len(parts)-1] {
		child := n.children[c]
		switch {
		case child == nil:
			child = fs.newDir(n, c)
			n.children[c] = child
		case child.children == nil:
			// A non-directory in the way becomes an implied directory.
			fs.hideTree(child, li, e, Replaced, Replaced)
			child = fs.newDir(n, c)
			n.children[c] = child
		}
		n = child
	}
	name := parts[len(parts)-1]
	old := n.children[name]
	if old != nil && old.children != nil && e.Type == image.TypeDir {
		// A directory over a directory updates its attributes; children stay.
		if old.Entry != nil {
			fs.Hidden = append(fs.Hidden, Hidden{Entry: old.Entry, Layer: old.Layer, By: li, Hider: e, Reason: Overwritten})
		}
		old.Entry, old.Layer = e, li
		fs.record(Updated, old)
		return
	}
	node := &Node{Entry: e, Layer: li, name: name, parent: n}
	if e.Type == image.TypeDir {
		node.children = map[string]*Node{}
	}
	if e.Type == image.TypeHardlink {
		// The link shares the target's inode as it is now; later changes to the target path
		// do not change it. Resolve before replacing old, which may be the target itself.
		if t := fs.Lookup(e.Link); t != nil && t.Entry != nil && t.children == nil {
			node.Target, node.TargetLayer = t.Entry, t.Layer
			if t.Target != nil {
				node.Target, node.TargetLayer = t.Target, t.TargetLayer
			} else if t.Entry.Type == image.TypeHardlink {
				node.Target = nil
			}
		}
	}
	if old != nil {
		top := Overwritten
		if old.Entry == nil || old.Entry.Type != e.Type {
			top = Replaced
		}
		fs.hideTree(old, li, e, top, Replaced)
	}
	n.children[name] = node
	fs.record(Created, node)
}

// Walk calls fn for every visible node but the root, with its path, in pre-order: a
// directory before its contents, siblings sorted by name (the order of ComparePaths).
func (fs *FS) Walk(fn func(path string, n *Node)) {
	var visit func(dir string, n *Node)
	visit = func(dir string, n *Node) {
		for _, c := range n.Children() {
			p := dir + c.name
			fn(p, c)
			if c.children != nil {
				visit(p+"/", c)
			}
		}
	}
	visit("/", fs.Root)
}

// ComparePaths orders cleaned absolute paths component by component, as Walk visits them:
// a directory's contents come right after it ("/a", "/a/b", "/a-c"). It returns -1, 0 or +1.
func ComparePaths(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] == b[i] {
			continue
		}
		switch {
		case a[i] == '/':
			return -1
		case b[i] == '/':
			return 1
		case a[i] < b[i]:
			return -1
		}
		return 1
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// Each calls fn for every visible node but the root, in no particular order (cheaper than Walk).
func (fs *FS) Each(fn func(n *Node)) {
	var visit func(n *Node)
	visit = func(n *Node) {
		for _, c := range n.children {
			fn(c)
			visit(c)
		}
	}
	visit(fs.Root)
}

// IsDir reports whether the node is a directory.
func (n *Node) IsDir() bool { return n.children != nil }
