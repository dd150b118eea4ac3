package history

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// TestOf: rows newest first; non-empty rows take the layers in order (as Docker maps
// them), empty-layer rows none; a layer no row names gets a row of its own; an unread
// layer's size is null, not 0. Expected rows worked out by hand.
func TestOf(t *testing.T) {
	at := v1.Time{Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	file := func(size int64) image.Entry { return image.Entry{Path: "/f", Type: image.TypeFile, Size: size} }
	img := &image.Image{
		Config: &v1.ConfigFile{History: []v1.History{
			{Created: at, CreatedBy: "ADD rootfs"},
			{Created: at, CreatedBy: "ENV A=1", EmptyLayer: true},
			{Created: at, CreatedBy: "RUN make", Comment: "built"},
		}},
		Layers: []*image.Layer{
			{Index: 0, DiffID: "sha256:aa", Entries: []image.Entry{file(3), file(4), {Path: "/d", Type: image.TypeDir}}},
			{Index: 1, DiffID: "sha256:bb", Unread: true},
			{Index: 2, DiffID: "sha256:cc", Entries: []image.Entry{file(7)}},
		},
	}
	b, err := json.Marshal(Of(img))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"created": nil, "created_by": "", "size": 7.0, "comment": "", "empty_layer": false, "layer": "sha256:cc", "layer_index": 2.0},
		{"created": "2024-01-02T03:04:05Z", "created_by": "RUN make", "size": nil, "comment": "built", "empty_layer": false, "layer": "sha256:bb", "layer_index": 1.0},
		{"created": "2024-01-02T03:04:05Z", "created_by": "ENV A=1", "size": 0.0, "comment": "", "empty_layer": true, "layer": nil, "layer_index": nil},
		{"created": "2024-01-02T03:04:05Z", "created_by": "ADD rootfs", "size": 7.0, "comment": "", "empty_layer": false, "layer": "sha256:aa", "layer_index": 0.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Of (-want +got):\n%s", diff)
	}
}

// TestOfRootfs: an image without a config (a root filesystem tarball) has one row per
// layer, with the layer's facts only.
func TestOfRootfs(t *testing.T) {
	rows := Of(&image.Image{Layers: []*image.Layer{{Index: 0, Entries: []image.Entry{{Path: "/x", Type: image.TypeFile, Size: 2}}}}})
	if len(rows) != 1 || rows[0].Size == nil || *rows[0].Size != 2 || rows[0].Layer != nil || rows[0].CreatedBy != "" {
		t.Errorf("rows = %+v", rows)
	}
}
