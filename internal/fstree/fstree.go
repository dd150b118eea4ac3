// Package fstree merges an image's layers into its final filesystem with OCI whiteout
// semantics, keeping for each visible path the layer that provides it and for each
// shipped-but-invisible entry the layer that hid it.
package fstree

import (
	"path"
	"sort"
	"strings"
	"sync"

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
// not its full path: Path builds that on demand, and Walk hands it out as it descends. A
// directory's children are a list sorted by name once the merge is done (no map per
// directory): a node is 64 bytes, allocated in slabs.
type Node struct {
	// Entry is nil for a directory no layer wrote: the missing parent of an entry or of a
	// whiteout marker, which Docker creates on extraction, mode 0600, owned by root
	// (observed, Engine 20.10: moby's UnpackLayer uses MkdirAll(parent, 0600)).
	Entry *image.Entry
	// Target is the entry a hardlink's content comes from, fixed when the link was made, and
	// TargetLayer its layer; Target is nil for a link whose target did not exist.
	Target *image.Entry

	name   string
	parent *Node
	first  *Node // a directory's first child; while merging, in no order and with stale nodes
	next   *Node // the next sibling

	Layer       int32 // index of the providing layer; -1 for implied directories
	TargetLayer int32
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

// Child returns the visible child named name, or nil. It scans the sorted children: use
// FS.Child for a directory that may be large.
func (n *Node) Child(name string) *Node {
	for c := n.first; c != nil && c.name <= name; c = c.next {
		if c.name == name {
			return c
		}
	}
	return nil
}

// FirstChild is the node's first child by name; nil for none. With NextSibling it walks
// the children without building a slice.
func (n *Node) FirstChild() *Node { return n.first }

// NextSibling is the next child of the node's parent by name; nil after the last.
func (n *Node) NextSibling() *Node { return n.next }

// NumChildren counts the node's visible children.
func (n *Node) NumChildren() int {
	k := 0
	for c := n.first; c != nil; c = c.next {
		k++
	}
	return k
}

// Children returns the node's visible children sorted by name (nil for a non-directory or
// an empty directory).
func (n *Node) Children() []*Node {
	var out []*Node
	for c := n.first; c != nil; c = c.next {
		out = append(out, c)
	}
	return out
}

// IsDir reports whether the node is a directory.
func (n *Node) IsDir() bool {
	return n.parent == nil || n.Entry == nil || n.Entry.Type == image.TypeDir
}

// key names a node while merging: its parent and its name.
type key struct {
	parent *Node
	name   string
}

const slabSize = 1024

// node allocates a node under parent (nil for the root) and makes it the visible child
// named name.
func (fs *FS) node(parent *Node, name string, e *image.Entry, layer int32) *Node {
	if len(fs.slab) == cap(fs.slab) {
		fs.slab = make([]Node, 0, slabSize)
	}
	fs.slab = append(fs.slab, Node{Entry: e, Layer: layer, name: name, parent: parent})
	n := &fs.slab[len(fs.slab)-1]
	if parent != nil {
		n.next = parent.first
		parent.first = n
		fs.index[key{parent, name}] = n
	}
	return n
}

// child returns the visible child of n named name, while merging.
func (fs *FS) child(n *Node, name string) *Node { return fs.index[key{n, name}] }

// live reports whether a node on a child list is still visible, while merging: removing a
// node takes it out of the index only, and lists drop such stale nodes when walked.
func (fs *FS) live(c *Node) bool { return fs.index[key{c.parent, c.name}] == c }

// newDir makes an implied directory named name under parent.
func (fs *FS) newDir(parent *Node, name string) *Node {
	n := fs.node(parent, name, nil, -1)
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

	logging bool
	log     []Step            // the steps, while a logged merge runs
	layers  int               // how many layers were merged
	layer   int               // the layer being applied
	index   map[key]*Node     // every visible node, while merging
	mu      sync.Mutex        // guards large
	large   map[*Node][]*Node // sorted children of large directories, made on first lookup
	slab    []Node            // where nodes are allocated
	sortBuf []*Node           // reused while sorting children

	lastDir  string // the directory (path without its leading slash) of the last entry added
	lastNode *Node  // its node, nil once any node was hidden since
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
		fs.log = append(fs.log, Step{Node: n, Layer: fs.layer, Op: op, Entry: n.Entry})
	}
}

// Merge applies the layers in order. Within a layer, whiteouts act on the lower layers only,
// wherever they sit in the layer; then entries apply in order, the last of duplicates
// winning. Missing parent directories of entries and of whiteout markers are implied. Merge is linear in the number of entries: each entry is added and hidden at most once.
func Merge(layers []*image.Layer) *FS { return merge(layers, false) }

// Logged is a merge with its log: every step, in order — what a view needs to show the
// filesystem as of any layer. Only MergeLogged makes one, so a consumer that needs the log
// (explore.Of) says so in its signature.
type Logged struct {
	*FS
	Log []Step
}

// MergeLogged merges as Merge does and also records every step.
func MergeLogged(layers []*image.Layer) *Logged {
	fs := merge(layers, true)
	l := &Logged{FS: fs, Log: fs.log}
	fs.log, fs.logging = nil, false
	return l
}

func merge(layers []*image.Layer, logging bool) *FS {
	// The index is sized once for every entry: growing it, entry by entry, rehashed it
	// about twenty times (15% of inspect's CPU on a 70,000-file image).
	n := 0
	for _, l := range layers {
		n += len(l.Entries)
	}
	fs := &FS{logging: logging, layers: len(layers), index: make(map[key]*Node, n)}
	fs.Root = fs.node(nil, "", nil, -1)
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
	fs.sortChildren()
	fs.index, fs.sortBuf, fs.lastNode = nil, nil, nil
	return fs
}

// sortChildren drops the stale nodes from every visible directory's child list and sorts it
// by name. Each node is visited once; each list sorted once.
func (fs *FS) sortChildren() {
	stack := []*Node{fs.Root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		buf := fs.sortBuf[:0]
		for c := n.first; c != nil; c = c.next {
			if fs.live(c) {
				buf = append(buf, c)
			}
		}
		sort.Slice(buf, func(i, j int) bool { return buf[i].name < buf[j].name })
		n.first = nil
		for i := len(buf) - 1; i >= 0; i-- {
			buf[i].next = n.first
			n.first = buf[i]
			if buf[i].IsDir() {
				stack = append(stack, buf[i])
			}
		}
		clear(buf)
		fs.sortBuf = buf[:0]
	}
}

// split returns the components of a cleaned absolute path.
func split(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

// Lookup returns the visible node at p, or nil. Each step is FS.Child: logarithmic in the
// size of a large directory.
func (fs *FS) Lookup(p string) *Node {
	n := fs.Root
	for _, c := range split(p) {
		if !n.IsDir() {
			return nil
		}
		if n = fs.Child(n, c); n == nil {
			return nil
		}
	}
	return n
}

// smallDir is the most children FS.Child scans; a larger directory gets a sorted index the
// first time a child is looked up in it.
const smallDir = 32

// Child returns the visible child of n named name, or nil, in time logarithmic in n's
// children (Node.Child scans them). Safe for concurrent use once the merge is done.
func (fs *FS) Child(n *Node, name string) *Node {
	if fs.index != nil {
		return fs.child(n, name)
	}
	fs.mu.Lock()
	kids, ok := fs.large[n]
	fs.mu.Unlock()
	if !ok {
		k := 0
		for c := n.first; c != nil; c = c.next {
			if c.name == name {
				return c
			}
			if k++; k > smallDir {
				break
			}
		}
		if k <= smallDir {
			return nil
		}
		kids = n.Children()
		fs.mu.Lock()
		if fs.large == nil {
			fs.large = map[*Node][]*Node{}
		}
		fs.large[n] = kids
		fs.mu.Unlock()
	}
	i := sort.Search(len(kids), func(i int) bool { return kids[i].name >= name })
	if i < len(kids) && kids[i].name == name {
		return kids[i]
	}
	return nil
}

// ImpliedMode is the mode Docker gives a directory no layer wrote.
const ImpliedMode = 0600

// implyDirs creates the missing directories down to p, as extraction does, and returns the
// node at p if it is a directory. A non-directory in the way stops it.
func (fs *FS) implyDirs(p string) *Node {
	n := fs.Root
	for _, c := range split(p) {
		child := fs.child(n, c)
		if child == nil {
			child = fs.newDir(n, c)
		}
		if !child.IsDir() {
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
	if n := fs.child(parent, name); n != nil {
		fs.hideTree(n, by, w, Deleted, Deleted)
	}
}

func (fs *FS) opaque(w *image.Entry, by int) {
	n := fs.implyDirs(w.Path)
	if n == nil {
		return
	}
	for c := n.first; c != nil; c = c.next {
		if fs.live(c) {
			fs.hideTree(c, by, w, Opaque, Opaque)
		}
	}
	n.first = nil
}

// hideTree takes n and its descendants out of view, recording n (for reason top) and its
// descendants (for reason below) as hidden by the entry hider of layer by.
func (fs *FS) hideTree(n *Node, by int, hider *image.Entry, top, below Reason) {
	fs.lastNode = nil
	if n.Entry != nil {
		fs.Hidden = append(fs.Hidden, Hidden{Entry: n.Entry, Layer: int(n.Layer), By: by, Hider: hider, Reason: top})
	}
	fs.record(Removed, n)
	for c := n.first; c != nil; c = c.next {
		if fs.live(c) {
			fs.hideTree(c, by, hider, below, below)
		}
	}
	delete(fs.index, key{n.parent, n.name})
}

func (fs *FS) add(e *image.Entry, li int) {
	n := fs.Root
	if e.Path == "/" {
		if n.Entry != nil {
			fs.Hidden = append(fs.Hidden, Hidden{Entry: n.Entry, Layer: int(n.Layer), By: li, Hider: e, Reason: Overwritten})
		}
		n.Entry, n.Layer = e, int32(li)
		fs.record(Updated, n)
		return
	}
	rest := e.Path[1:]
	// Entries of a layer come directory by directory: the parent of the last entry added is
	// usually this one's, found again without a lookup per component (until a node is
	// hidden, which forgets it).
	dir := rest[:max(strings.LastIndexByte(rest, '/'), 0)]
	if dir != "" && fs.lastNode != nil && fs.lastDir == dir {
		n, rest = fs.lastNode, rest[len(dir)+1:]
	}
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		c := rest[:i]
		rest = rest[i+1:]
		child := fs.child(n, c)
		switch {
		case child == nil:
			child = fs.newDir(n, c)
		case !child.IsDir():
			// A non-directory in the way becomes an implied directory.
			fs.hideTree(child, li, e, Replaced, Replaced)
			child = fs.newDir(n, c)
		}
		n = child
	}
	if dir != "" {
		fs.lastDir, fs.lastNode = dir, n
	}
	name := rest
	old := fs.child(n, name)
	if old != nil && old.IsDir() && e.Type == image.TypeDir {
		// A directory over a directory updates its attributes; children stay.
		if old.Entry != nil {
			fs.Hidden = append(fs.Hidden, Hidden{Entry: old.Entry, Layer: int(old.Layer), By: li, Hider: e, Reason: Overwritten})
		}
		old.Entry, old.Layer = e, int32(li)
		fs.record(Updated, old)
		return
	}
	var target *image.Entry
	targetLayer := int32(0)
	if e.Type == image.TypeHardlink {
		// The link shares the target's inode as it is now; later changes to the target path
		// do not change it. Resolve before replacing old, which may be the target itself.
		if t := fs.Lookup(e.Link()); t != nil && t.Entry != nil && !t.IsDir() {
			target, targetLayer = t.Entry, t.Layer
			if t.Target != nil {
				target, targetLayer = t.Target, t.TargetLayer
			} else if t.Entry.Type == image.TypeHardlink {
				target = nil
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
	node := fs.node(n, name, e, int32(li))
	node.Target, node.TargetLayer = target, targetLayer
	fs.record(Created, node)
}

// Walk calls fn for every visible node but the root, with its path, in pre-order: a
// directory before its contents, siblings sorted by name (the order of ComparePaths).
func (fs *FS) Walk(fn func(path string, n *Node)) {
	var visit func(dir string, n *Node)
	visit = func(dir string, n *Node) {
		for c := n.first; c != nil; c = c.next {
			p := dir + c.name
			fn(p, c)
			if c.first != nil {
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

// Each calls fn for every node below n, in no particular order.
func (n *Node) Each(fn func(n *Node)) {
	for c := n.first; c != nil; c = c.next {
		fn(c)
		c.Each(fn)
	}
}

// Each calls fn for every visible node but the root, in no particular order (cheaper than Walk).
func (fs *FS) Each(fn func(n *Node)) {
	var visit func(n *Node)
	visit = func(n *Node) {
		for c := n.first; c != nil; c = c.next {
			fn(c)
			visit(c)
		}
	}
	visit(fs.Root)
}
