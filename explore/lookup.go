package explore

import (
	"errors"
	"fmt"

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

// MaxSymlinks bounds the symbolic links Lookup follows, as Linux's ELOOP does.
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

// Lookup finds the node at absolute path p as the image showed it after layer, following
// symbolic links in the directories on the way, and in the last component too when follow is
// set, within the image's root (".." stops at "/"), at most MaxSymlinks of them. It returns
// the node and its version, or a *LookupError.
func (x *Index) Lookup(p string, layer int, follow bool) (int, *Version, error) {
	fail := func(err error) (int, *Version, error) {
		return -1, nil, &LookupError{Path: p, Layer: layer, Err: err}
	}
	if layer < 0 || layer >= x.Layers {
		return fail(ErrNotFound)
	}
	todo := splitPath(p)
	cur, hops := 0, 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case ".":
			continue
		case "..":
			if cur != 0 {
				cur = int(x.Nodes[cur].Parent)
			}
			continue
		}
		if v := x.At(cur, layer); v != nil && v.Type() != image.TypeDir {
			return fail(ErrNotDir)
		}
		c := x.child(cur, name)
		if c < 0 {
			return fail(ErrNotFound)
		}
		v := x.At(c, layer)
		if v == nil {
			if hops == 0 && len(todo) == 0 {
				return x.removed(p, c, layer)
			}
			return fail(ErrNotFound)
		}
		if v.Type() == image.TypeSymlink && (len(todo) > 0 || follow) {
			if hops++; hops > MaxSymlinks {
				return fail(ErrLinkLoop)
			}
			target := v.Entry.Link()
			if len(target) > 0 && target[0] == '/' {
				cur = 0
			}
			todo = append(splitPath(target), todo...)
			continue
		}
		cur = c
	}
	return cur, x.At(cur, layer), nil
}

// removed explains why node c, which has versions, is not visible as of layer.
func (x *Index) removed(p string, c, layer int) (int, *Version, error) {
	var last *Version
	for _, v := range x.Versions(c) {
		if int(v.To) <= layer {
			vv := v
			last = &vv
		}
	}
	if last == nil {
		return -1, nil, &LookupError{Path: p, Layer: layer, Err: ErrNotFound}
	}
	return -1, nil, &LookupError{Path: p, Layer: layer, Err: ErrRemoved, RemovedBy: int(last.To), LastLayer: int(last.To) - 1}
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
type File struct {
	Entry *image.Entry
	Layer int
}

// Content returns where the bytes of the version v of a path are: the entry itself for a
// regular file, its target for a hardlink. Other types are a *LookupError.
func Content(p string, layer int, v *Version) (File, error) {
	switch t := v.Type(); {
	case t == image.TypeFile:
		return File{v.Entry, int(v.Layer)}, nil
	case t == image.TypeHardlink && v.Target != nil && v.Target.Type == image.TypeFile:
		return File{v.Target, int(v.TargetLayer)}, nil
	case t == image.TypeDir:
		return File{}, &LookupError{Path: p, Layer: layer, Err: ErrIsDir}
	case t == image.TypeHardlink:
		return File{}, &LookupError{Path: p, Layer: layer, Err: ErrNotFound}
	default:
		return File{}, &LookupError{Path: p, Layer: layer, Err: ErrNotRegular, Type: t}
	}
}
