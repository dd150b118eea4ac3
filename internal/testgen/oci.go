package testgen

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotation keys used in index.json files.
const (
	AnnotationImageName = "io.containerd.image.name"          // full reference, e.g. docker.io/library/app:1
	AnnotationRefName   = "org.opencontainers.image.ref.name" // OCI ref name
	AnnotationRefType   = "vnd.docker.reference.type"         // "attestation-manifest"
	AnnotationRefDigest = "vnd.docker.reference.digest"       // digest of the manifest an attestation describes
)

// OCIStyle selects how an OCI layout names its images in index.json.
type OCIStyle int

const (
	// OCIStyleContainerd: one descriptor per tag with io.containerd.image.name = full reference
	// and org.opencontainers.image.ref.name = the tag alone (containerd, buildx, Docker).
	OCIStyleContainerd OCIStyle = iota
	// OCIStyleSkopeo: one descriptor per tag with only org.opencontainers.image.ref.name = the
	// tag as given in Image.Tags (e.g. "app:1"), as skopeo/podman write for oci-archive:x:app:1.
	OCIStyleSkopeo
)

// ociLayout is the content of an OCI image layout.
type ociLayout struct {
	blobs map[string]*blob
	index v1.IndexManifest
	mtime time.Time
}

func (s *session) ociLayout(style OCIStyle, imgs []Image) (*ociLayout, error) {
	lay := &ociLayout{blobs: map[string]*blob{}, mtime: unixZero}
	lay.index = v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	for i := range imgs {
		img := &imgs[i]
		b, err := s.build(img, func(l *Layer) (string, error) { return layerComp(l.Compression, Gzip) })
		if err != nil {
			return nil, err
		}
		for _, lb := range b.layers {
			lay.blobs[lb.Digest.Hex] = lb
		}
		lay.blobs[b.config.Digest.Hex] = b.config
		mb, _, err := b.manifest(false, false)
		if err != nil {
			return nil, err
		}
		lay.blobs[mb.Digest.Hex] = mb
		p := img.Platform()
		desc := v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, Platform: &p}
		if len(img.Tags) == 0 {
			lay.index.Manifests = append(lay.index.Manifests, desc)
		}
		for _, t := range img.Tags {
			d := desc
			if style == OCIStyleSkopeo {
				d.Annotations = map[string]string{AnnotationRefName: t}
			} else {
				r := parseRef(t)
				d.Annotations = map[string]string{AnnotationImageName: r.String(), AnnotationRefName: r.Tag}
			}
			lay.index.Manifests = append(lay.index.Manifests, d)
		}
	}
	return lay, nil
}

// WriteOCILayout writes an OCI image layout of imgs into dir (created if needed): oci-layout,
// index.json (containerd style names) and blobs/sha256/*, layers gzip unless a Layer says
// otherwise.
func WriteOCILayout(dir string, imgs ...Image) error {
	return WriteOCILayoutStyle(dir, OCIStyleContainerd, imgs...)
}

// WriteOCILayoutStyle is WriteOCILayout with a choice of index.json naming.
func WriteOCILayoutStyle(dir string, style OCIStyle, imgs ...Image) error {
	s := newSession()
	defer s.close()
	lay, err := s.ociLayout(style, imgs)
	if err != nil {
		return err
	}
	bdir := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return err
	}
	for hex, b := range lay.blobs {
		if err := writeFile(filepath.Join(bdir, hex), b.reader()); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(lay.index)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ij, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

func writeFile(name string, r io.Reader) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteOCIArchive writes an oci-archive (a tar of an OCI image layout, as skopeo and podman
// write it: directory entries, blobs sorted, then index.json and oci-layout) of imgs; layers
// gzip unless a Layer says otherwise; index.json names images skopeo style ("app:1").
func WriteOCIArchive(w io.Writer, imgs ...Image) error {
	return WriteOCIArchiveStyle(w, OCIStyleSkopeo, imgs...)
}

// WriteOCIArchiveStyle is WriteOCIArchive with a choice of index.json naming.
func WriteOCIArchiveStyle(w io.Writer, style OCIStyle, imgs ...Image) error {
	s := newSession()
	defer s.close()
	lay, err := s.ociLayout(style, imgs)
	if err != nil {
		return err
	}
	o := newOuter(w, false)
	if err := o.dir("blobs/", 0o755, lay.mtime); err != nil {
		return err
	}
	if err := o.dir("blobs/sha256/", 0o755, lay.mtime); err != nil {
		return err
	}
	for _, hex := range sortedKeys(lay.blobs) {
		if err := o.blob("blobs/sha256/"+hex, 0o644, lay.mtime, lay.blobs[hex]); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(lay.index)
	if err != nil {
		return err
	}
	if err := o.bytes("index.json", 0o644, lay.mtime, ij); err != nil {
		return err
	}
	if err := o.bytes("oci-layout", 0o644, lay.mtime, []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	return o.close()
}

// Index is one image of the containerd image store: a multi-platform index (or, with NoIndex
// and a single image, a plain manifest) named by Tags.
type Index struct {
	Tags   []string // e.g. "app:1"; written as docker.io/library/app:1 and tag "1"
	Images []Image  // one per platform, first = the one manifest.json describes; their Tags are ignored
	// Attestations adds, per present image, a BuildKit-style attestation manifest (platform
	// unknown/unknown, vnd.docker.reference.type=attestation-manifest) with an in-toto layer.
	Attestations bool
	// Absent lists platforms named by the index whose manifests are not in the archive at all
	// (the containerd exporter's skip-missing behaviour).
	Absent []v1.Platform
	// AbsentBlobs lists platforms whose manifest is in the archive but whose config and layers
	// are not (skip-missing when only children are missing).
	AbsentBlobs []v1.Platform
	// NoIndex makes the target a plain image manifest (only with one image, no attestations and
	// nothing absent).
	NoIndex bool
	// DockerMediaTypes writes Docker schema 2 manifests and layer media types instead of OCI.
	DockerMediaTypes bool
}

// Platform returns p (shorthand for Index.Absent).
func Platform(os, arch, variant string) v1.Platform {
	return v1.Platform{OS: os, Architecture: arch, Variant: variant}
}

// WriteContainerdArchive writes a `docker save` archive from the containerd image store (the
// default on fresh Docker Engine 29): blobs as stored (each layer gzip or zstd per
// Layer.Compression, gzip by default) under blobs/sha256/, then index.json (one descriptor per
// tag pointing at the image's index, with io.containerd.image.name and
// org.opencontainers.image.ref.name, no mediaType at the top), manifest.json (Config, RepoTags,
// Layers of each index's first image) and oci-layout, sorted by name like containerd's exporter
// (blobs 0444, mtime 0).
func WriteContainerdArchive(w io.Writer, idxs ...Index) error {
	s := newSession()
	defer s.close()
	blobs := map[string]*blob{}
	index := v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{}}
	var manifest []*dockerManifestItem
	for xi := range idxs {
		x := &idxs[xi]
		if len(x.Images) == 0 {
			return fmt.Errorf("testgen: containerd index %d has no images", xi)
		}
		var descs []v1.Descriptor
		var attests []v1.Descriptor
		var first *built
		for ii := range x.Images {
			img := &x.Images[ii]
			b, err := s.build(img, func(l *Layer) (string, error) { return layerComp(l.Compression, Gzip) })
			if err != nil {
				return err
			}
			for _, lb := range b.layers {
				blobs[lb.Digest.Hex] = lb
			}
			blobs[b.config.Digest.Hex] = b.config
			mb, _, err := b.manifest(x.DockerMediaTypes, false)
			if err != nil {
				return err
			}
			blobs[mb.Digest.Hex] = mb
			p := img.Platform()
			descs = append(descs, v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, Platform: &p})
			if ii == 0 {
				first = b
			}
			if x.Attestations {
				ab, err := attestation(img, mb.Digest, blobs)
				if err != nil {
					return err
				}
				attests = append(attests, v1.Descriptor{
					MediaType: ab.MediaType, Size: ab.Size, Digest: ab.Digest,
					Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
					Annotations: map[string]string{AnnotationRefDigest: mb.Digest.String(), AnnotationRefType: "attestation-manifest"},
				})
			}
		}
		for _, p := range x.Absent {
			mb := absentManifest(p, x.DockerMediaTypes)
			pp := p
			descs = append(descs, v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, Platform: &pp})
		}
		for _, p := range x.AbsentBlobs {
			mb := absentManifest(p, x.DockerMediaTypes)
			blobs[mb.Digest.Hex] = mb
			pp := p
			descs = append(descs, v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, Platform: &pp})
		}
		descs = append(descs, attests...)
		var target v1.Descriptor
		if x.NoIndex {
			if len(descs) != 1 {
				return fmt.Errorf("testgen: containerd index %d: NoIndex needs exactly one image and nothing else", xi)
			}
			target = descs[0]
			target.Platform = nil
		} else {
			mt := types.OCIImageIndex
			if x.DockerMediaTypes {
				mt = types.DockerManifestList
			}
			im := v1.IndexManifest{SchemaVersion: 2, MediaType: mt, Manifests: descs}
			raw, err := json.Marshal(im)
			if err != nil {
				return err
			}
			ib := jsonBlob(mt, raw)
			blobs[ib.Digest.Hex] = ib
			target = v1.Descriptor{MediaType: ib.MediaType, Size: ib.Size, Digest: ib.Digest}
		}
		item := &dockerManifestItem{Config: "blobs/sha256/" + first.config.Digest.Hex}
		for _, lb := range first.layers {
			item.Layers = append(item.Layers, "blobs/sha256/"+lb.Digest.Hex)
		}
		for _, t := range x.Tags {
			r := parseRef(t)
			d := target
			d.Annotations = map[string]string{AnnotationImageName: r.String(), AnnotationRefName: r.Tag}
			index.Manifests = append(index.Manifests, d)
			item.RepoTags = appendUnique(item.RepoTags, r.Familiar())
		}
		if len(x.Tags) == 0 {
			index.Manifests = append(index.Manifests, target)
		}
		manifest = append(manifest, item)
	}
	o := newOuter(w, false)
	if err := o.dir("blobs/", 0o755, unixZero); err != nil {
		return err
	}
	if err := o.dir("blobs/sha256/", 0o755, unixZero); err != nil {
		return err
	}
	for _, hex := range sortedKeys(blobs) {
		if err := o.blob("blobs/sha256/"+hex, 0o444, unixZero, blobs[hex]); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(index)
	if err != nil {
		return err
	}
	if err := o.bytes("index.json", 0o644, unixZero, ij); err != nil {
		return err
	}
	mj, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := o.bytes("manifest.json", 0o644, unixZero, mj); err != nil {
		return err
	}
	if err := o.bytes("oci-layout", 0o444, unixZero, []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	return o.close()
}

// attestation builds a BuildKit-style provenance attestation manifest for the image whose
// manifest digest is subject, adding its blobs to blobs.
func attestation(img *Image, subject v1.Hash, blobs map[string]*blob) (*blob, error) {
	p := img.Platform()
	plat := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		plat += "/" + p.Variant
	}
	stmt := map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"subject": []any{map[string]any{
			"name":   "pkg:docker/testgen@latest?platform=" + plat,
			"digest": map[string]string{"sha256": subject.Hex},
		}},
		"predicate": map[string]any{
			"builder":   map[string]string{"id": ""},
			"buildType": "https://mobyproject.org/buildkit@v1",
			"metadata":  map[string]any{"buildStartedOn": img.created().UTC().Format(time.RFC3339)},
		},
	}
	sraw, err := json.Marshal(stmt)
	if err != nil {
		return nil, err
	}
	lb := jsonBlob("application/vnd.in-toto+json", sraw)
	cfg := v1.ConfigFile{Architecture: "unknown", OS: "unknown", RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{lb.Digest}}}
	craw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cb := jsonBlob(types.OCIConfigJSON, craw)
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: cb.MediaType, Size: cb.Size, Digest: cb.Digest},
		Layers: []v1.Descriptor{{
			MediaType: lb.MediaType, Size: lb.Size, Digest: lb.Digest,
			Annotations: map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
		}},
	}
	mraw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	mb := jsonBlob(m.MediaType, mraw)
	blobs[lb.Digest.Hex] = lb
	blobs[cb.Digest.Hex] = cb
	blobs[mb.Digest.Hex] = mb
	return mb, nil
}

// absentManifest is a manifest for platform p whose config and layer are not in the archive.
func absentManifest(p v1.Platform, docker bool) *blob {
	tag := p.OS + "/" + p.Architecture + "/" + p.Variant
	cfg := sha([]byte("testgen absent config " + tag))
	layer := sha([]byte("testgen absent layer " + tag))
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: 1234, Digest: cfg},
		Layers: []v1.Descriptor{{MediaType: types.OCILayer, Size: 4321, Digest: layer}},
	}
	if docker {
		m.MediaType = types.DockerManifestSchema2
		m.Config.MediaType = types.DockerConfigJSON
		m.Layers[0].MediaType = types.DockerLayer
	}
	raw, _ := json.Marshal(m)
	return jsonBlob(m.MediaType, raw)
}

// WriteRootfs writes entries as a flat tarball (like `docker export`).
func WriteRootfs(w io.Writer, entries []Entry) error {
	return WriteLayerTar(w, entries)
}
