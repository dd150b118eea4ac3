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

// Node is a visible path of the merged filesystem.
type Node struct {
	Path string
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
	children map[string]*Node
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
}

// Merge applies the layers in order. Within a layer, whiteouts act on the lower layers only,
// wherever they sit in the layer; then entries apply in order, the last of duplicates
// winning. Missing parent directories of entries and of whiteout markers are implied. Merge is linear in the number of entries: each entry is added and hidden at most once.
func Merge(layers []*image.Layer) *FS {
	fs := &FS{Root: &Node{Path: "/", Layer: -1, children: map[string]*Node{}}}
	for li, l := range layers {
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
			child = &Node{Path: join(n.Path, c), Layer: -1, name: c, children: map[string]*Node{}}
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
		return
	}
	parts := split(e.Path)
	for _, c := range parts[:len(parts)-1] {
		child := n.children[c]
		switch {
		case child == nil:
			child = &Node{Path: join(n.Path, c), Layer: -1, name: c, children: map[string]*Node{}}
			n.children[c] = child
		case child.children == nil:
			// A non-directory in the way becomes an implied directory.
			fs.hideTree(child, li, e, Replaced, Replaced)
			child = &Node{Path: child.Path, Layer: -1, name: c, children: map[string]*Node{}}
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
		return
	}
	node := &Node{Path: e.Path, Entry: e, Layer: li, name: name}
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
}

func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// Walk calls fn for every visible node but the root, in lexical order of path.
func (fs *FS) Walk(fn func(n *Node)) {
	var nodes []*Node
	var collect func(n *Node)
	collect = func(n *Node) {
		for _, c := range n.children {
			nodes = append(nodes, c)
			collect(c)
		}
	}
	collect(fs.Root)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Path < nodes[j].Path })
	for _, n := range nodes {
		fn(n)
	}
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
