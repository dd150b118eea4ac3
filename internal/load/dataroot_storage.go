package load

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/strata-dev/strata/internal/image"
)

// A containers/storage graph root (podman, buildah, CRI-O: /var/lib/containers/storage):
//
//	<driver>-images/images.json              images: ID, names, top layer
//	<driver>-images/<id>/=<base64(key)>      an image's big data: its config under its digest
//	<driver>-layers/layers.json              layers: ID, parent, diff digest (images' and containers')
//	<driver>-layers/<id>.tar-split.gz        an image layer's tar-split
//	<driver>-containers/containers.json      containers: ID, names, image, layer, created
//	overlay/<id>/diff, vfs/dir/<id>          a layer's files
//	libpod/bolt_state.db                     podman's container state (podman 4)
type storageRoot struct {
	fs     *rootFS
	driver string
	lim    Limits
	warn   func(string)

	layers map[string]*storageLayer
	imgs   []storageImage
	ctrs   []*rootContainer
	read   bool
}

type storageLayer struct {
	ID         string `json:"id"`
	Parent     string `json:"parent"`
	DiffDigest string `json:"diff-digest"`
}

type storageImage struct {
	ID       string   `json:"id"`
	Names    []string `json:"names"`
	Layer    string   `json:"layer"`
	Metadata string   `json:"metadata"`
}

type storageContainer struct {
	ID       string   `json:"id"`
	Names    []string `json:"names"`
	Image    string   `json:"image"`
	Layer    string   `json:"layer"`
	Metadata string   `json:"metadata"`
	Created  string   `json:"created"`
}

var storageDrivers = []string{"overlay", "vfs"}
var storageOtherDrivers = []string{"btrfs", "zfs", "aufs", "devmapper"}

func openStorageRoot(fs *rootFS, opts Options) (engineRoot, bool, error) {
	var found []string
	for _, d := range storageDrivers {
		if fs.exists(d+"-layers/layers.json") || fs.exists(d+"-images/images.json") {
			found = append(found, d)
		}
	}
	for _, d := range storageOtherDrivers {
		if len(found) == 0 && (fs.exists(d+"-layers/layers.json") || fs.exists(d+"-images/images.json")) {
			return nil, false, fmt.Errorf("%w: a containers/storage root of driver %s: strata reads overlay and vfs", ErrUnknownFormat, d)
		}
	}
	switch len(found) {
	case 0:
		return nil, false, nil
	case 1:
		return &storageRoot{fs: fs, driver: found[0], lim: opts.Limits, warn: opts.Warn}, true, nil
	}
	return nil, false, fmt.Errorf("%w: the containers/storage root holds layers of several drivers (%s): podman uses one, the one storage.conf names", ErrAmbiguous, strings.Join(found, ", "))
}

func (r *storageRoot) close() error { return r.fs.Close() }

// load reads the layer, image and container lists.
func (r *storageRoot) load() error {
	if r.read {
		return nil
	}
	r.read = true
	r.layers = map[string]*storageLayer{}
	var layers []*storageLayer
	if name := r.driver + "-layers/layers.json"; r.fs.exists(name) {
		if _, err := readJSONFile(r.fs, name, &layers, r.lim); err != nil {
			return err
		}
	}
	// volatile-layers.json holds layers marked volatile (containers run with --rm …).
	if name := r.driver + "-layers/volatile-layers.json"; r.fs.exists(name) {
		var more []*storageLayer
		if _, err := readJSONFile(r.fs, name, &more, r.lim); err != nil {
			return err
		}
		layers = append(layers, more...)
	}
	for _, l := range layers {
		if l != nil && validCacheID(l.ID) {
			r.layers[l.ID] = l
		}
	}
	if name := r.driver + "-images/images.json"; r.fs.exists(name) {
		if _, err := readJSONFile(r.fs, name, &r.imgs, r.lim); err != nil {
			return err
		}
	}
	if err := r.lim.checkImages(len(r.imgs)); err != nil {
		return err
	}
	return nil
}

// chain returns a layer's stack, bottom first.
func (r *storageRoot) chain(top string) ([]*storageLayer, error) {
	var out []*storageLayer
	seen := map[string]bool{}
	for id := top; id != ""; {
		l := r.layers[id]
		if l == nil {
			return nil, fmt.Errorf("%w: layer %s is not in %s-layers/layers.json", ErrMissing, id, r.driver)
		}
		if seen[id] {
			return nil, fmt.Errorf("%w: layer %s is its own ancestor", ErrMalformed, id)
		}
		seen[id] = true
		if r.lim.MaxLayers > 0 && len(out) >= r.lim.MaxLayers {
			return nil, limitErr("layers", int64(r.lim.MaxLayers), "the layer chain is longer than %d", r.lim.MaxLayers)
		}
		out = append(out, l)
		id = l.Parent
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func (r *storageRoot) layerDir(id string) string {
	if r.driver == "vfs" {
		return path.Join("vfs", "dir", id)
	}
	return path.Join("overlay", id, "diff")
}

// bigData names an image's big-data item as containers/storage stores it.
func (r *storageRoot) bigData(id, key string) string {
	return path.Join(r.driver+"-images", id, "="+base64.StdEncoding.EncodeToString([]byte(key)))
}

func (r *storageRoot) images(opts Options) ([]candidate, map[string]bool, error) {
	if err := r.load(); err != nil {
		return nil, nil, err
	}
	tops := map[string]string{} // top layer → image ID
	for _, im := range r.imgs {
		tops[im.Layer] = im.ID
	}
	hidden := map[string]bool{}
	var cands []candidate
	for _, im := range r.imgs {
		if !validHex(im.ID) || !validCacheID(im.Layer) {
			return nil, nil, memberErr(r.driver+"-images/images.json", fmt.Errorf("%w: image %q has no valid ID or layer", ErrMalformed, im.ID))
		}
		id := "sha256:" + im.ID
		cfgName := r.bigData(im.ID, id)
		raw, err := r.fs.small(cfgName, r.lim.MaxJSON)
		if err != nil {
			return nil, nil, fmt.Errorf("image %s: its config: %w", shortID(id), err)
		}
		cfg, cid, err := parseConfig(cfgName, raw)
		if err != nil {
			return nil, nil, err
		}
		if cid != id {
			return nil, nil, memberErr(cfgName, fmt.Errorf("%w: config digest is %s, the image ID %s", ErrCorrupt, cid, id))
		}
		if len(im.Names) == 0 {
			// An untagged image whose top layer is below another image's: a build's
			// intermediate image, which podman images leaves out without -a.
			if ch, err := r.chainHas(im.Layer, tops, im.ID); err == nil && ch {
				hidden[id] = true
			}
		}
		im := im
		cands = append(cands, candidate{tags: im.Names, id: id, platform: platformOf(cfg),
			pick: func(t []string) (*image.Image, error) {
				img := &image.Image{ID: id, RepoTags: t, Config: cfg, RawConfig: raw}
				if err := r.addLayers(img, im.Layer, opts); err != nil {
					return nil, err
				}
				return img, nil
			}})
	}
	return cands, hidden, nil
}

// chainHas reports whether another image's layer chain goes through layer.
func (r *storageRoot) chainHas(layer string, tops map[string]string, self string) (bool, error) {
	for top, id := range tops {
		if id == self {
			continue
		}
		ch, err := r.chain(top)
		if err != nil {
			continue
		}
		for _, l := range ch {
			if l.ID == layer {
				return true, nil
			}
		}
	}
	return false, nil
}

func (r *storageRoot) addLayers(img *image.Image, top string, opts Options) error {
	ch, err := r.chain(top)
	if err != nil {
		return err
	}
	diffIDs := img.Config.RootFS.DiffIDs
	if len(ch) != len(diffIDs) {
		return fmt.Errorf("%w: image %s: its config lists %d layers, its layer chain has %d", ErrMalformed, shortID(img.ID), len(diffIDs), len(ch))
	}
	if err := opts.Limits.checkLayers(len(ch)); err != nil {
		return err
	}
	var blobs []*blob
	var members []string
	for i, l := range ch {
		if l.DiffDigest != diffIDs[i].String() {
			return memberErr(r.driver+"-layers/layers.json", fmt.Errorf("%w: layer %s has diff digest %s, the image config says %s", ErrCorrupt, l.ID, l.DiffDigest, diffIDs[i]))
		}
		dir := r.layerDir(l.ID)
		if err := r.fs.requireDir(dir); err != nil {
			return memberErr(dir, fmt.Errorf("layer %d (%s): %w", i, l.ID, err))
		}
		member := r.driver + "-layers/" + l.ID
		ly, err := tarSplitImageLayer(r.fs, r.driver+"-layers/"+l.ID+".tar-split.gz", dir, i, l.DiffDigest, member, opts)
		if err != nil {
			return err
		}
		img.Layers = append(img.Layers, ly)
		blobs = append(blobs, &blob{entries: ly.Entries})
		members = append(members, member)
	}
	if err := checkImageBounds(blobs, members, opts.Limits); err != nil {
		return err
	}
	return mapHistory(img)
}

// libpodCtr is what podman's database says of a container.
type libpodCtr struct {
	state   string
	created time.Time
}

// libpodStates reads podman's container states and creation times (podman 4's
// bolt_state.db), by ID.
func (r *storageRoot) libpodStates() (map[string]libpodCtr, error) {
	name := "libpod/bolt_state.db"
	if !r.fs.exists(name) {
		return nil, nil
	}
	db, err := openBolt(r.fs, name, r.warn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[string]libpodCtr{}
	err = db.view(func(tx *bolt.Tx) error {
		ctrs := tx.Bucket([]byte("ctr"))
		if ctrs == nil {
			return nil
		}
		return ctrs.ForEach(func(k, v []byte) error {
			if v != nil {
				return nil
			}
			b := ctrs.Bucket(k)
			if b == nil {
				return nil
			}
			var st struct {
				State int `json:"state"`
			}
			var cfg struct {
				Created time.Time `json:"createdTime"`
			}
			c := libpodCtr{}
			if raw := b.Get([]byte("state")); raw != nil && json.Unmarshal(raw, &st) == nil {
				c.state = libpodState(st.State)
			}
			if raw := b.Get([]byte("config")); raw != nil && json.Unmarshal(raw, &cfg) == nil {
				c.created = cfg.Created.UTC()
			}
			out[string(k)] = c
			return nil
		})
	})
	return out, err
}

// libpodState is libpod's ContainerStatus.String.
func libpodState(s int) string {
	names := []string{"unknown", "created", "initialized", "running", "stopped", "paused", "exited", "removing", "stopping"}
	if s >= 0 && s < len(names) {
		return names[s]
	}
	return "bad state"
}

func (r *storageRoot) containers() ([]*rootContainer, error) {
	if err := r.load(); err != nil {
		return nil, err
	}
	if r.ctrs != nil {
		return r.ctrs, nil
	}
	r.ctrs = []*rootContainer{}
	name := r.driver + "-containers/containers.json"
	if !r.fs.exists(name) {
		return r.ctrs, nil
	}
	var list []storageContainer
	if _, err := readJSONFile(r.fs, name, &list, r.lim); err != nil {
		return nil, err
	}
	states, err := r.libpodStates()
	if err != nil {
		return nil, err
	}
	for _, sc := range list {
		if !validHex(sc.ID) || !validCacheID(sc.Layer) {
			return nil, memberErr(name, fmt.Errorf("%w: container %q has no valid ID or layer", ErrMalformed, sc.ID))
		}
		var md struct {
			ImageName string `json:"image-name"`
			Name      string `json:"name"`
		}
		json.Unmarshal([]byte(sc.Metadata), &md)
		c := &rootContainer{meta: image.Container{
			ID: sc.ID, Image: md.ImageName, Created: image.Time{Time: parseTime(sc.Created)},
			Engine: "podman", Driver: r.driver, SizeRw: -1, Changes: image.ChangesNaive,
		}}
		if len(sc.Names) > 0 {
			c.meta.Name = sc.Names[0]
		}
		if validHex(sc.Image) {
			c.meta.ImageID = "sha256:" + sc.Image
		}
		if st, ok := states[sc.ID]; ok {
			c.meta.State = st.state
			if !st.created.IsZero() {
				c.meta.Created = image.Time{Time: st.created} // podman's, as podman inspect says it
			}
		} else if states != nil || !r.fs.exists("libpod") {
			c.meta.Engine = "containers-storage" // a buildah or CRI-O container: no libpod state
		}
		if r.driver == "overlay" {
			c.meta.Changes = image.ChangesOverlay
		}
		sc := sc
		c.open = func(opts Options) (*image.Image, error) { return r.openContainer(c, sc, opts) }
		c.size = func() (int64, error) {
			rw, err := r.rwLayer(sc)
			if err != nil {
				return 0, err
			}
			return rw.sizeRw, nil
		}
		r.ctrs = append(r.ctrs, c)
	}
	sort.Slice(r.ctrs, func(i, j int) bool { return r.ctrs[i].meta.ID < r.ctrs[j].meta.ID })
	return r.ctrs, nil
}

// rwLayer reads a container's layer: the overlay upper directory, or (vfs) its tree against
// its parent's.
func (r *storageRoot) rwLayer(sc storageContainer) (*diskLayer, error) {
	l := r.layers[sc.Layer]
	if l == nil {
		return nil, fmt.Errorf("%w: container %s: its layer %s is not in %s-layers/layers.json", ErrMissing, shortID(sc.ID), sc.Layer, r.driver)
	}
	if r.driver == "overlay" {
		return readUpper(r.fs, r.layerDir(l.ID), true, r.lim)
	}
	parent := ""
	if l.Parent != "" {
		parent = r.layerDir(l.Parent)
	}
	return naiveLayer(r.fs, parent, r.layerDir(l.ID), r.lim)
}

func (r *storageRoot) openContainer(c *rootContainer, sc storageContainer, opts Options) (*image.Image, error) {
	l := r.layers[sc.Layer]
	if l == nil {
		return nil, fmt.Errorf("%w: container %s: its layer %s is not in %s-layers/layers.json", ErrMissing, shortID(sc.ID), sc.Layer, r.driver)
	}
	img, err := imageByID(r, c.meta.ImageID, opts)
	if err != nil {
		return nil, fmt.Errorf("container %s: its image %s: %w", shortID(c.meta.ID), shortID(c.meta.ImageID), err)
	}
	if n := len(img.Layers); (n == 0) != (l.Parent == "") || (n > 0 && !strings.HasSuffix(img.Layers[n-1].Member, "/"+l.Parent)) {
		return nil, fmt.Errorf("%w: container %s: its layer's parent %s is not its image's top layer", ErrMalformed, shortID(c.meta.ID), l.Parent)
	}
	rw, err := r.rwLayer(sc)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", shortID(c.meta.ID), err)
	}
	return withContainer(img, c.meta, nil, rw, "", "container "+c.meta.ID+" layer "+l.ID), nil
}
