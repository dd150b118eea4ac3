// Command ggcrcheck reads image archives with go-containerregistry and validates them with
// ggcr's validate package (config digest, manifest, layer digests and diff_ids recomputed from
// the blobs), then prints a JSON summary of each image on stdout. testgen's tests run it.
//
//	ggcrcheck [-lenient] docker ARCHIVE [TAG]   a docker-archive (legacy, Docker 25, skopeo) via tarball.ImageFromPath
//	ggcrcheck layout DIR             an OCI image layout via layout.FromPath; descriptors whose
//	                                 blobs are absent are reported as "absent" and not validated
//
// -lenient uses validate.Fast, which skips ggcr's tar walk of each layer (it rejects layers
// with duplicate paths, which testgen's whiteouts fixture has on purpose). Either way, each
// layer's diff_id in the config is checked against sha256 of its uncompressed stream.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// Summary describes one image as ggcr sees it.
type Summary struct {
	Ref        string            `json:"ref,omitempty"`
	Platform   string            `json:"platform,omitempty"`
	Absent     bool              `json:"absent,omitempty"`
	Attest     bool              `json:"attestation,omitempty"`
	ConfigName string            `json:"config_name,omitempty"`
	Digest     string            `json:"digest,omitempty"`
	DiffIDs    []string          `json:"diff_ids,omitempty"`
	Layers     []string          `json:"layers,omitempty"`
	MediaTypes []string          `json:"media_types,omitempty"`
	Annots     map[string]string `json:"annotations,omitempty"`
	Created    string            `json:"created,omitempty"`
	History    int               `json:"history,omitempty"`
}

var validateOpts []validate.Option

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-lenient" {
		validateOpts = append(validateOpts, validate.Fast)
		os.Args = append(os.Args[:1], os.Args[2:]...)
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: ggcrcheck docker ARCHIVE [TAG] | layout DIR")
		os.Exit(2)
	}
	var out []Summary
	var err error
	switch os.Args[1] {
	case "docker":
		var tag *name.Tag
		if len(os.Args) > 3 {
			t, terr := name.NewTag(os.Args[3])
			if terr != nil {
				fail(terr)
			}
			tag = &t
		}
		var s Summary
		s, err = docker(os.Args[2], tag)
		out = append(out, s)
	case "layout":
		out, err = layoutDir(os.Args[2])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ggcrcheck:", err)
	os.Exit(1)
}

func docker(path string, tag *name.Tag) (Summary, error) {
	img, err := tarball.ImageFromPath(path, tag)
	if err != nil {
		return Summary{}, err
	}
	if err := check(img); err != nil {
		return Summary{}, err
	}
	s, err := summarize(img)
	if tag != nil {
		s.Ref = tag.String()
	}
	return s, err
}

// check validates img with ggcr and recomputes every layer's digest and diff_id.
func check(img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	opts := validateOpts
	for _, l := range layers {
		// validate's full mode reads every layer through gzip; use Fast for zstd layers.
		if mt, err := l.MediaType(); err == nil && strings.HasSuffix(string(mt), "zstd") {
			opts = append(opts, validate.Fast)
		}
	}
	if err := validate.Image(img, opts...); err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		return fmt.Errorf("%d layers, %d diff_ids", len(layers), len(cf.RootFS.DiffIDs))
	}
	for i, l := range layers {
		mt, err := l.MediaType()
		if err != nil {
			return err
		}
		crc, err := l.Compressed()
		if err != nil {
			return err
		}
		ch, csize, err := v1.SHA256(crc)
		crc.Close()
		if err != nil {
			return err
		}
		if ch != m.Layers[i].Digest || csize != m.Layers[i].Size {
			return fmt.Errorf("layer %d: blob sha256 %s size %d, manifest says %s size %d", i, ch, csize, m.Layers[i].Digest, m.Layers[i].Size)
		}
		if !strings.Contains(string(mt), "layer") && !strings.Contains(string(mt), "rootfs") {
			continue // attestation layers are not tars
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		h, _, err := v1.SHA256(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if h != cf.RootFS.DiffIDs[i] {
			return fmt.Errorf("layer %d: sha256 of uncompressed stream %s, config diff_id %s", i, h, cf.RootFS.DiffIDs[i])
		}
	}
	return nil
}

// checkBlobs checks that the config and layer blobs of m hash to their descriptors.
func checkBlobs(dir string, m *v1.Manifest) error {
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		f, err := os.Open(filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex))
		if err != nil {
			return err
		}
		h, n, err := v1.SHA256(f)
		f.Close()
		if err != nil {
			return err
		}
		if h != d.Digest || n != d.Size {
			return fmt.Errorf("blob %s: sha256 %s size %d, descriptor size %d", d.Digest, h, n, d.Size)
		}
	}
	return nil
}

func summarize(img v1.Image) (Summary, error) {
	var s Summary
	cn, err := img.ConfigName()
	if err != nil {
		return s, err
	}
	s.ConfigName = cn.String()
	cf, err := img.ConfigFile()
	if err != nil {
		return s, err
	}
	if p := cf.Platform(); p != nil {
		s.Platform = p.String()
	}
	s.Created = cf.Created.UTC().Format("2006-01-02T15:04:05Z07:00")
	s.History = len(cf.History)
	for _, d := range cf.RootFS.DiffIDs {
		s.DiffIDs = append(s.DiffIDs, d.String())
	}
	layers, err := img.Layers()
	if err != nil {
		return s, err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return s, err
		}
		mt, err := l.MediaType()
		if err != nil {
			return s, err
		}
		s.Layers = append(s.Layers, d.String())
		s.MediaTypes = append(s.MediaTypes, string(mt))
	}
	return s, nil
}

func layoutDir(dir string) ([]Summary, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	return walk(dir, idx, nil)
}

func exists(dir string, h v1.Hash) bool {
	_, err := os.Stat(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	return err == nil
}

func walk(dir string, idx v1.ImageIndex, annots map[string]string) ([]Summary, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, d := range im.Manifests {
		a := d.Annotations
		if a == nil {
			a = annots
		}
		plat := ""
		if d.Platform != nil {
			plat = d.Platform.String()
		}
		if !exists(dir, d.Digest) {
			out = append(out, Summary{Digest: d.Digest.String(), Platform: plat, Absent: true, Annots: a})
			continue
		}
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			sub, err := walk(dir, child, a)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case d.MediaType.IsImage():
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, err
			}
			m, err := img.Manifest()
			if err != nil {
				return nil, err
			}
			if !exists(dir, m.Config.Digest) {
				out = append(out, Summary{Digest: d.Digest.String(), Platform: plat, Absent: true, Annots: a})
				continue
			}
			attest := d.Annotations["vnd.docker.reference.type"] == "attestation-manifest"
			if attest {
				// Not an image: ggcr's validate rejects it (in-toto layers are not tars).
				err = checkBlobs(dir, m)
			} else {
				err = check(img)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.Digest, err)
			}
			s, err := summarize(img)
			if err != nil {
				return nil, err
			}
			s.Digest = d.Digest.String()
			s.Annots = a
			if attest {
				s.Attest = true
				s.Annots = d.Annotations
			}
			if plat != "" {
				s.Platform = plat
			}
			out = append(out, s)
		default:
			return nil, errors.New("unexpected media type " + string(d.MediaType))
		}
	}
	return out, nil
}
