package images

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// TestOf: one row per listed image, sorted by first tag (untagged last), then platform and
// ID; sizes as inspect's (regular files of every layer) and the blobs as stored.
func TestOf(t *testing.T) {
	at := v1.Time{Time: time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)}
	layer := func(size, tar int64) *image.Layer {
		return &image.Layer{TarSize: tar, Entries: []image.Entry{{Path: "/f", Type: image.TypeFile, Size: size}, {Path: "/d", Type: image.TypeDir}}}
	}
	listed := []Listed{
		{Image: &image.Image{ID: "sha256:cc", Layers: []*image.Layer{layer(1, 10)}}, Platform: "linux/amd64"},
		{Image: &image.Image{ID: "sha256:bb", RepoTags: []string{"app:1"}, Config: &v1.ConfigFile{Created: at}, Layers: []*image.Layer{layer(5, 20), layer(2, 30)}}, Platform: "linux/arm64"},
		{Image: &image.Image{ID: "sha256:aa", RepoTags: []string{"app:1"}, Digest: "sha256:dd", Layers: []*image.Layer{layer(3, 40)}}, Platform: "linux/amd64"},
	}
	got := Of(listed)
	want := Report{Artifacts: []image.Artifact{}, Images: []Image{
		{ID: "sha256:aa", Digest: "sha256:dd", RepoTags: []string{"app:1"}, Platform: "linux/amd64", Layers: 1, Size: 3, TarSize: 40},
		{ID: "sha256:bb", RepoTags: []string{"app:1"}, Platform: "linux/arm64", Created: image.Time{Time: at.Time}, Layers: 2, Size: 7, TarSize: 50},
		{ID: "sha256:cc", RepoTags: []string{}, Platform: "linux/amd64", Layers: 1, Size: 1, TarSize: 10},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Of (-want +got):\n%s", diff)
	}
}
