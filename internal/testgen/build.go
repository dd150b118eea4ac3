package testgen

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// built is an image whose layer blobs and config have been generated.
type built struct {
	img     *Image
	layers  []*blob
	diffIDs []v1.Hash
	cfgFile *v1.ConfigFile
	config  *blob
}

// ConfigFile returns the config that the writers store for img, given its layers' diff_ids.
func ConfigFile(img *Image, diffIDs []v1.Hash) *v1.ConfigFile {
	p := img.Platform()
	created := img.created()
	hist := img.History
	if hist == nil {
		hist = make([]v1.History, len(img.Layers))
		for i, l := range img.Layers {
			hist[i] = v1.History{Created: v1.Time{Time: created}, CreatedBy: l.CreatedBy, Comment: l.Comment}
		}
	}
	ids := diffIDs
	if ids == nil {
		ids = []v1.Hash{}
	}
	return &v1.ConfigFile{
		Architecture: p.Architecture,
		Author:       img.Author,
		Created:      v1.Time{Time: created},
		History:      hist,
		OS:           p.OS,
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: ids},
		Config:       img.Config,
		Variant:      p.Variant,
	}
}

// build generates the layers of img (compression chosen per layer by comp) and its config.
func (s *session) build(img *Image, comp func(*Layer) (string, error)) (*built, error) {
	b := &built{img: img}
	for i := range img.Layers {
		l := &img.Layers[i]
		c, err := comp(l)
		if err != nil {
			return nil, err
		}
		lb, err := s.layer(l, c)
		if err != nil {
			return nil, fmt.Errorf("testgen: layer %d: %w", i, err)
		}
		b.layers = append(b.layers, lb)
		b.diffIDs = append(b.diffIDs, lb.DiffID)
	}
	b.cfgFile = ConfigFile(img, b.diffIDs)
	raw, err := json.Marshal(b.cfgFile)
	if err != nil {
		return nil, err
	}
	b.config = jsonBlob(types.OCIConfigJSON, raw)
	return b, nil
}

func ociLayerType(comp string) types.MediaType {
	switch comp {
	case Gzip:
		return types.OCILayer
	case Zstd:
		return types.OCILayerZStd
	}
	return types.OCIUncompressedLayer
}

func dockerLayerType(comp string) types.MediaType {
	switch comp {
	case Gzip:
		return types.DockerLayer
	case Zstd:
		return types.OCILayerZStd // Docker has no zstd media type of its own
	}
	return types.DockerUncompressedLayer
}

// manifest builds the image manifest of b. docker selects Docker schema 2 media types.
func (b *built) manifest(docker, configPlatform bool) (*blob, *v1.Manifest, error) {
	m := &v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	m.Config = v1.Descriptor{MediaType: types.OCIConfigJSON, Size: b.config.Size, Digest: b.config.Digest}
	if docker {
		m.MediaType = types.DockerManifestSchema2
		m.Config.MediaType = types.DockerConfigJSON
	}
	if configPlatform {
		p := b.img.Platform()
		m.Config.Platform = &p
	}
	m.Layers = []v1.Descriptor{}
	for _, l := range b.layers {
		mt := ociLayerType(l.Compression)
		if docker {
			mt = dockerLayerType(l.Compression)
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: mt, Size: l.Size, Digest: l.Digest})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	return jsonBlob(m.MediaType, raw), m, nil
}

// chainIDs returns the chain IDs of diffIDs (layer.CreateChainID in moby).
func chainIDs(diffIDs []v1.Hash) []v1.Hash {
	out := make([]v1.Hash, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = sha([]byte(out[i-1].String() + " " + d.String()))
	}
	return out
}

// outer writes the members of an archive.
type outer struct {
	tw       *tar.Writer
	typeBits bool // Docker <= 23: mode fields carry file-type bits (0100644, 040755, 0120777)
	buf      []byte
}

func newOuter(w io.Writer, typeBits bool) *outer {
	return &outer{tw: tar.NewWriter(w), typeBits: typeBits, buf: make([]byte, 1<<20)}
}

func (o *outer) header(h *tar.Header) error {
	if o.typeBits {
		switch h.Typeflag {
		case tar.TypeDir:
			h.Mode |= 0o40000
		case tar.TypeSymlink:
			h.Mode |= 0o120000
		case tar.TypeReg:
			h.Mode |= 0o100000
		}
	}
	h.ModTime = h.ModTime.Truncate(time.Second)
	h.Format = tar.FormatUSTAR
	return o.tw.WriteHeader(h)
}

func (o *outer) dir(name string, mode int64, mt time.Time) error {
	return o.header(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: mt})
}

func (o *outer) symlink(name, target string, mode int64, mt time.Time) error {
	return o.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: mode, ModTime: mt})
}

func (o *outer) bytes(name string, mode int64, mt time.Time, p []byte) error {
	if err := o.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, ModTime: mt, Size: int64(len(p))}); err != nil {
		return err
	}
	_, err := o.tw.Write(p)
	return err
}

func (o *outer) blob(name string, mode int64, mt time.Time, b *blob) error {
	if err := o.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, ModTime: mt, Size: b.Size}); err != nil {
		return err
	}
	n, err := io.CopyBuffer(o.tw, b.reader(), o.buf)
	if err != nil {
		return fmt.Errorf("testgen: copying %s: %w", name, err)
	}
	if n != b.Size {
		return fmt.Errorf("testgen: copying %s: %d of %d bytes", name, n, b.Size)
	}
	return nil
}

func (o *outer) close() error { return o.tw.Close() }

// member is one archive member, for writers that sort members before writing.
type member struct {
	name   string
	dir    bool
	mode   int64
	mtime  time.Time
	data   []byte
	blob   *blob
	target string // symlink
}

func (o *outer) member(m *member) error {
	switch {
	case m.dir:
		return o.dir(m.name, m.mode, m.mtime)
	case m.target != "":
		return o.symlink(m.name, m.target, m.mode, m.mtime)
	case m.blob != nil:
		return o.blob(m.name, m.mode, m.mtime, m.blob)
	}
	return o.bytes(m.name, m.mode, m.mtime, m.data)
}

// jsonLine marshals v like json.Encoder: with a trailing newline.
func jsonLine(v any) ([]byte, error) {
	p, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(p, '\n'), nil
}
