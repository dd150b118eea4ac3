package diff

import (
	"github.com/strata-dev/strata/internal/image"
)

// Layers compares two images' layer stacks.
type Layers struct {
	Shared    int        `json:"shared"` // layers in common from the base up (same diff_ids)
	OnlyOld   []LayerRef `json:"only_old"`
	OnlyNew   []LayerRef `json:"only_new"`
	OldSize   int64      `json:"old_size"`
	NewSize   int64      `json:"new_size"`
	SizeDelta int64      `json:"size_delta"`
}

// LayerRef names a layer and the history row that made it.
type LayerRef struct {
	Index     int    `json:"index"`
	DiffID    string `json:"diff_id"`
	Size      int64  `json:"size"`
	CreatedBy string `json:"created_by"`
}

// History compares two images' history rows, oldest first.
type History struct {
	Shared  int          `json:"shared"` // rows in common from the first
	OnlyOld []HistoryRow `json:"only_old"`
	OnlyNew []HistoryRow `json:"only_new"`
}

// HistoryRow is one history row.
type HistoryRow struct {
	Created    image.Time `json:"created"`
	CreatedBy  string     `json:"created_by"`
	EmptyLayer bool       `json:"empty_layer"`
}

func compareLayers(old, new *image.Image) *Layers {
	l := &Layers{}
	for l.Shared < len(old.Layers) && l.Shared < len(new.Layers) && old.Layers[l.Shared].DiffID == new.Layers[l.Shared].DiffID {
		l.Shared++
	}
	l.OnlyOld, l.OnlyNew = layerRefs(old, l.Shared), layerRefs(new, l.Shared)
	for _, x := range old.Layers {
		l.OldSize += x.Size()
	}
	for _, x := range new.Layers {
		l.NewSize += x.Size()
	}
	l.SizeDelta = l.NewSize - l.OldSize
	return l
}

func layerRefs(img *image.Image, from int) []LayerRef {
	out := []LayerRef{}
	for _, x := range img.Layers[from:] {
		out = append(out, LayerRef{Index: x.Index, DiffID: x.DiffID, Size: x.Size(), CreatedBy: x.CreatedBy()})
	}
	return out
}

func historyOf(img *image.Image) []HistoryRow {
	var out []HistoryRow
	if img.Config == nil {
		return out
	}
	for _, h := range img.Config.History {
		out = append(out, HistoryRow{Created: image.Time{Time: h.Created.Time}, CreatedBy: h.CreatedBy, EmptyLayer: h.EmptyLayer})
	}
	return out
}

func historyRows(img *image.Image, from int) []HistoryRow {
	rows := historyOf(img)
	if from > len(rows) {
		from = len(rows)
	}
	return append([]HistoryRow{}, rows[from:]...)
}

func compareHistory(old, new *image.Image, opts Options) *History {
	a, b := historyOf(old), historyOf(new)
	h := &History{}
	same := func(x, y HistoryRow) bool {
		return x.CreatedBy == y.CreatedBy && x.EmptyLayer == y.EmptyLayer && (opts.Semantic || x.Created.Equal(y.Created.Time))
	}
	for h.Shared < len(a) && h.Shared < len(b) && same(a[h.Shared], b[h.Shared]) {
		h.Shared++
	}
	h.OnlyOld, h.OnlyNew = historyRows(old, h.Shared), historyRows(new, h.Shared)
	return h
}
