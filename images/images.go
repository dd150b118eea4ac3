// Package images lists the images an archive holds: what --image and --platform can pick.
package images

import (
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// Image is one image of an archive (one platform of a multi-platform index).
type Image struct {
	ID       string     `json:"id"`        // config digest, as docker image inspect Id
	Digest   string     `json:"digest"`    // manifest digest when the archive records one, else ""
	RepoTags []string   `json:"repo_tags"` // [] when untagged
	Platform string     `json:"platform"`  // os/arch[/variant], "" when the image names none
	Created  image.Time `json:"created"`
	Layers   int        `json:"layers"`
	Size     int64      `json:"size"`     // sum of regular-file sizes over all layers, as inspect's size
	TarSize  int64      `json:"tar_size"` // bytes of the layer blobs as stored (shared blobs counted per image)
}

// Listed is one image an input holds, as the loader read it, and its platform.
type Listed struct {
	Image    *image.Image
	Platform string // os/arch[/variant] as the index or config gives it; "" if unknown
}

// Of summarises listed images, sorted by first tag (untagged last), platform and ID.
func Of(listed []Listed) []Image {
	out := make([]Image, 0, len(listed))
	for _, l := range listed {
		img := l.Image
		r := Image{ID: img.ID, Digest: img.Digest, RepoTags: append([]string{}, img.RepoTags...), Platform: l.Platform, Layers: len(img.Layers)}
		if img.Config != nil {
			r.Created = image.Time{Time: img.Config.Created.Time}
		}
		for _, ly := range img.Layers {
			r.Size += ly.Size()
			r.TarSize += ly.TarSize
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (len(a.RepoTags) == 0) != (len(b.RepoTags) == 0) {
			return len(a.RepoTags) > 0
		}
		if ta, tb := strings.Join(a.RepoTags, ","), strings.Join(b.RepoTags, ","); ta != tb {
			return ta < tb
		}
		if a.Platform != b.Platform {
			return a.Platform < b.Platform
		}
		return a.ID < b.ID
	})
	return out
}
