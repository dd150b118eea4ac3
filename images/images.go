// Package images lists the images an archive holds: what --image and --platform can pick.
package images

import (
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// Image is one image of an archive (one platform of a multi-platform index).
type Image struct {
	ID       string   `json:"id"`        // config digest, as docker image inspect Id
	Digest   string   `json:"digest"`    // manifest digest when the archive records one, else ""
	RepoTags []string `json:"repo_tags"` // [] when untagged
	Platform string   `json:"platform"`  // os/arch[/variant] as the image is selected (the index's descriptor, else the config); "" when nothing names one
	// ConfigPlatform is the config's os/arch[/variant] ("" when it names none); it differs
	// from Platform when the index lists the image as another platform than its config says.
	ConfigPlatform string     `json:"config_platform"`
	Created        image.Time `json:"created"`
	Layers         int        `json:"layers"`
	Size           int64      `json:"size"`     // sum of regular-file sizes over all layers, as inspect's size
	TarSize        int64      `json:"tar_size"` // bytes of the layer blobs as stored (shared blobs counted per image)
}

// Listed is one image an input holds, as the loader read it, and its platform; or one
// artifact an index lists beside images (Image nil).
type Listed struct {
	Image    *image.Image
	Platform string          // os/arch[/variant] as the index or config gives it; "" if unknown
	Artifact *image.Artifact // a signature, attestation, SBOM, chart…: not an image
}

// Report is what `strata images` prints: the images, and apart, what the archive's indexes
// list that is not an image.
type Report struct {
	Images    []Image          `json:"images"`
	Artifacts []image.Artifact `json:"artifacts"` // signatures, attestations, SBOMs, charts…, sorted by type, first tag and digest; [] when none
}

// Of summarises listed images, sorted by first tag (untagged last), platform and ID, and the
// artifacts beside them.
func Of(listed []Listed) Report {
	r := Report{Images: images(listed), Artifacts: []image.Artifact{}}
	for _, l := range listed {
		if l.Artifact != nil {
			r.Artifacts = append(r.Artifacts, *l.Artifact)
		}
	}
	sort.SliceStable(r.Artifacts, func(i, j int) bool {
		a, b := r.Artifacts[i], r.Artifacts[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if ta, tb := strings.Join(a.RepoTags, ","), strings.Join(b.RepoTags, ","); ta != tb {
			return ta < tb
		}
		return a.Digest < b.Digest
	})
	return r
}

func images(listed []Listed) []Image {
	out := make([]Image, 0, len(listed))
	for _, l := range listed {
		img := l.Image
		if img == nil {
			continue
		}
		r := Image{ID: img.ID, Digest: img.Digest, RepoTags: append([]string{}, img.RepoTags...), Platform: l.Platform, Layers: len(img.Layers)}
		if c := img.Config; c != nil {
			r.Created = image.Time{Time: c.Created.Time}
			if c.OS != "" {
				r.ConfigPlatform = strings.TrimSuffix(c.OS+"/"+c.Architecture+"/"+c.Variant, "/")
			}
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
