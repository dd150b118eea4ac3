package testgen

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of artifacts that share OCI layouts with images.
const (
	MediaTypeEmpty            = "application/vnd.oci.empty.v1+json"                            // OCI 1.1's empty config: the two bytes {}
	MediaTypeCosignSimpleSign = "application/vnd.dev.cosign.simplesigning.v1+json"             // cosign's signature payload layer
	MediaTypeHelmConfig       = "application/vnd.cncf.helm.config.v1+json"                     // Helm chart config (helm.sh/helm/v3/pkg/registry)
	MediaTypeHelmChart        = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"          // Helm chart content layer
	MediaTypeSPDX             = "application/spdx+json"                                        // an SPDX SBOM
	MediaTypeInToto           = "application/vnd.in-toto+json"                                 // an in-toto attestation
	MediaTypeNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" // a foreign layer (OCI)
)

// layoutBuilder collects the blobs and index of an OCI image layout.
type layoutBuilder struct {
	s     *session
	blobs map[string]*blob
	index v1.IndexManifest
	drop  map[string]bool // blobs referenced but not written (absent)
}

func newLayoutBuilder() *layoutBuilder {
	return &layoutBuilder{
		s: newSession(), blobs: map[string]*blob{}, drop: map[string]bool{},
		index: v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}},
	}
}

func (lb *layoutBuilder) close() { lb.s.close() }

// add records a blob of the layout.
func (lb *layoutBuilder) add(b *blob) *blob {
	lb.blobs[b.Digest.Hex] = b
	return b
}

// image adds img's layers (compression comp unless a Layer says otherwise), config and OCI
// manifest, and returns the manifest's descriptor (platform set) and the built image. edit,
// when set, changes the manifest before it is marshalled.
func (lb *layoutBuilder) image(img Image, comp string, edit func(*v1.Manifest)) (v1.Descriptor, *built, error) {
	b, err := lb.s.build(&img, func(l *Layer) (string, error) { return layerComp(l.Compression, comp) })
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	for _, l := range b.layers {
		lb.add(l)
	}
	lb.add(b.config)
	_, m, err := b.manifest(false, false)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	if edit != nil {
		edit(m)
	}
	mb, err := lb.manifestBlob(m)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	p := img.Platform()
	return v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, Platform: &p}, b, nil
}

// manifestBlob marshals m (an image manifest, or an OCI 1.1 artifact manifest with
// artifactType and subject) and adds it.
func (lb *layoutBuilder) manifestBlob(m any) (*blob, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return lb.add(jsonBlob(types.OCIManifestSchema1, raw)), nil
}

// artifact adds an OCI 1.1 artifact manifest: its config (an empty one when cfgType is the
// empty media type), one layer of layerType holding payload, and subject when set.
func (lb *layoutBuilder) artifact(artifactType, cfgType string, cfg []byte, layerType string, payload []byte, subject *v1.Descriptor, ann map[string]string) (v1.Descriptor, error) {
	cb := lb.add(jsonBlob(types.MediaType(cfgType), cfg))
	pb := lb.add(jsonBlob(types.MediaType(layerType), payload))
	m := ociManifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType,
		Config:      v1.Descriptor{MediaType: cb.MediaType, Size: cb.Size, Digest: cb.Digest},
		Layers:      []v1.Descriptor{{MediaType: pb.MediaType, Size: pb.Size, Digest: pb.Digest, Annotations: ann}},
		Subject:     subject,
		Annotations: map[string]string{"org.opencontainers.image.created": "2024-02-01T00:00:00Z"},
	}
	mb, err := lb.manifestBlob(m)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mb.MediaType, Size: mb.Size, Digest: mb.Digest, ArtifactType: artifactType}, nil
}

// ociManifest is an OCI image manifest with the 1.1 fields, in the spec's key order.
type ociManifest struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        v1.Descriptor     `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Subject       *v1.Descriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// ref adds d to index.json, named ref (org.opencontainers.image.ref.name) when ref is set.
func (lb *layoutBuilder) ref(d v1.Descriptor, ref string) {
	if ref != "" {
		d.Annotations = map[string]string{AnnotationRefName: ref}
	}
	lb.index.Manifests = append(lb.index.Manifests, d)
}

// writeArchive writes the layout as an oci-archive: blobs sorted, index.json, oci-layout.
func (lb *layoutBuilder) writeArchive(w io.Writer) error {
	o := newOuter(w, false)
	if err := o.dir("blobs/", 0o755, unixZero); err != nil {
		return err
	}
	if err := o.dir("blobs/sha256/", 0o755, unixZero); err != nil {
		return err
	}
	for _, hex := range sortedKeys(lb.blobs) {
		if lb.drop[hex] {
			continue
		}
		if err := o.blob("blobs/sha256/"+hex, 0o644, unixZero, lb.blobs[hex]); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(lb.index)
	if err != nil {
		return err
	}
	if err := o.bytes("index.json", 0o644, unixZero, ij); err != nil {
		return err
	}
	if err := o.bytes("oci-layout", 0o644, unixZero, []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	return o.close()
}

// writeDir writes the layout as a directory.
func (lb *layoutBuilder) writeDir(dir string) error {
	bdir := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return err
	}
	for hex, b := range lb.blobs {
		if lb.drop[hex] {
			continue
		}
		if err := writeFile(filepath.Join(bdir, hex), b.reader()); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(lb.index)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ij, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// WriteArtifacts writes an oci-archive holding an image (app:1, the small amd64 image) and
// what registries keep beside images: a cosign signature (tag sha256-<digest>.sig: an image
// config, one simplesigning layer), an SPDX SBOM and an in-toto attestation as OCI 1.1
// referrers (artifactType, the empty config, subject = the image), a Helm chart (Helm's
// config and chart media types, tag mychart:0.1.0), and a ref name on a layer blob's
// descriptor (stray:1), which names no manifest.
func WriteArtifacts(w io.Writer) error {
	lb := newLayoutBuilder()
	defer lb.close()
	app, b, err := lb.image(Small("amd64"), Gzip, nil)
	if err != nil {
		return err
	}
	lb.ref(app, "app:1")
	subject := &v1.Descriptor{MediaType: app.MediaType, Size: app.Size, Digest: app.Digest}

	// cosign sign: the simplesigning payload names the image digest; the config is an image
	// config whose one diff_id is the payload's digest (cosign's static layer).
	payload := []byte(fmt.Sprintf(`{"critical":{"identity":{"docker-reference":"example.invalid/app"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}`, app.Digest))
	pb := lb.add(jsonBlob(MediaTypeCosignSimpleSign, payload))
	cfg := v1.ConfigFile{RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{pb.Digest}}, History: []v1.History{{Created: v1.Time{}}}, Created: v1.Time{}}
	craw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cb := lb.add(jsonBlob(types.OCIConfigJSON, craw))
	sig, err := lb.manifestBlob(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: cb.MediaType, Size: cb.Size, Digest: cb.Digest},
		Layers: []v1.Descriptor{{MediaType: pb.MediaType, Size: pb.Size, Digest: pb.Digest, Annotations: map[string]string{
			"dev.cosignproject.cosign/signature": "MEUCIQDexampleexampleexampleexampleexampleexampleAiBexampleexampleexample=",
		}}},
	})
	if err != nil {
		return err
	}
	lb.ref(v1.Descriptor{MediaType: sig.MediaType, Size: sig.Size, Digest: sig.Digest}, "sha256-"+app.Digest.Hex+".sig")

	empty := []byte("{}")
	sbom := []byte(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"app","packages":[]}`)
	d, err := lb.artifact(MediaTypeSPDX, MediaTypeEmpty, empty, MediaTypeSPDX, sbom, subject, nil)
	if err != nil {
		return err
	}
	lb.ref(d, "")
	stmt := []byte(fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`, app.Digest.Hex))
	if d, err = lb.artifact(MediaTypeInToto, MediaTypeEmpty, empty, MediaTypeInToto, stmt, subject, nil); err != nil {
		return err
	}
	lb.ref(d, "")

	chart, err := helmChart()
	if err != nil {
		return err
	}
	hc := []byte(`{"name":"mychart","version":"0.1.0","description":"A Helm chart","apiVersion":"v2","appVersion":"1.0","type":"application"}`)
	cfgB := lb.add(jsonBlob(MediaTypeHelmConfig, hc))
	chB := lb.add(jsonBlob(MediaTypeHelmChart, chart))
	hm, err := lb.manifestBlob(ociManifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config:      v1.Descriptor{MediaType: cfgB.MediaType, Size: cfgB.Size, Digest: cfgB.Digest},
		Layers:      []v1.Descriptor{{MediaType: chB.MediaType, Size: chB.Size, Digest: chB.Digest}},
		Annotations: map[string]string{"org.opencontainers.image.title": "mychart", "org.opencontainers.image.version": "0.1.0"},
	})
	if err != nil {
		return err
	}
	lb.ref(v1.Descriptor{MediaType: hm.MediaType, Size: hm.Size, Digest: hm.Digest}, "mychart:0.1.0")

	top := b.layers[len(b.layers)-1]
	lb.ref(v1.Descriptor{MediaType: types.OCILayer, Size: top.Size, Digest: top.Digest}, "stray:1")
	return lb.writeArchive(w)
}

// helmChart is a gzip'd tar of a minimal chart, as `helm package` lays it out.
func helmChart() ([]byte, error) {
	var b bytes.Buffer
	mt := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	entries := []Entry{
		{Name: "mychart/Chart.yaml", Content: []byte("apiVersion: v2\nname: mychart\nversion: 0.1.0\nappVersion: \"1.0\"\n"), ModTime: mt, Mode: 0o644},
		{Name: "mychart/values.yaml", Content: []byte("replicaCount: 1\n"), ModTime: mt, Mode: 0o644},
		{Name: "mychart/templates/deployment.yaml", Content: []byte("kind: Deployment\n"), ModTime: mt, Mode: 0o644},
	}
	if _, err := WriteLayer(&b, entries, Gzip); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WritePlatformMismatch writes an oci-archive whose index.json names (app:1) a
// multi-platform index listing the small arm64 image's manifest as linux/amd64 (its config
// says linux/arm64/v8) and the small arm image as linux/arm/v7 (agreeing).
func WritePlatformMismatch(w io.Writer) error {
	lb := newLayoutBuilder()
	defer lb.close()
	arm64 := Small("arm64")
	arm64.Variant = "v8"
	d1, _, err := lb.image(arm64, Gzip, nil)
	if err != nil {
		return err
	}
	d1.Platform = &v1.Platform{OS: "linux", Architecture: "amd64"}
	arm := Small("arm")
	arm.Variant = "v7"
	d2, _, err := lb.image(arm, Gzip, nil)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{d1, d2}})
	if err != nil {
		return err
	}
	ib := lb.add(jsonBlob(types.OCIImageIndex, raw))
	lb.ref(v1.Descriptor{MediaType: ib.MediaType, Size: ib.Size, Digest: ib.Digest}, "app:1")
	return lb.writeArchive(w)
}

// WriteSameName writes an oci-archive with two manifests of the small amd64 image (the same
// config, so the same image ID; layers gzip in one, zstd in the other) both named app:1 for
// linux/amd64: only their manifest digests tell them apart.
func WriteSameName(w io.Writer) error {
	lb := newLayoutBuilder()
	defer lb.close()
	for _, comp := range []string{Gzip, Zstd} {
		d, _, err := lb.image(Small("amd64"), comp, nil)
		if err != nil {
			return err
		}
		lb.ref(d, "app:1")
	}
	return lb.writeArchive(w)
}

// ForeignSource is the small amd64 image as an OCI layout (tag app:1) whose middle layer is a
// foreign (non-distributable) layer with a URL, its blob present: what skopeo copies from.
func ForeignSource(dir string) error {
	lb := newLayoutBuilder()
	defer lb.close()
	d, _, err := lb.image(Small("amd64"), Gzip, func(m *v1.Manifest) {
		m.Layers[1].MediaType = MediaTypeNondistributable
		m.Layers[1].URLs = []string{"https://example.invalid/strata/layer1.tar.gz"}
	})
	if err != nil {
		return err
	}
	lb.ref(d, "app:1")
	return lb.writeDir(dir)
}

// WriteNotGzip writes an oci-archive of the small amd64 image whose layers are stored as
// plain tars while the manifest declares them tar+gzip.
func WriteNotGzip(w io.Writer) error {
	lb := newLayoutBuilder()
	defer lb.close()
	d, _, err := lb.image(Small("amd64"), None, func(m *v1.Manifest) {
		for i := range m.Layers {
			m.Layers[i].MediaType = types.OCILayer
		}
	})
	if err != nil {
		return err
	}
	lb.ref(d, "app:1")
	return lb.writeArchive(w)
}

// rewriteMember copies the tar archive in to w, passing the content of the member named name
// through edit.
func rewriteMember(w io.Writer, in []byte, name string, edit func([]byte) ([]byte, error)) error {
	tr := tar.NewReader(bytes.NewReader(in))
	tw := tar.NewWriter(w)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if h.Name == name {
			found = true
			if data, err = edit(data); err != nil {
				return err
			}
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if !found {
		return fmt.Errorf("testgen: no member %s", name)
	}
	return tw.Close()
}

// editConfig adds a label to a config document, as a script editing an image's config in
// place (and not renaming it) would.
func editConfig(b []byte) ([]byte, error) {
	var c v1.ConfigFile
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.Config.Labels == nil {
		c.Config.Labels = map[string]string{}
	}
	c.Config.Labels["org.example.edited"] = "after-save"
	return json.Marshal(c)
}

// WriteConfigRenamed writes a docker save (format: "docker" legacy, "docker25" Docker 25+, or
// "oci" an oci-archive) of the small amd64 image tagged h17-cfg:FORMAT whose config was edited
// after the save without renaming it: its member name (and the manifest's descriptor) still
// say the old sha256.
func WriteConfigRenamed(w io.Writer, format string) error {
	img := Small("amd64")
	img.Tags = []string{"h17-cfg:" + format}
	var b bytes.Buffer
	s := newSession()
	defer s.close()
	built, err := s.build(&img, func(*Layer) (string, error) { return None, nil })
	if err != nil {
		return err
	}
	member := "blobs/sha256/" + built.config.Digest.Hex
	switch format {
	case "docker":
		member = built.config.Digest.Hex + ".json"
		err = WriteDockerArchive(&b, img)
	case "docker25":
		err = WriteDocker25Archive(&b, img)
	case "oci":
		err = WriteOCIArchive(&b, img)
	default:
		err = fmt.Errorf("testgen: unknown format %q", format)
	}
	if err != nil {
		return err
	}
	return rewriteMember(w, b.Bytes(), member, editConfig)
}

// WriteBadGzip writes an oci-archive of the small amd64 image whose middle layer's blob is
// an HTML error page (what a misconfigured mirror serves), declared tar+gzip, its digest and
// size those of the page.
func WriteBadGzip(w io.Writer) error {
	lb := newLayoutBuilder()
	defer lb.close()
	page := []byte("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n")
	pb := jsonBlob(types.OCILayer, page)
	d, _, err := lb.image(Small("amd64"), Gzip, func(m *v1.Manifest) {
		lb.drop[m.Layers[1].Digest.Hex] = true
		m.Layers[1].Digest, m.Layers[1].Size = pb.Digest, pb.Size
	})
	if err != nil {
		return err
	}
	lb.add(pb)
	lb.ref(d, "app:1")
	return lb.writeArchive(w)
}
