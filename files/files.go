// Package files lists the files of an image: the merged filesystem, or one layer's raw entries.
package files

import (
	"sort"

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
	Layer    int        `json:"layer"`              // the layer providing this version
	Whiteout string     `json:"whiteout,omitempty"` // raw layer listings: "delete" or "opaque"
	Escapes  bool       `json:"escapes,omitempty"`  // the raw name climbed out of the root with ".."
}

// Merged lists the visible files of the merged filesystem, sorted by path. Directories no
// layer wrote (implied parents) are listed as dirs with mode 0755 and layer -1.
func Merged(fs *fstree.FS) []File {
	var out []File
	fs.Walk(func(n *fstree.Node) {
		if n.Entry == nil {
			out = append(out, File{Path: n.Path, Type: image.TypeDir, Mode: "0755", Layer: -1})
			return
		}
		out = append(out, fromEntry(n.Entry, n.Layer))
	})
	return out
}

// Layer lists one layer's entries as stored, whiteouts included, sorted by path; of
// duplicate paths the last (the one that counts) comes last.
func Layer(l *image.Layer) []File {
	out := make([]File, 0, len(l.Entries))
	for i := range l.Entries {
		f := fromEntry(&l.Entries[i], l.Index)
		switch l.Entries[i].Whiteout {
		case image.WhiteoutDelete:
			f.Whiteout = "delete"
		case image.WhiteoutOpaque:
			f.Whiteout = "opaque"
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func fromEntry(e *image.Entry, layer int) File {
	return File{
		Path: e.Path, Type: e.Type, Size: e.Size, Mode: image.Mode(e.Mode),
		UID: e.UID, GID: e.GID, Link: e.Link, Layer: layer, Escapes: e.Escapes,
	}
}
