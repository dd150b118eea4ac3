package inspect_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
)

// TestWastedAndHiddenAgree: a shipped version that is both wasted and hidden has one
// reason in both lists (kitchen.tar's layer 7 chmods a file: metadata-only in both), with
// and without --expand, on every fixture with hidden files.
func TestWastedAndHiddenAgree(t *testing.T) {
	type key struct {
		path  string
		layer int
	}
	for _, name := range []string{"docker/kitchen.tar", "docker/small2.tar", "docker/hardlinks/hardlinks.tar.gz", "synth/whiteouts.tar", "tools/opaque.docker.tar"} {
		img, err := load.Open(context.Background(), filepath.Join("..", "testdata", name), nil, load.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := inspect.Of(img, fstree.Merge(img.Layers), inspect.Options{Expand: true})
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
		hidden := map[key]string{}
		for _, h := range r.Hidden {
			hidden[key{h.Path, h.Layer}] = string(h.Reason)
		}
		want, got := map[key]string{}, map[key]string{}
		for _, w := range r.Wasted {
			got[key{w.Path, w.Layer}] = string(w.Reason)
			want[key{w.Path, w.Layer}] = hidden[key{w.Path, w.Layer}]
		}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(key{})); d != "" {
			t.Errorf("%s: reasons (-hidden +wasted):\n%s", name, d)
		}
		if name == "docker/kitchen.tar" && got[key{"/opt/app/big.bin", 3}] != string(inspect.MetadataOnly) {
			t.Errorf("kitchen: /opt/app/big.bin of layer 3 is %q, want metadata-only (layer 7 chmods it)", got[key{"/opt/app/big.bin", 3}])
		}
	}
}
