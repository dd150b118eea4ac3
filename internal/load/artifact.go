package load

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

// ErrNotImage means what the selection names is in the input but is not a container image
// (a signature, an SBOM, a Helm chart, a ref name on a blob).
var ErrNotImage = errors.New("not a container image")

// Artifact is what an index lists beside images that is not one (the model's
// image.Artifact).
type Artifact = image.Artifact

// describe names the artifact for messages: its type and media type.
func describe(a *Artifact) string {
	return fmt.Sprintf("%s (media type %s)", a.Type, a.MediaType)
}

// Known media types of images and artifacts.
const (
	mediaEmpty          = "application/vnd.oci.empty.v1+json"
	mediaHelmConfig     = "application/vnd.cncf.helm.config.v1+json"
	mediaCosignPayload  = "application/vnd.dev.cosign.simplesigning.v1+json"
	mediaDSSE           = "application/vnd.dsse.envelope.v1+json"
	annotationRefDigest = "vnd.docker.reference.digest"
)

// isLayerType reports whether a media type is a filesystem layer (OCI, Docker, foreign);
// "" is taken for one (old writers leave it out).
func isLayerType(mt types.MediaType) bool {
	s := string(mt)
	return s == "" || strings.HasPrefix(s, "application/vnd.oci.image.layer.") ||
		strings.HasPrefix(s, "application/vnd.docker.image.rootfs.")
}

// classifyManifest returns the artifact manifest m (descriptor d) is, or nil when it is a container
// image: an image config and filesystem layers, and no artifactType.
func classifyManifest(m *v1.Manifest, d v1.Descriptor) *Artifact {
	cfgType := m.Config.MediaType
	image := m.ArtifactType == "" && (cfgType == types.OCIConfigJSON || cfgType == types.DockerConfigJSON || cfgType == "")
	for _, l := range m.Layers {
		image = image && isLayerType(l.MediaType)
	}
	if image {
		return nil
	}
	a := &Artifact{Digest: d.Digest.String(), MediaType: m.ArtifactType, RepoTags: []string{}}
	if a.MediaType == "" && cfgType != types.OCIConfigJSON && cfgType != types.DockerConfigJSON && cfgType != mediaEmpty {
		a.MediaType = string(cfgType)
	}
	var layerTypes []string
	for _, l := range m.Layers {
		layerTypes = append(layerTypes, string(l.MediaType))
		a.Size += l.Size
	}
	a.Size += m.Config.Size
	if a.MediaType == "" && len(layerTypes) > 0 {
		a.MediaType = layerTypes[0]
	}
	if a.MediaType == "" {
		a.MediaType = string(cfgType)
	}
	a.Type = artifactType(a.MediaType, layerTypes)
	if m.Subject != nil {
		a.Subject = m.Subject.Digest.String()
	}
	if d.Platform != nil && d.Platform.OS != "" && d.Platform.OS != "unknown" {
		a.Platform = platformString(d.Platform)
	}
	return a
}

// artifactType names the kind of artifact from its media types.
func artifactType(mt string, layers []string) string {
	has := func(t string) bool {
		for _, l := range layers {
			if l == t {
				return true
			}
		}
		return false
	}
	l := strings.ToLower(mt)
	switch {
	case has(mediaCosignPayload):
		return "cosign signature"
	case strings.HasPrefix(l, "application/vnd.dev.sigstore.bundle"):
		return "signature (sigstore bundle)"
	case l == mediaHelmConfig:
		return "Helm chart"
	case strings.Contains(l, "spdx"):
		return "SBOM (SPDX)"
	case strings.Contains(l, "cyclonedx"):
		return "SBOM (CycloneDX)"
	case strings.Contains(l, "syft"):
		return "SBOM (syft)"
	case strings.Contains(l, "in-toto") || has(mediaDSSE):
		return "attestation (in-toto)"
	case strings.Contains(l, "notary") || strings.Contains(l, "signature"):
		return "signature"
	}
	return "artifact"
}

// buildkitAttestation is BuildKit's attestation manifest (platform unknown/unknown, named by
// vnd.docker.reference.type): its subject is in its descriptor's annotations, and its media
// type that of its layers, when the manifest is in the archive (m non-nil).
func buildkitAttestation(d v1.Descriptor, m *v1.Manifest) *Artifact {
	a := &Artifact{
		Type: "attestation (in-toto, BuildKit)", MediaType: string(d.MediaType), Digest: d.Digest.String(),
		RepoTags: []string{}, Subject: d.Annotations[annotationRefDigest], Size: d.Size,
	}
	if m != nil {
		if c := classifyManifest(m, d); c != nil {
			a.MediaType, a.Size = c.MediaType, c.Size
		}
	}
	return a
}

// blobRef is a ref name set on a descriptor that names a blob, not a manifest or index.
func blobRef(d v1.Descriptor, ref string) *Artifact {
	a := &Artifact{Type: "blob (not a manifest)", MediaType: string(d.MediaType), Digest: d.Digest.String(), RepoTags: []string{}, Size: d.Size}
	if ref != "" {
		a.RepoTags = append(a.RepoTags, ref)
	}
	return a
}

// cosignSubject is the image a cosign tag (sha256-<hex>.sig, .att, .sbom) refers to.
func cosignSubject(tag string) string {
	_, t, ok := strings.Cut(tag, ":")
	if !ok {
		t = tag
	}
	for _, suffix := range []string{".sig", ".att", ".sbom"} {
		if h, ok := strings.CutSuffix(t, suffix); ok && strings.HasPrefix(h, "sha256-") && len(h) == len("sha256-")+64 && isHex(h[7:]) {
			return "sha256:" + h[7:]
		}
	}
	return ""
}

// finishArtifact fills what is known once every name is merged: a cosign tag's subject.
func finishArtifact(a *Artifact) {
	sort.Strings(a.RepoTags)
	if a.Subject == "" {
		for _, t := range a.RepoTags {
			if s := cosignSubject(t); s != "" {
				a.Subject = s
				break
			}
		}
	}
}

// artifactMatches reports whether want (an --image value) names the artifact: one of its ref names,
// or a prefix of its digest.
func artifactMatches(a *Artifact, want string) bool {
	return matchRef(want, a.RepoTags, a.Digest)
}

// notImage explains that --image names an artifact, not an image, or returns nil.
func notImage(arts []*Artifact, cands []candidate, opts Options) error {
	if opts.Image == "" {
		return nil
	}
	for _, a := range arts {
		if artifactMatches(a, opts.Image) {
			var list []string
			for _, c := range cands {
				list = append(list, c.String())
			}
			sort.Strings(list)
			h := "the archive's images: " + strings.Join(list, "; ")
			if len(list) == 0 {
				h = "the archive holds no container image"
			}
			return &hinted{err: fmt.Errorf("%w: %s is a %s", ErrNotImage, opts.Image, describe(a)), hint: h}
		}
	}
	return nil
}
