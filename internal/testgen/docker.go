package testgen

import (
	"encoding/json"
	"errors"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var unixZero = time.Unix(0, 0).UTC()

// containerConfig is moby's container.Config as it appears in v1 image JSON (all keys present).
type containerConfig struct {
	Hostname        string
	Domainname      string
	User            string
	AttachStdin     bool
	AttachStdout    bool
	AttachStderr    bool
	ExposedPorts    map[string]struct{} `json:",omitempty"`
	Tty             bool
	OpenStdin       bool
	StdinOnce       bool
	Env             []string
	Cmd             []string
	Healthcheck     *v1.HealthConfig `json:",omitempty"`
	ArgsEscaped     bool             `json:",omitempty"`
	Image           string
	Volumes         map[string]struct{}
	WorkingDir      string
	Entrypoint      []string
	NetworkDisabled bool   `json:",omitempty"`
	MacAddress      string `json:",omitempty"`
	OnBuild         []string
	Labels          map[string]string
	StopSignal      string   `json:",omitempty"`
	Shell           []string `json:",omitempty"`
}

func toContainerConfig(c v1.Config) *containerConfig {
	return &containerConfig{
		Hostname: c.Hostname, Domainname: c.Domainname, User: c.User,
		AttachStdin: c.AttachStdin, AttachStdout: c.AttachStdout, AttachStderr: c.AttachStderr,
		ExposedPorts: c.ExposedPorts, Tty: c.Tty, OpenStdin: c.OpenStdin, StdinOnce: c.StdinOnce,
		Env: c.Env, Cmd: c.Cmd, Healthcheck: c.Healthcheck, ArgsEscaped: c.ArgsEscaped, Image: c.Image,
		Volumes: c.Volumes, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint,
		NetworkDisabled: c.NetworkDisabled, MacAddress: c.MacAddress, OnBuild: c.OnBuild,
		Labels: c.Labels, StopSignal: c.StopSignal, Shell: c.Shell,
	}
}

// v1Image is moby's image.V1Image: the `<v1id>/json` of a legacy save.
type v1Image struct {
	ID              string           `json:"id,omitempty"`
	Parent          string           `json:"parent,omitempty"`
	Comment         string           `json:"comment,omitempty"`
	Created         *time.Time       `json:"created"`
	Container       string           `json:"container,omitempty"`
	ContainerConfig containerConfig  `json:"container_config,omitempty"`
	DockerVersion   string           `json:"docker_version,omitempty"`
	Author          string           `json:"author,omitempty"`
	Config          *containerConfig `json:"config,omitempty"`
	Architecture    string           `json:"architecture,omitempty"`
	Variant         string           `json:"variant,omitempty"`
	OS              string           `json:"os,omitempty"`
}

// createV1ID is moby's image/v1.CreateID.
func createV1ID(img v1Image, chainID v1.Hash, parent string) (string, error) {
	img.ID = ""
	raw, err := json.Marshal(img)
	if err != nil {
		return "", err
	}
	var m map[string]*json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	lid, _ := json.Marshal(chainID.String())
	m["layer_id"] = (*json.RawMessage)(&lid)
	if parent != "" {
		p, _ := json.Marshal("sha256:" + parent)
		m["parent"] = (*json.RawMessage)(&p)
	}
	raw, err = json.Marshal(m)
	if err != nil {
		return "", err
	}
	return sha(raw).Hex, nil
}

// v1Layers computes the v1 IDs and `json` files of b's layers the way `docker save` does.
func v1Layers(b *built) (ids []string, jsons [][]byte, err error) {
	chain := chainIDs(b.diffIDs)
	created := b.img.created().UTC()
	parent := ""
	for i := range b.diffIDs {
		epoch := unixZero
		vi := v1Image{Created: &epoch}
		if i == len(b.diffIDs)-1 {
			p := b.img.Platform()
			vi = v1Image{
				Created: &created, Author: b.img.Author, Config: toContainerConfig(b.img.Config),
				Architecture: p.Architecture, Variant: p.Variant, OS: p.OS,
			}
		}
		id, err := createV1ID(vi, chain[i], parent)
		if err != nil {
			return nil, nil, err
		}
		vi.ID = id
		vi.Parent = parent
		vi.OS = b.img.Platform().OS
		raw, err := json.Marshal(vi)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, id)
		jsons = append(jsons, raw)
		parent = id
	}
	return ids, jsons, nil
}

// dockerManifestItem is an entry of a docker-archive manifest.json.
type dockerManifestItem struct {
	Config       string
	RepoTags     []string
	Layers       []string
	Parent       string                   `json:",omitempty"`
	LayerSources map[string]v1.Descriptor `json:",omitempty"`
}

// WriteDockerArchive writes a legacy `docker save` archive (Docker <= 24) of imgs: for each
// layer `<v1id>/` with VERSION, json and layer.tar, `<config>.json`, then manifest.json and
// repositories (only when some image is tagged), members sorted like Docker's, modes with
// file-type bits like Docker <= 23. v1 IDs are computed as moby does, so a layer that two images
// share at different positions (e.g. the top layer of one, a lower layer of the other) is stored
// once and the other `<v1id>/layer.tar` is a symlink `../<v1id>/layer.tar`. Untagged images get
// `"RepoTags": null`.
func WriteDockerArchive(w io.Writer, imgs ...Image) error {
	s := newSession()
	defer s.close()
	groups := map[string][]*member{}
	add := func(m *member) {
		top := m.name
		if i := strings.IndexByte(top, '/'); i >= 0 {
			top = top[:i]
		}
		groups[top] = append(groups[top], m)
	}
	savedV1 := map[string]bool{}
	layerPath := map[string]string{} // diffID -> "<v1id>/layer.tar"
	var manifest []*dockerManifestItem
	byConfig := map[string]*dockerManifestItem{}
	repos := map[string]map[string]string{}
	for i := range imgs {
		img := &imgs[i]
		if len(img.Layers) == 0 {
			return errNoLayers
		}
		b, err := s.build(img, func(l *Layer) (string, error) { return layerComp(l.Compression, None) })
		if err != nil {
			return err
		}
		created := img.created()
		ids, jsons, err := v1Layers(b)
		if err != nil {
			return err
		}
		item := byConfig[b.config.Digest.Hex]
		if item == nil {
			item = &dockerManifestItem{Config: b.config.Digest.Hex + ".json"}
			for _, id := range ids {
				item.Layers = append(item.Layers, id+"/layer.tar")
			}
			byConfig[b.config.Digest.Hex] = item
			manifest = append(manifest, item)
			add(&member{name: b.config.Digest.Hex + ".json", mode: 0o644, mtime: created, data: b.config.data})
		}
		for li, id := range ids {
			if savedV1[id] {
				continue
			}
			savedV1[id] = true
			add(&member{name: id + "/", dir: true, mode: 0o755, mtime: created})
			add(&member{name: id + "/VERSION", mode: 0o644, mtime: created, data: []byte("1.0")})
			add(&member{name: id + "/json", mode: 0o644, mtime: created, data: jsons[li]})
			lb := b.layers[li]
			if old, ok := layerPath[lb.DiffID.String()]; ok {
				add(&member{name: id + "/layer.tar", mode: 0o777, mtime: created, target: "../" + old})
			} else {
				add(&member{name: id + "/layer.tar", mode: 0o644, mtime: created, blob: lb})
				layerPath[lb.DiffID.String()] = id + "/layer.tar"
			}
		}
		for _, t := range img.Tags {
			r := parseRef(t)
			if repos[r.FamiliarName()] == nil {
				repos[r.FamiliarName()] = map[string]string{}
			}
			repos[r.FamiliarName()][r.Tag] = ids[len(ids)-1]
			item.RepoTags = appendUnique(item.RepoTags, r.Familiar())
		}
	}
	mj, err := jsonLine(manifest)
	if err != nil {
		return err
	}
	add(&member{name: "manifest.json", mode: 0o644, mtime: unixZero, data: mj})
	if len(repos) > 0 {
		rj, err := jsonLine(repos)
		if err != nil {
			return err
		}
		add(&member{name: "repositories", mode: 0o644, mtime: unixZero, data: rj})
	}
	o := newOuter(w, true)
	for _, top := range sortedKeys(groups) {
		ms := groups[top]
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
		for _, m := range ms {
			if err := o.member(m); err != nil {
				return err
			}
		}
	}
	return o.close()
}

// WriteDocker25Archive writes a Docker 25+ OCI-style save of imgs (graph-driver store): blobs
// under blobs/sha256/ (layers uncompressed at their diff_id, each layer's v1 json, configs,
// OCI manifests), oci-layout, index.json with one descriptor per tag (annotations
// io.containerd.image.name = full reference, org.opencontainers.image.ref.name = tag; an
// untagged image gets one descriptor without annotations), manifest.json whose Layers point
// into blobs/, and repositories (when some image is tagged).
func WriteDocker25Archive(w io.Writer, imgs ...Image) error {
	return writeDocker25(w, nil, imgs...)
}

// writeDocker25 is WriteDocker25Archive; order, when set, lists the layers each OCI manifest
// names (in place of the config's layers, in order).
func writeDocker25(w io.Writer, order func(*built) []*blob, imgs ...Image) error {
	s := newSession()
	defer s.close()
	blobs := map[string]*member{}
	addBlob := func(hex string, mt time.Time, data []byte, b *blob) {
		if _, ok := blobs[hex]; !ok {
			blobs[hex] = &member{name: "blobs/sha256/" + hex, mode: 0o644, mtime: mt, data: data, blob: b}
		}
	}
	var manifest []*dockerManifestItem
	byConfig := map[string]*dockerManifestItem{}
	repos := map[string]map[string]string{}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	var created time.Time
	for i := range imgs {
		img := &imgs[i]
		if len(img.Layers) == 0 {
			return errNoLayers
		}
		b, err := s.build(img, func(*Layer) (string, error) { return None, nil })
		if err != nil {
			return err
		}
		if i == 0 {
			created = img.created()
		}
		_, jsons, err := v1Layers(b)
		if err != nil {
			return err
		}
		for li, lb := range b.layers {
			addBlob(lb.DiffID.Hex, img.created(), nil, lb)
			jb := jsonBlob("", jsons[li])
			addBlob(jb.Digest.Hex, img.created(), jsons[li], nil)
		}
		addBlob(b.config.Digest.Hex, img.created(), b.config.data, nil)
		mb, _, err := b.manifest(false, true)
		if order != nil {
			mb, err = b.manifest2500(order(b))
		}
		if err != nil {
			return err
		}
		addBlob(mb.Digest.Hex, unixZero, mb.data, nil)
		p := img.Platform()
		item := byConfig[b.config.Digest.Hex]
		if item == nil {
			item = &dockerManifestItem{Config: "blobs/sha256/" + b.config.Digest.Hex, LayerSources: map[string]v1.Descriptor{}}
			for _, lb := range b.layers {
				item.Layers = append(item.Layers, "blobs/sha256/"+lb.DiffID.Hex)
				item.LayerSources[lb.DiffID.String()] = v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: lb.Size, Digest: lb.Digest}
			}
			byConfig[b.config.Digest.Hex] = item
			manifest = append(manifest, item)
			if len(img.Tags) == 0 {
				index.Manifests = append(index.Manifests, v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: mb.Size, Digest: mb.Digest, Platform: &p})
			}
		}
		for _, t := range img.Tags {
			r := parseRef(t)
			if repos[r.FamiliarName()] == nil {
				repos[r.FamiliarName()] = map[string]string{}
			}
			repos[r.FamiliarName()][r.Tag] = b.diffIDs[len(b.diffIDs)-1].Hex
			item.RepoTags = appendUnique(item.RepoTags, r.Familiar())
			index.Manifests = append(index.Manifests, v1.Descriptor{
				MediaType: types.OCIManifestSchema1, Size: mb.Size, Digest: mb.Digest, Platform: &p,
				Annotations: map[string]string{
					AnnotationImageName: r.String(),
					AnnotationRefName:   r.Tag,
				},
			})
		}
	}
	o := newOuter(w, false)
	if err := o.dir("blobs/", 0o755, created); err != nil {
		return err
	}
	if err := o.dir("blobs/sha256/", 0o755, created); err != nil {
		return err
	}
	for _, hex := range sortedKeys(blobs) {
		if err := o.member(blobs[hex]); err != nil {
			return err
		}
	}
	ij, err := json.Marshal(index)
	if err != nil {
		return err
	}
	if err := o.bytes("index.json", 0o644, created, ij); err != nil {
		return err
	}
	mj, err := jsonLine(manifest)
	if err != nil {
		return err
	}
	if err := o.bytes("manifest.json", 0o644, unixZero, mj); err != nil {
		return err
	}
	if err := o.bytes("oci-layout", 0o644, unixZero, []byte(`{"imageLayoutVersion": "1.0.0"}`)); err != nil {
		return err
	}
	if len(repos) > 0 {
		rj, err := jsonLine(repos)
		if err != nil {
			return err
		}
		if err := o.bytes("repositories", 0o644, unixZero, rj); err != nil {
			return err
		}
	}
	return o.close()
}

// skopeoLayerIDs computes the legacy layer IDs and json files the way containers/image's
// docker-archive writer does.
func skopeoLayerIDs(b *built) (ids []string, jsons [][]byte, err error) {
	var cfg map[string]*json.RawMessage
	if err := json.Unmarshal(b.config.data, &cfg); err != nil {
		return nil, nil, err
	}
	chain := chainIDs(b.diffIDs)
	last := ""
	for i := range b.diffIDs {
		lc := map[string]any{}
		if last != "" {
			lc["parent"] = last
		}
		if i == len(b.diffIDs)-1 {
			for _, k := range []string{"architecture", "config", "container", "container_config", "created", "docker_version", "os"} {
				lc[k] = cfg[k]
			}
		}
		lc["layer_id"] = chain[i].String()
		raw, err := json.Marshal(lc)
		if err != nil {
			return nil, nil, err
		}
		delete(lc, "layer_id")
		id := sha(raw).Hex
		lc["id"] = id
		raw, err = json.Marshal(lc)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, id)
		jsons = append(jsons, raw)
		last = id
	}
	return ids, jsons, nil
}

// WriteSkopeoDockerArchive writes a podman save / skopeo copy `docker-archive:` of imgs, in
// containers/image's member order: each layer as `<diffhex>.tar` at the root (uncompressed),
// `<confighex>.json`, the legacy `<id>/layer.tar` symlinks to `../<diffhex>.tar` with VERSION
// and json, then manifest.json (fully qualified RepoTags such as docker.io/library/app:1,
// `[]` when untagged) and repositories. Files are mode 0444 with mtime 0, no directory entries.
func WriteSkopeoDockerArchive(w io.Writer, imgs ...Image) error {
	s := newSession()
	defer s.close()
	o := newOuter(w, false)
	sent := map[string]bool{}
	var manifest []*dockerManifestItem
	byConfig := map[string]*dockerManifestItem{}
	repos := map[string]map[string]string{}
	for i := range imgs {
		img := &imgs[i]
		if len(img.Layers) == 0 {
			return errNoLayers
		}
		b, err := s.build(img, func(*Layer) (string, error) { return None, nil })
		if err != nil {
			return err
		}
		for _, lb := range b.layers {
			name := lb.DiffID.Hex + ".tar"
			if !sent[name] {
				sent[name] = true
				if err := o.blob(name, 0o444, unixZero, lb); err != nil {
					return err
				}
			}
		}
		cname := b.config.Digest.Hex + ".json"
		if !sent[cname] {
			sent[cname] = true
			if err := o.bytes(cname, 0o444, unixZero, b.config.data); err != nil {
				return err
			}
		}
		ids, jsons, err := skopeoLayerIDs(b)
		if err != nil {
			return err
		}
		for li, id := range ids {
			if sent[id] {
				continue
			}
			sent[id] = true
			if err := o.symlink(path.Join(id, "layer.tar"), "../"+b.diffIDs[li].Hex+".tar", 0, unixZero); err != nil {
				return err
			}
			if err := o.bytes(path.Join(id, "VERSION"), 0o444, unixZero, []byte("1.0")); err != nil {
				return err
			}
			if err := o.bytes(path.Join(id, "json"), 0o444, unixZero, jsons[li]); err != nil {
				return err
			}
		}
		item := byConfig[b.config.Digest.Hex]
		if item == nil {
			item = &dockerManifestItem{Config: cname, RepoTags: []string{}}
			for _, d := range b.diffIDs {
				item.Layers = append(item.Layers, d.Hex+".tar")
			}
			byConfig[b.config.Digest.Hex] = item
			manifest = append(manifest, item)
		}
		for _, t := range img.Tags {
			r := parseRef(t)
			item.RepoTags = appendUnique(item.RepoTags, r.String())
			if repos[r.Name()] == nil {
				repos[r.Name()] = map[string]string{}
			}
			repos[r.Name()][r.Tag] = ids[len(ids)-1]
		}
	}
	mj, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := o.bytes("manifest.json", 0o444, unixZero, mj); err != nil {
		return err
	}
	rj, err := json.Marshal(repos)
	if err != nil {
		return err
	}
	if err := o.bytes("repositories", 0o444, unixZero, rj); err != nil {
		return err
	}
	return o.close()
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var errNoLayers = errors.New("testgen: docker archives need at least one layer per image (docker save refuses empty images)")
