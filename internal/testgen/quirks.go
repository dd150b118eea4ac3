package testgen

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// OrderImage is a ten-layer image whose merged tree depends on the order its layers are
// applied in: layer 2 is empty, layer 3 overwrites a file of
// layer 0, layer 6 deletes a file of layer 1, layer 8 overwrites another, and layer 9 deletes
// a directory of layer 4 and a file of layer 0. Applied out of order, files that layer 6 or 9
// deleted come back and the overwrites are lost.
func OrderImage() Image { return orderImage(false) }

// OrderImageDup is OrderImage with layer 5 empty like layer 2: one diff_id twice, which a map
// keyed by diff_id holds once.
func OrderImageDup() Image {
	img := orderImage(true)
	img.Tags = []string{"h17-order:dup"}
	return img
}

func orderImage(dup bool) Image {
	t := time.Date(2024, 1, 20, 10, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t.Add(time.Duration(i) * time.Minute) }
	f := func(name, content string, i int) Entry {
		e := File(name, content)
		e.ModTime = at(i)
		return e
	}
	d := func(name string, i int) Entry {
		e := Dir(name)
		e.ModTime = at(i)
		return e
	}
	layers := []Layer{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:order-rootfs.tar in / ", Entries: []Entry{
			d("bin/", 0), f("bin/tool", "#!/bin/sh\necho tool\n", 0), d("etc/", 0),
			f("etc/os-release", "NAME=order\nVERSION=1\n", 0), f("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0),
			d("usr/", 0), d("usr/share/", 0), d("var/", 0),
		}},
		{CreatedBy: "/bin/sh -c mkdir /app && echo a > /app/a.txt && echo b > /app/b.txt", Entries: []Entry{
			d("app/", 1), f("app/a.txt", "a\n", 1), f("app/b.txt", "b\n", 1),
		}},
		{CreatedBy: "/bin/sh -c #(nop) WORKDIR /app"},
		{CreatedBy: "/bin/sh -c echo 'app:x:1000:1000::/app:/bin/sh' >> /etc/passwd", Entries: []Entry{
			d("etc/", 3), f("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n", 3),
		}},
		{CreatedBy: "/bin/sh -c echo c > /app/c.txt && mkdir -p /usr/share/doc/order && echo doc > /usr/share/doc/order/README", Entries: []Entry{
			d("app/", 4), f("app/c.txt", "c\n", 4), d("usr/share/", 4), d("usr/share/doc/", 4), d("usr/share/doc/order/", 4),
			f("usr/share/doc/order/README", "doc\n", 4),
		}},
		{CreatedBy: "/bin/sh -c touch /app/.keep", Entries: []Entry{d("app/", 5), f("app/.keep", "", 5)}},
		{CreatedBy: "/bin/sh -c rm /app/a.txt", Entries: []Entry{d("app/", 6), Whiteout("app/a.txt")}},
		{CreatedBy: "/bin/sh -c mkdir -p /var/log && echo started > /var/log/app.log", Entries: []Entry{
			d("var/", 7), d("var/log/", 7), f("var/log/app.log", "started\n", 7),
		}},
		{CreatedBy: "/bin/sh -c echo b2 > /app/b.txt", Entries: []Entry{d("app/", 8), f("app/b.txt", "b2\n", 8)}},
		{CreatedBy: "/bin/sh -c rm -rf /usr/share/doc /etc/os-release", Entries: []Entry{
			d("etc/", 9), Whiteout("etc/os-release"), d("usr/share/", 9), Whiteout("usr/share/doc"),
		}},
	}
	if dup {
		layers[5] = Layer{CreatedBy: "/bin/sh -c #(nop) WORKDIR /app"}
	}
	var hist []v1.History
	for i, l := range layers {
		hist = append(hist, v1.History{Created: v1.Time{Time: at(i)}, CreatedBy: l.CreatedBy})
		if i == 0 {
			hist = append(hist, v1.History{Created: v1.Time{Time: at(i)}, CreatedBy: `/bin/sh -c #(nop)  CMD ["/bin/tool"]`, EmptyLayer: true})
		}
	}
	hist = append(hist, v1.History{Created: v1.Time{Time: at(10)}, CreatedBy: `/bin/sh -c #(nop)  ENV MODE=prod`, EmptyLayer: true})
	return Image{
		Layers:  layers,
		History: hist,
		Created: at(10),
		Tags:    []string{"h17-order:1"},
		Config: v1Config(
			[]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "MODE=prod"},
			[]string{"/bin/tool"},
		),
	}
}

// WriteDocker2500Archive writes imgs as Docker 25.0.0's `docker save` did (moby
// image/tarexport/save.go at v25.0.0): the Docker 25 layout of WriteDocker25Archive, except
// that each OCI manifest lists its layers as Go iterated a map keyed by diff_id — in no
// particular order, and a diff_id that repeats (two empty layers) only once. manifest.json
// and the config keep the right order. moby#47150, fixed in 25.0.1 (layers in config order).
// The map order is simulated deterministically: by the sha256 of each diff_id's hex.
func WriteDocker2500Archive(w io.Writer, imgs ...Image) error {
	return writeDocker25(w, mapOrderLayers, imgs...)
}

// mapOrderLayers returns the distinct layers of b in a fixed order unrelated to the config's,
// as a Go map keyed by diff_id hands them out.
func mapOrderLayers(b *built) []*blob {
	seen := map[v1.Hash]bool{}
	var out []*blob
	for _, l := range b.layers {
		if !seen[l.DiffID] {
			seen[l.DiffID] = true
			out = append(out, l)
		}
	}
	key := func(l *blob) string { return sha([]byte(l.DiffID.Hex)).Hex }
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// manifest2500 is the OCI manifest Docker 25.0.0 wrote for b: its layers in the order given.
func (b *built) manifest2500(layers []*blob) (*blob, error) {
	p := b.img.Platform()
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: b.config.Size, Digest: b.config.Digest, Platform: &p},
		Layers: []v1.Descriptor{},
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: l.Size, Digest: l.Digest})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return jsonBlob(m.MediaType, raw), nil
}

// V1Layer is one layer of a pre-1.10 `docker save` (Docker ≤ 1.9), where every layer was an
// image with a random ID, its parent's ID and its own metadata in `<id>/json`.
type V1Layer struct {
	ID      string // 64 hex digits (random in Docker ≤ 1.9)
	Entries []Entry
	Created time.Time
	// Cmd is container_config.Cmd, the build step (docker history shows it joined by spaces).
	Cmd           []string
	Comment       string
	Author        string
	DockerVersion string    // "" writes no docker_version key (Docker ≤ 1.8.2 images lack it)
	Config        v1.Config // the run config as of this layer
	Container     string    // the build container's ID
}

// V1Archive is a pre-1.10 `docker save`: chains of layers (each base first; a chain may start
// on a layer of an earlier one by naming its ID as Parent) and the repositories file.
type V1Archive struct {
	Chains []V1Chain
	// Repositories maps name → tag → layer ID, as the `repositories` file does; nil writes
	// no repositories file (a partial archive).
	Repositories map[string]map[string]string
}

// V1Chain is a run of layers, each the parent of the next; Parent is the ID of the layer the
// first one sits on ("" for a base layer).
type V1Chain struct {
	Parent string
	Layers []V1Layer
}

// v1Json is Docker 1.9's image.Image, the `<id>/json` of its saves, keys in its field order.
type v1Json struct {
	ID              string           `json:"id"`
	Parent          string           `json:"parent,omitempty"`
	Comment         string           `json:"comment,omitempty"`
	Created         time.Time        `json:"created"`
	Container       string           `json:"container,omitempty"`
	ContainerConfig containerConfig  `json:"container_config,omitempty"`
	DockerVersion   string           `json:"docker_version,omitempty"`
	Author          string           `json:"author,omitempty"`
	Config          *containerConfig `json:"config,omitempty"`
	Architecture    string           `json:"architecture,omitempty"`
	OS              string           `json:"os,omitempty"`
	Size            int64            `json:"Size"`
}

// WriteDockerV1Archive writes a pre-1.10 `docker save` (Docker ≤ 1.9): for each layer
// `<id>/`, `<id>/VERSION` ("1.0"), `<id>/json` and `<id>/layer.tar`, then `repositories`;
// no manifest.json and no image config. Members are sorted by name, as Docker's archive of
// its temporary directory was.
func WriteDockerV1Archive(w io.Writer, a V1Archive) error {
	type mem struct {
		name string
		dir  bool
		mt   time.Time
		data []byte
	}
	var ms []mem
	for _, ch := range a.Chains {
		parent := ch.Parent
		for _, l := range ch.Layers {
			var tb bytes.Buffer
			if err := WriteLayerTar(&tb, l.Entries); err != nil {
				return err
			}
			var size int64
			for _, e := range l.Entries {
				if e.Type == 0 || e.Type == tar.TypeReg {
					size += int64(len(e.Content)) + e.Size
				}
			}
			cc := toContainerConfig(v1.Config{Cmd: l.Cmd, Env: l.Config.Env})
			cc.Image = parent
			j := v1Json{
				ID: l.ID, Parent: parent, Comment: l.Comment, Created: l.Created.UTC(), Container: l.Container,
				ContainerConfig: *cc, DockerVersion: l.DockerVersion, Author: l.Author,
				Config: toContainerConfig(l.Config), Architecture: "amd64", OS: "linux", Size: size,
			}
			raw, err := json.Marshal(j)
			if err != nil {
				return err
			}
			ms = append(ms,
				mem{name: l.ID + "/", dir: true, mt: l.Created},
				mem{name: l.ID + "/VERSION", mt: l.Created, data: []byte("1.0")},
				mem{name: l.ID + "/json", mt: l.Created, data: raw},
				mem{name: l.ID + "/layer.tar", mt: l.Created, data: tb.Bytes()},
			)
			parent = l.ID
		}
	}
	if a.Repositories != nil {
		raw, err := json.Marshal(a.Repositories)
		if err != nil {
			return err
		}
		ms = append(ms, mem{name: "repositories", mt: unixZero, data: raw})
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
	o := newOuter(w, true)
	for _, m := range ms {
		var err error
		if m.dir {
			err = o.dir(m.name, 0o755, m.mt)
		} else {
			err = o.bytes(m.name, 0o644, m.mt, m.data)
		}
		if err != nil {
			return err
		}
	}
	return o.close()
}

// V1Old is the pre-1.10 archive of quirks/docker19.tar: a base layer (Docker 1.8.2: no
// docker_version) and two build steps on it (Docker 1.9.1), tagged h17-old:1 (the top) and
// h17-old:base (the base layer), as `docker save h17-old` of Docker 1.9 wrote it.
func V1Old() V1Archive {
	t := time.Date(2015, 11, 3, 14, 0, 0, 123456789, time.UTC)
	id := func(s string) string { return sha([]byte("h17 v1 layer " + s)).Hex }
	base := V1Layer{
		ID: id("base"), Created: t, Container: id("ctr-base")[:64],
		Cmd:     []string{"/bin/sh", "-c", "#(nop) ADD file:0d2a1b3c4d5e in /"},
		Comment: "imported", Author: "h17 <h17@example.com>",
		Config: v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"/bin/sh"}},
		Entries: []Entry{
			Dir("bin/"), File("bin/tool", "#!/bin/sh\necho old\n"), Dir("etc/"),
			File("etc/motd", "welcome, <b>old</b> & friends\n"), File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		},
	}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "APP=1"}
	step1 := V1Layer{
		ID: id("step1"), Created: t.Add(time.Minute), Container: id("ctr-step1"), DockerVersion: "1.9.1",
		Cmd:    []string{"/bin/sh", "-c", "mkdir /app && echo hi > /app/hello && rm /etc/motd"},
		Config: v1.Config{Env: env, Cmd: []string{"/bin/sh"}},
		Entries: []Entry{
			Dir("app/"), File("app/hello", "hi\n"), Dir("etc/"), Whiteout("etc/motd"),
		},
	}
	step2 := V1Layer{
		ID: id("step2"), Created: t.Add(2 * time.Minute), Container: id("ctr-step2"), DockerVersion: "1.9.1",
		Cmd:    []string{"/bin/sh", "-c", "#(nop) CMD [\"/app/hello\"]"},
		Config: v1.Config{Env: env, Cmd: []string{"/app/hello"}},
	}
	return V1Archive{
		Chains: []V1Chain{{Layers: []V1Layer{base, step1, step2}}},
		Repositories: map[string]map[string]string{
			"h17-old": {"1": step2.ID, "base": base.ID},
		},
	}
}

// QuirkFiles lists the archives of testdata/quirks: what other writers produce that a reader
// must not take at face value, each named after the writer or the quirk. make-fixtures.sh
// there records what the owning engine makes of each.
func QuirkFiles() []SynthFile {
	return []SynthFile{
		{"docker2500.tar", func(w io.Writer) error { return WriteDocker2500Archive(w, OrderImage()) }},
		{"docker2500-dup.tar", func(w io.Writer) error { return WriteDocker2500Archive(w, OrderImageDup()) }},
		{"docker19.tar", func(w io.Writer) error { return WriteDockerV1Archive(w, V1Old()) }},
		{"v1-no-manifest.tar", func(w io.Writer) error { return writeWithout(w, V1NoManifestImage(), "manifest.json") }},
		{"config-renamed.docker.tar", func(w io.Writer) error { return WriteConfigRenamed(w, "docker") }},
		{"config-renamed.docker25.tar", func(w io.Writer) error { return WriteConfigRenamed(w, "docker25") }},
		{"config-renamed.oci.tar", func(w io.Writer) error { return WriteConfigRenamed(w, "oci") }},
		{"artifacts.tar", WriteArtifacts},
		{"platform-mismatch.tar", WritePlatformMismatch},
		{"same-name.tar", WriteSameName},
		{"not-gzip.tar", WriteNotGzip},
		{"bad-gzip.tar", WriteBadGzip},
	}
}

// V1NoManifestImage is the small image tagged h17-v1:1, for a legacy save that lost its
// manifest.json (docker load then reads it as a pre-1.10 archive: by the v1 layer JSONs).
func V1NoManifestImage() Image {
	img := Small("amd64")
	img.Tags = []string{"h17-v1:1"}
	return img
}

// writeWithout writes img as a legacy docker save without the members named drop.
func writeWithout(w io.Writer, img Image, drop ...string) error {
	var b bytes.Buffer
	if err := WriteDockerArchive(&b, img); err != nil {
		return err
	}
	tr := tar.NewReader(&b)
	tw := tar.NewWriter(w)
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		if skip[h.Name] {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}
