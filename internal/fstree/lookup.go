package fstree

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// Lookup errors; a *LookupError wraps one of them.
var (
	ErrNotFound   = errors.New("no such file")
	ErrRemoved    = errors.New("removed") // the path existed below the layer and a layer up to it removed it
	ErrIsDir      = errors.New("is a directory")
	ErrNotRegular = errors.New("not a regular file")
	ErrNotDir     = errors.New("not a directory")
	ErrLinkLoop   = errors.New("too many levels of symbolic links")
)

// MaxSymlinks bounds the symbolic links Resolve follows, as Linux's ELOOP does.
const MaxSymlinks = 40

// LookupError says why a path does not name a visible file as of a layer.
type LookupError struct {
	Path  string // the path asked for
	Layer int    // as of this layer
	Err   error  // one of the Err* sentinels
	// RemovedBy is, for ErrRemoved, the layer that removed the path; LastLayer the last
	// layer that still showed it.
	RemovedBy, LastLayer int
	Type                 image.Type // for ErrNotRegular, the type found
}

func (e *LookupError) Error() string {
	switch e.Err {
	case ErrRemoved:
		return fmt.Sprintf("%s: removed by layer %d (--layer %d shows the version before)", e.Path, e.RemovedBy, e.LastLayer)
	case ErrNotRegular:
		return fmt.Sprintf("%s: not a regular file (%s)", e.Path, e.Type)
	}
	return fmt.Sprintf("%s: %v as of layer %d", e.Path, e.Err, e.Layer)
}

func (e *LookupError) Unwrap() error { return e.Err }

// Tree is a directory tree as Resolve walks it: the merged filesystem (FS), or a view of the
// filesystem as of one layer (the explorer's index). N names a node.
type Tree[N comparable] interface {
	Root() N
	// Parent is the directory holding n; the root's parent is the root.
	Parent(n N) N
	// Child is the visible child of dir named name.
	Child(dir N, name string) (N, bool)
	// Entry is what n shows: nil for a directory no layer wrote.
	Entry(n N) *image.Entry
	// Layer is the layer the tree shows the filesystem as of.
	Layer() int
	// RemovedBy says which layer last removed dir's child name, which is not visible now;
	// ok is false when no layer up to Layer ever showed it.
	RemovedBy(dir N, name string) (by int, ok bool)
}

// Resolve finds the node at p as a process in the container would: components from the
// root (a relative p is taken from the root too), "." skipped, ".." to the parent (stopping
// at the root), symbolic links in directories followed — an absolute target from the root,
// a relative one from the link's directory — and the last component followed too when
// follow is set, at most MaxSymlinks links in all. It returns the node, or a *LookupError:
// ErrNotDir when a component is not a directory, ErrLinkLoop, ErrRemoved when the last
// component, reached without following a link, was shown by an earlier layer, ErrNotFound.
// It is the one symlink-following lookup: cat, check and the explorer use it.
func Resolve[N comparable](t Tree[N], p string, follow bool) (N, error) {
	fail := func(err error) (N, error) {
		var none N
		return none, &LookupError{Path: p, Layer: t.Layer(), Err: err}
	}
	todo := components(p)
	cur, hops := t.Root(), 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case ".":
			continue
		case "..":
			cur = t.Parent(cur)
			continue
		}
		if e := t.Entry(cur); cur != t.Root() && e != nil && e.Type != image.TypeDir {
			return fail(ErrNotDir)
		}
		c, ok := t.Child(cur, name)
		if !ok {
			if hops == 0 && len(todo) == 0 {
				if by, ok := t.RemovedBy(cur, name); ok {
					var none N
					return none, &LookupError{Path: p, Layer: t.Layer(), Err: ErrRemoved, RemovedBy: by, LastLayer: by - 1}
				}
			}
			return fail(ErrNotFound)
		}
		if e := t.Entry(c); e != nil && e.Type == image.TypeSymlink && (len(todo) > 0 || follow) {
			if hops++; hops > MaxSymlinks {
				return fail(ErrLinkLoop)
			}
			target := e.Link()
			if strings.HasPrefix(target, "/") {
				cur = t.Root()
			}
			todo = append(components(target), todo...)
			continue
		}
		cur = c
	}
	return cur, nil
}

// components splits a path into its non-empty components.
func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// File is where a regular file's bytes are: the entry and the layer that stores it.
type File struct {
	Entry *image.Entry
	Layer int
}

// Content says where the bytes of a path showing e (from layer from) are: e itself for a
// regular file, its target (from targetLayer) for a hardlink. Other types, and a hardlink
// whose target is missing, are a *LookupError as of layer.
func Content(p string, layer int, e *image.Entry, from int, target *image.Entry, targetLayer int) (File, error) {
	t := image.TypeDir
	if e != nil {
		t = e.Type
	}
	switch {
	case t == image.TypeFile:
		return File{e, from}, nil
	case t == image.TypeHardlink && target != nil && target.Type == image.TypeFile:
		return File{target, targetLayer}, nil
	case t == image.TypeDir:
		return File{}, &LookupError{Path: p, Layer: layer, Err: ErrIsDir}
	case t == image.TypeHardlink:
		return File{}, &LookupError{Path: p, Layer: layer, Err: ErrNotFound}
	}
	return File{}, &LookupError{Path: p, Layer: layer, Err: ErrNotRegular, Type: t}
}

// Resolve is the package's Resolve on the merged filesystem, as of its last layer.
func (fs *FS) Resolve(p string, follow bool) (*Node, error) {
	return Resolve[*Node](fsTree{fs}, p, follow)
}

// Content says where the bytes of node n, found at p, are (see the package's Content).
func (fs *FS) Content(p string, n *Node) (File, error) {
	return Content(p, fs.layers-1, n.Entry, int(n.Layer), n.Target, int(n.TargetLayer))
}

// fsTree is the merged filesystem as a Tree.
type fsTree struct{ fs *FS }

func (t fsTree) Root() *Node { return t.fs.Root }

func (t fsTree) Parent(n *Node) *Node {
	if n.parent == nil {
		return n
	}
	return n.parent
}

func (t fsTree) Child(dir *Node, name string) (*Node, bool) {
	c := t.fs.Child(dir, name)
	return c, c != nil
}

func (t fsTree) Entry(n *Node) *image.Entry { return n.Entry }

func (t fsTree) Layer() int { return t.fs.layers - 1 }

// RemovedBy finds the last layer that hid an entry at or below dir/name: with the path not
// visible, that is the layer that last removed it (a deleted directory takes everything
// below it along). Entries hidden in the layer that added them were never visible between
// layers and do not count. Linear in the hidden entries: only asked when a lookup fails.
func (t fsTree) RemovedBy(dir *Node, name string) (int, bool) {
	p := path.Join(dir.Path(), name)
	by := -1
	for _, h := range t.fs.Hidden {
		if h.By > h.Layer && h.By > by && (h.Entry.Path == p || strings.HasPrefix(h.Entry.Path, p+"/")) {
			by = h.By
		}
	}
	return by, by >= 0
}
