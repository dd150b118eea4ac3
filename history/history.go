// Package history reproduces `docker history` from an image's config and layers.
package history

import (
	"github.com/strata-dev/strata/internal/image"
)

// Row is one history row, as `docker history --no-trunc --human=false` shows it.
type Row struct {
	Created   image.Time `json:"created"`
	CreatedBy string     `json:"created_by"`
	// Size is the layer's regular-file bytes; 0 for empty-layer rows; nil (JSON null) when the
	// layer was not read (a registry image's history without --sizes or a cached index).
	Size       *int64  `json:"size"`
	Comment    string  `json:"comment"`
	EmptyLayer bool    `json:"empty_layer"`
	Layer      *string `json:"layer"`       // diff_id of the layer the row made, or null
	LayerIndex *int    `json:"layer_index"` // its index from the base, or null
}

// Of returns the image's history, newest first. Non-empty rows take the layers in order, as
// Docker maps them; layers that no history row names (a rootfs tarball, a config with
// short history) get a row of their own with only the layer's facts.
func Of(img *image.Image) []Row {
	var rows []Row
	next := 0
	if img.Config != nil {
		for _, h := range img.Config.History {
			var zero int64
			r := Row{Size: &zero, Created: image.Time{Time: h.Created.Time}, CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer}
			if !h.EmptyLayer && next < len(img.Layers) {
				setLayer(&r, img.Layers[next])
				next++
			}
			rows = append(rows, r)
		}
	}
	for ; next < len(img.Layers); next++ {
		var r Row
		if h := img.Layers[next].History; h != nil { // a container's own layers say what they are
			r.CreatedBy, r.Comment = h.CreatedBy, h.Comment
		}
		setLayer(&r, img.Layers[next])
		rows = append(rows, r)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

func setLayer(r *Row, l *image.Layer) {
	r.Size = nil // unknown, unless the layer was read
	if !l.Unread {
		n := l.Size()
		r.Size = &n
	}
	idx := l.Index
	r.LayerIndex = &idx
	if l.DiffID != "" {
		d := l.DiffID
		r.Layer = &d
	}
}
