package diff

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Flattened is what `docker export` loses of an image: its layers, history and config, and
// the bytes the image shipped that the export no longer carries.
type Flattened struct {
	Layers       []LayerRef    `json:"layers"`        // the image's layers, merged into one by export
	History      []HistoryRow  `json:"history"`       // the image's history rows, all lost
	Config       []ConfigValue `json:"config"`        // every non-empty config field, all lost
	ShippedBytes int64         `json:"shipped_bytes"` // regular-file bytes over all the image's layers
	ImageBytes   int64         `json:"image_bytes"`   // regular-file bytes visible in the image
	ExportBytes  int64         `json:"export_bytes"`  // regular-file bytes in the export
	// DroppedBytes are shipped bytes the export does not carry: versions hidden inside the
	// image (overwritten, deleted) and image files the container deleted or changed.
	DroppedBytes int64 `json:"dropped_bytes"`
	// ImportSize is the size `docker import` of the export reports (its regular-file bytes);
	// ImportDiffID the diff_id it gets (sha256 of the export tar), when it could be computed.
	ImportSize   int64    `json:"import_size"`
	ImportDiffID string   `json:"import_diff_id"` // "" when it could not be computed (a streamed export)
	Volumes      []Volume `json:"volumes"`
}

// ConfigValue is a config field and its value.
type ConfigValue struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// Volume explains a volume mountpoint of the image.
type Volume struct {
	Path string `json:"path"`
	Note string `json:"note"`
}

const volumeNote = "volume mountpoint: what the container wrote into the volume is not in the export"

// checkExportMatches warns when most of the image's files are deleted or changed in the
// export: a container can do that (rm -rf /usr), so it is not refused, but an export of
// another image altogether looks so too, and the comparison is then a wall of changes.
func checkExportMatches(o *side, w *walk, opts Options) []string {
	if opts.Force {
		return nil
	}
	files := 0
	o.fs.Each(func(n *fstree.Node) {
		if n.Entry != nil && n.Entry.Type != image.TypeDir {
			files++
		}
	})
	if files < 20 {
		return nil
	}
	touched := 0
	for i := range w.cands {
		c := &w.cands[i]
		if c.real() && c.kind() != 'A' && c.on.Entry != nil && c.on.Entry.Type != image.TypeDir {
			touched++
		}
		if c.subtree() && c.kind() == 'D' {
			c.on.Each(func(nd *fstree.Node) {
				if nd.Entry != nil && nd.Entry.Type != image.TypeDir {
					touched++
				}
			})
		}
	}
	if touched*2 > files {
		return []string{fmt.Sprintf("%d of the image's %d files are deleted or changed in the export: if it is not the export of a container of this image, the changes are meaningless", touched, files)}
	}
	return nil
}

func flatten(o, n *side, changes []Change) (*Flattened, error) {
	f := &Flattened{Layers: layerRefs(o.img, 0), History: historyRows(o.img, 0), Config: configValues(o.img), Volumes: []Volume{}}
	for _, l := range o.img.Layers {
		f.ShippedBytes += l.Size()
	}
	o.fs.Each(func(nd *fstree.Node) { f.ImageBytes += fileSize(o, nd) })
	n.fs.Each(func(nd *fstree.Node) {
		if nd.Entry != nil && nd.Entry.Type == image.TypeFile {
			f.ExportBytes += nd.Entry.Size
		}
	})
	f.DroppedBytes = f.ShippedBytes - f.ImageBytes
	for _, c := range changes {
		gone := c.Kind == "D" || (c.Kind == "C" && hasReason(c.Reasons, "content"))
		if gone && c.Old != nil && c.Old.Type == image.TypeFile {
			f.DroppedBytes += c.Old.Size
		}
	}
	f.ImportSize = f.ExportBytes
	if c := o.img.Config; c != nil {
		for _, v := range keys(c.Config.Volumes) {
			f.Volumes = append(f.Volumes, Volume{Path: v, Note: volumeNote})
		}
	}
	if l := n.img.Layers[0]; l.DiffID != "" {
		f.ImportDiffID = l.DiffID // the loader computed it: sha256 of the tar
	} else if l.Open != nil {
		rc, err := l.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			return nil, fmt.Errorf("reading %s: %w", n.img.Source.Path, err)
		}
		f.ImportDiffID = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	return f, nil
}

func hasReason(rs []string, r string) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
