package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

// The containers/image `dir:` layout (skopeo copy … dir:D, podman save --format docker-dir or
// oci-dir): manifest.json is one image manifest (Docker v2 schema 2 or OCI), or with --all an
// index whose instances are `<hex>.manifest.json`; every blob is a file named by its hex
// sha256; `version` says "Directory Transport Version: 1.1". Names are not recorded.
var dirLayout = layout{
	blob: func(h v1.Hash) (string, error) {
		if h.Algorithm != "sha256" || !isHex(h.Hex) {
			return "", fmt.Errorf("%w: invalid digest %q (a dir: layout names sha256 blobs by their hex)", ErrMalformed, h.String())
		}
		return h.Hex, nil
	},
	manifest: func(h v1.Hash) (string, error) {
		if h.Algorithm != "sha256" || !isHex(h.Hex) {
			return "", fmt.Errorf("%w: invalid digest %q", ErrMalformed, h.String())
		}
		return h.Hex + ".manifest.json", nil
	},
}

// isDirLayout reports whether manifest.json is a single JSON object (a dir: layout) rather
// than the JSON array of a docker save.
func isDirLayout(st store, lim Limits) (bool, error) {
	b, err := st.small("manifest.json", lim.MaxJSON)
	if err != nil {
		return false, memberErr("manifest.json", err)
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{', nil
}

// resolveDirLayout reads a containers/image dir: layout, as a directory or tarred.
func resolveDirLayout(st store, src image.Source, opts Options) (*image.Image, error) {
	var head struct {
		SchemaVersion int              `json:"schemaVersion"`
		MediaType     types.MediaType  `json:"mediaType"`
		Manifests     []v1.Descriptor  `json:"manifests"`
		Config        *v1.Descriptor   `json:"config"`
		FSLayers      []map[string]any `json:"fsLayers"`
	}
	raw, err := readJSON(st, "manifest.json", &head, opts.Limits)
	if err != nil {
		return nil, err
	}
	switch {
	case head.SchemaVersion == 1 || head.FSLayers != nil:
		return nil, memberErr("manifest.json", fmt.Errorf("%w: a Docker schema 1 manifest (deprecated, no config): convert it first, e.g. skopeo copy --format v2s2", ErrUnknownFormat))
	case head.MediaType == types.OCIImageIndex || head.MediaType == types.DockerManifestList || (head.MediaType == "" && head.Manifests != nil):
		var idx v1.IndexManifest
		if err := json.Unmarshal(raw, &idx); err != nil {
			return nil, memberErr("manifest.json", fmt.Errorf("%w: not a valid image index: %v", ErrMalformed, err))
		}
		w, err := walkIndex(st, src, dirLayout, "manifest.json", &idx, opts)
		if err != nil {
			return nil, err
		}
		if err := w.needSome("manifest.json", opts); err != nil {
			return nil, err
		}
		return w.pick(w.cands, opts)
	case head.Config == nil:
		return nil, memberErr("manifest.json", fmt.Errorf("%w: neither an image manifest (no config) nor an index", ErrMalformed))
	}
	d := v1.Descriptor{MediaType: head.MediaType, Size: int64(len(raw)), Digest: v1.Hash{Algorithm: "sha256", Hex: digestOf(raw)[len("sha256:"):]}}
	c, art, err := ociCandidate(st, src, dirLayout, "manifest.json", d, "", opts)
	if err != nil {
		return nil, err
	}
	if art != nil {
		return nil, memberErr("manifest.json", fmt.Errorf("%w: a %s", ErrNotImage, describe(art)))
	}
	if _, err := choose([]candidate{c}, opts); err != nil {
		return nil, err
	}
	return c.pick(nil)
}

// imageArchiveHead reports whether the tar header block head names a first member only
// image archives start with: `blobs/` (OCI layouts, Docker 25+, containerd), a v1 layer
// directory or blob named by a hex digest (legacy docker save, podman, skopeo), a
// `sha256:<hex>` config (kaniko), or one of the archives' documents. A root filesystem does
// not start so; if one did, only its diff_id would go uncomputed.
func imageArchiveHead(head []byte) bool {
	if len(head) < 512 || !isTarHeader(head) {
		return false
	}
	name := string(bytes.TrimRight(head[:100], "\x00"))
	if prefix := bytes.TrimRight(head[345:500], "\x00"); string(head[257:262]) == "ustar" && len(prefix) > 0 && head[156] != 'L' && head[156] != 'x' {
		name = string(prefix) + "/" + name
	}
	first, _, _ := strings.Cut(memberName(name), "/")
	switch {
	case first == "blobs", first == "manifest.json", first == "index.json", first == "oci-layout", first == "repositories":
		return true
	case strings.HasPrefix(first, "sha256:"):
		return true
	case len(first) >= 64 && isHex(first[:64]):
		return true
	}
	return false
}
