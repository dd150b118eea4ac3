package load

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// LayerSources in a docker save's manifest.json records where docker load got a layer from
// (a foreign layer's registry blob, gzip'd, with URLs), not the blob the archive stores (the
// uncompressed layer.tar): the layer reads, its digest is the stored blob's, and --verify
// passes (as ggcr's test_bundle.tar shows docker writing it).
func TestLayerSourcesDescribeTheSource(t *testing.T) {
	b := edit(t, func(m *rawMember) bool {
		if m.hdr.Name != "manifest.json" {
			return true
		}
		var items []map[string]any
		if err := json.Unmarshal(m.data, &items); err != nil {
			t.Fatal(err)
		}
		cfg := members(t, archiveBytes(t, goodImage()))
		var diffIDs []string
		for _, c := range cfg {
			if c.hdr.Name == items[0]["Config"] {
				var doc struct {
					RootFS struct {
						DiffIDs []string `json:"diff_ids"`
					} `json:"rootfs"`
				}
				json.Unmarshal(c.data, &doc)
				diffIDs = doc.RootFS.DiffIDs
			}
		}
		items[0]["LayerSources"] = map[string]any{diffIDs[0]: map[string]any{
			"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 165,
			"digest": "sha256:321460fa87fd42433950b42d04b7aff249f4ed960d43404a9f699886906cc9d3",
			"urls":   []string{"https://example.invalid/base.tar.gz"},
		}}
		m.data, _ = json.Marshal(items)
		m.hdr.Size = int64(len(m.data))
		return true
	})
	file := filepath.Join(t.TempDir(), "in.tar")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verify := range []bool{false, true} {
		for _, arg := range []string{file, Stdin} {
			img, err := Open(context.Background(), arg, bytes.NewReader(b), Options{Verify: verify})
			if err != nil {
				t.Fatalf("verify %v, %s: %v", verify, arg, err)
			}
			l := img.Layers[0]
			if l.Digest != l.DiffID || len(l.URLs) != 1 || len(img.Warnings) != 0 {
				t.Errorf("verify %v, %s: digest %s (diff_id %s), urls %v, warnings %q", verify, arg, l.Digest, l.DiffID, l.URLs, img.Warnings)
			}
			img.Close()
		}
	}
}
