package explore

import (
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Lookup errors: fstree's, the one lookup's. A *LookupError wraps one of them.
var (
	ErrNotFound   = fstree.ErrNotFound
	ErrRemoved    = fstree.ErrRemoved
	ErrIsDir      = fstree.ErrIsDir
	ErrNotRegular = fstree.ErrNotRegular
	ErrNotDir     = fstree.ErrNotDir
	ErrLinkLoop   = fstree.ErrLinkLoop
)

// MaxSymlinks bounds the symbolic links Lookup follows, as Linux's ELOOP does.
const MaxSymlinks = fstree.MaxSymlinks

// LookupError says why a path does not name a visible file as of a layer.
type LookupError = fstree.LookupError

// Lookup finds the node at absolute path p as the image showed it after layer, with
// fstree.Resolve (symbolic links in directories followed, and in the last component when
// follow is set; ".." stops at "/"). It returns the node and its version, or a *LookupError.
func (x *Index) Lookup(p string, layer int, follow bool) (int, *Version, error) {
	if layer < 0 || layer >= x.Layers {
		return -1, nil, &LookupError{Path: p, Layer: layer, Err: ErrNotFound}
	}
	i, err := fstree.Resolve[int](asOf{x, layer}, p, follow)
	if err != nil {
		return -1, nil, err
	}
	return i, x.At(i, layer), nil
}

// asOf is the index as of one layer, as fstree.Resolve walks it.
type asOf struct {
	x     *Index
	layer int
}

func (a asOf) Root() int { return 0 }

func (a asOf) Parent(i int) int { return max(int(a.x.Nodes[i].Parent), 0) }

func (a asOf) Child(dir int, name string) (int, bool) {
	c := a.x.child(dir, name)
	return c, c >= 0 && a.x.At(c, a.layer) != nil
}

func (a asOf) Entry(i int) *image.Entry {
	if v := a.x.At(i, a.layer); v != nil {
		return v.Entry
	}
	return nil
}

func (a asOf) Layer() int { return a.layer }

// RemovedBy is the end of the last version of dir's child name that ended by the layer.
func (a asOf) RemovedBy(dir int, name string) (int, bool) {
	c := a.x.child(dir, name)
	if c < 0 {
		return 0, false
	}
	by := -1
	for _, v := range a.x.Versions(c) {
		if int(v.To) <= a.layer {
			by = int(v.To)
		}
	}
	return by, by >= 0
}

// child returns the child of node i named name, or -1.
func (x *Index) child(i int, name string) int {
	for c := i + 1; c < int(x.Nodes[i].End); c = int(x.Nodes[c].End) {
		if x.Nodes[c].Name == name {
			return c
		}
	}
	return -1
}

// File is where a regular file's bytes are: the entry and the layer that stores it.
type File = fstree.File

// Content returns where the bytes of the version v of a path are: the entry itself for a
// regular file, its target for a hardlink. Other types are a *LookupError.
func Content(p string, layer int, v *Version) (File, error) {
	return fstree.Content(p, layer, v.Entry, int(v.Layer), v.Target, int(v.TargetLayer))
}
