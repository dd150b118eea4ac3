// Package files lists the files of an image: the merged filesystem, or one layer's raw entries.
package files

import (
	"sort"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// File is one entry of a listing.
type File struct {
	Path     string     `json:"path"`
	Type     image.Type `json:"type"`
	Size     int64      `json:"size"`
	Mode     string     `json:"mode"`
	UID      int        `json:"uid"`
	GID      int        `json:"gid"`
	Link     string     `json:"link"`
	Layer    int        `json:"layer"`    // the layer providing this version
	Digest   string     `json:"digest"`   // with --hash: "<alg>:<hex>" of the content (a hardlink's target's); "" otherwise
	Whiteout string     `json:"whiteout"` // raw layer listings: "delete" or "opaque"; "" otherwise
	Escapes  bool       `json:"escapes"`  // the raw name climbed out of the root with ".."

	// inode is the regular-file entry whose content (and inode) a merged listing's file or
	// hardlink shows; nil otherwise. Tree counts each inode once by it.
	inode *image.Entry
}

// Merged lists the visible files of the merged filesystem, sorted by path component by
// component (fstree.ComparePaths: a directory's contents follow it). Directories no
// layer wrote (implied parents) are listed as Docker creates them: mode 0600, layer -1. With a
// digest algorithm, regular files and hardlinks get their content's digest. A hardlink's size
// is its target's, the size a container sees (a layer listing keeps the entry's own, 0).
func Merged(img *image.Image, fs *fstree.FS, alg string) ([]File, error) {
	// Sized once: appending a million Files to a growing slice allocates five times the
	// list in copies, which decides a large listing's peak memory.
	count := 0
	fs.Each(func(*fstree.Node) { count++ })
	out := make([]File, 0, count)
	var refs []content.Ref
	var targets []*image.Entry // the entry whose content each listed file has, or nil
	if alg != "" {
		targets = make([]*image.Entry, 0, count)
	}
	fs.Walk(func(p string, n *fstree.Node) {
		if n.Entry == nil {
			out = append(out, File{Path: p, Type: image.TypeDir, Mode: image.Mode(fstree.ImpliedMode), Layer: -1})
			if alg != "" {
				targets = append(targets, nil)
			}
			return
		}
		out = append(out, fromEntry(n.Entry, int(n.Layer)))
		t, tl := n.Entry, n.Layer
		if n.Entry.Type == image.TypeHardlink {
			t, tl = n.Target, n.TargetLayer
		}
		if t == nil || t.Type != image.TypeFile {
			t = nil
		} else if n.Entry.Type == image.TypeHardlink {
			// A hardlink is its target's inode: a container sees the target's bytes.
			out[len(out)-1].Size = t.Size
		}
		out[len(out)-1].inode = t
		if t != nil && alg != "" {
			refs = append(refs, content.Ref{Layer: img.Layers[tl], Entry: t})
		}
		if alg != "" {
			targets = append(targets, t)
		}
	})
	if alg == "" {
		return out, nil
	}
	sums, err := content.Digests(refs, alg)
	if err != nil {
		return nil, err
	}
	for i, t := range targets {
		if t != nil {
			out[i].Digest = sums[t]
		}
	}
	return out, nil
}

// Layer lists one layer's entries as stored, whiteouts included, sorted by path (as Merged); of
// duplicate paths the last (the one that counts) comes last.
func Layer(l *image.Layer, alg string) ([]File, error) {
	out := make([]File, 0, len(l.Entries))
	var refs []content.Ref
	for i := range l.Entries {
		e := &l.Entries[i]
		f := fromEntry(e, l.Index)
		switch e.Whiteout {
		case image.WhiteoutDelete:
			f.Whiteout = "delete"
		case image.WhiteoutOpaque:
			f.Whiteout = "opaque"
		}
		if alg != "" && e.Whiteout == image.NotWhiteout && e.Type == image.TypeFile {
			refs = append(refs, content.Ref{Layer: l, Entry: e})
		}
		out = append(out, f)
	}
	if alg != "" {
		sums, err := content.Digests(refs, alg)
		if err != nil {
			return nil, err
		}
		for i := range l.Entries {
			out[i].Digest = sums[&l.Entries[i]]
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return fstree.ComparePaths(out[i].Path, out[j].Path) < 0 })
	return out, nil
}

func fromEntry(e *image.Entry, layer int) File {
	return File{
		Path: e.Path, Type: e.Type, Size: e.Size, Mode: image.Mode(e.Mode),
		UID: e.UID, GID: e.GID, Link: e.Link(), Layer: layer, Escapes: e.Escapes,
	}
}
