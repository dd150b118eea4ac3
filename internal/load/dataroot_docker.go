package load

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// Docker's data root (graph drivers; Docker ≤ 28, and 29 without the containerd image store):
//
//	image/<driver>/repositories.json                 tags → image IDs
//	image/<driver>/imagedb/content/sha256/<id>       image configs (their sha256 is the ID)
//	image/<driver>/imagedb/metadata/sha256/<id>/parent
//	image/<driver>/layerdb/sha256/<chain-id>/        diff, cache-id, parent, tar-split.json.gz
//	image/<driver>/layerdb/mounts/<container-id>/    mount-id, init-id, parent
//	containers/<id>/config.v2.json                   name, image, state, created
//	overlay2/<cache-id>/diff                         a layer's files (overlay upper directory)
//	vfs/dir/<cache-id>                               a layer's whole tree (a full copy)
type dockerRoot struct {
	fs     *rootFS
	driver string
	lim    Limits
	ctrs   []*rootContainer
	read   bool
}

// dockerDrivers are the graph drivers strata reads; the others are named when refused.
var dockerDrivers = map[string]bool{"overlay2": true, "vfs": true}
var dockerOtherDrivers = []string{"aufs", "btrfs", "devicemapper", "fuse-overlayfs", "overlay", "windowsfilter", "zfs"}

func openDockerRoot(fs *rootFS, opts Options) (engineRoot, bool, error) {
	if !fs.isDir("image") {
		if fs.isDir("containers") && (fs.isDir("volumes") || fs.isDir("network")) {
			// Docker with the containerd image store (the default from Docker 29): no
			// image/ here; images and writable layers are containerd's.
			return nil, false, &hinted{err: fmt.Errorf("%w: a Docker data root without image/: Docker's containerd image store keeps images and containers' writable layers in containerd's root (namespace moby)", ErrUnknownFormat),
				hint: "read its images with strata images /var/lib/containerd (that root's containers are Docker's running ones)"}
		}
		return nil, false, nil
	}
	var found, other []string
	drivers, err := fs.subdirs("image", 64)
	if err != nil {
		return nil, false, err
	}
	for _, d := range drivers {
		if !fs.isDir(path.Join("image", d, "layerdb")) && !fs.exists(path.Join("image", d, "repositories.json")) {
			continue
		}
		switch {
		case dockerDrivers[d]:
			found = append(found, d)
		default:
			other = append(other, d)
		}
	}
	switch {
	case len(found) == 1:
		return &dockerRoot{fs: fs, driver: found[0], lim: opts.Limits}, true, nil
	case len(found) > 1:
		return nil, false, fmt.Errorf("%w: the Docker data root holds images of several storage drivers (%s): Docker reads one, the one it was started with", ErrAmbiguous, strings.Join(found, ", "))
	case len(other) > 0:
		return nil, false, fmt.Errorf("%w: a Docker data root of storage driver %s: strata reads overlay2 and vfs", ErrUnknownFormat, strings.Join(other, ", "))
	}
	return nil, false, nil
}

func (r *dockerRoot) close() error { return r.fs.Close() }

func (r *dockerRoot) img(p ...string) string {
	return path.Join(append([]string{"image", r.driver}, p...)...)
}

// readJSONFile reads a bounded metadata file into v.
func readJSONFile(fs *rootFS, name string, v any, lim Limits) ([]byte, error) {
	b, err := fs.small(name, lim.MaxJSON)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, memberErr(name, fmt.Errorf("%w: not valid JSON: %v", ErrMalformed, err))
	}
	return b, nil
}

// readLine reads a one-line metadata file (an ID, a digest), trimmed.
func readLine(fs *rootFS, name string) (string, error) {
	b, err := fs.small(name, 4096)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func validHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (r *dockerRoot) images(opts Options) ([]candidate, map[string]bool, error) {
	tags := map[string][]string{}
	if name := r.img("repositories.json"); r.fs.exists(name) {
		var repos struct{ Repositories map[string]map[string]string }
		if _, err := readJSONFile(r.fs, name, &repos, r.lim); err != nil {
			return nil, nil, err
		}
		for _, refs := range repos.Repositories {
			for ref, id := range refs {
				if !strings.Contains(ref, "@") {
					tags[id] = append(tags[id], ref)
				}
			}
		}
		for id := range tags {
			sort.Strings(tags[id])
		}
	}
	dir := r.img("imagedb", "content", "sha256")
	ids, err := r.fs.readDirNames(dir, r.lim.MaxImages)
	if err != nil && r.fs.exists(dir) {
		return nil, nil, err
	}
	hasChild := map[string]bool{}
	var cands []candidate
	for _, h := range ids {
		if !validHex(h) {
			continue
		}
		id := "sha256:" + h
		if p, err := readLine(r.fs, r.img("imagedb", "metadata", "sha256", h, "parent")); err == nil && p != "" {
			hasChild[p] = true
		}
		cfgName := path.Join(dir, h)
		raw, err := r.fs.small(cfgName, r.lim.MaxJSON)
		if err != nil {
			return nil, nil, err
		}
		cfg, cid, err := parseConfig(cfgName, raw)
		if err != nil {
			return nil, nil, err
		}
		if cid != id {
			return nil, nil, memberErr(cfgName, fmt.Errorf("%w: config digest is %s", ErrCorrupt, cid))
		}
		cands = append(cands, candidate{tags: tags[id], id: id, platform: platformOf(cfg),
			pick: func(t []string) (*image.Image, error) {
				img := &image.Image{ID: id, RepoTags: t, Config: cfg, RawConfig: raw}
				if err := r.addLayers(img, opts); err != nil {
					return nil, err
				}
				return img, nil
			}})
	}
	hidden := map[string]bool{}
	for _, c := range cands {
		if len(c.tags) == 0 && hasChild[c.id] {
			hidden[c.id] = true
		}
	}
	return cands, hidden, nil
}

// layerDir is where a layer's files lie, by its driver's ID.
func (r *dockerRoot) layerDir(cacheID string) string {
	if r.driver == "vfs" {
		return path.Join("vfs", "dir", cacheID)
	}
	return path.Join("overlay2", cacheID, "diff")
}

// addLayers reads an image's layers from the layerdb: each chain ID's tar-split, joined
// with the files of its layer directory.
func (r *dockerRoot) addLayers(img *image.Image, opts Options) error {
	diffIDs := make([]string, len(img.Config.RootFS.DiffIDs))
	for i, d := range img.Config.RootFS.DiffIDs {
		diffIDs[i] = d.String()
	}
	if err := opts.Limits.checkLayers(len(diffIDs)); err != nil {
		return err
	}
	chains := chainIDs(diffIDs)
	var blobs []*blob
	var members []string
	for i, chain := range chains {
		h := strings.TrimPrefix(chain, "sha256:")
		ldb := r.img("layerdb", "sha256", h)
		if !r.fs.isDir(ldb) {
			return memberErr(ldb, fmt.Errorf("%w: layer %d (diff_id %s) is not in the layer store", ErrMissing, i, diffIDs[i]))
		}
		if d, err := readLine(r.fs, path.Join(ldb, "diff")); err != nil {
			return err
		} else if d != diffIDs[i] {
			return memberErr(path.Join(ldb, "diff"), fmt.Errorf("%w: layer %d: the layer store says diff_id %s, the config %s", ErrCorrupt, i, d, diffIDs[i]))
		}
		cacheID, err := readLine(r.fs, path.Join(ldb, "cache-id"))
		if err != nil {
			return err
		}
		if !validCacheID(cacheID) {
			return memberErr(path.Join(ldb, "cache-id"), fmt.Errorf("%w: not a layer ID: %q", ErrMalformed, cacheID))
		}
		dir := r.layerDir(cacheID)
		if err := r.fs.requireDir(dir); err != nil {
			return memberErr(dir, fmt.Errorf("layer %d (diff_id %s): %w", i, diffIDs[i], err))
		}
		l, err := tarSplitImageLayer(r.fs, path.Join(ldb, "tar-split.json.gz"), dir, i, diffIDs[i], ldb, opts)
		if err != nil {
			return err
		}
		img.Layers = append(img.Layers, l)
		blobs = append(blobs, &blob{entries: l.Entries})
		members = append(members, ldb)
	}
	if err := checkImageBounds(blobs, members, opts.Limits); err != nil {
		return err
	}
	return mapHistory(img)
}

// validCacheID accepts a driver's layer ID: no path separators or dots that could walk.
func validCacheID(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// tarSplitImageLayer reads one image layer kept as a tar-split and a directory.
func tarSplitImageLayer(fs *rootFS, split, dir string, index int, diffID, member string, opts Options) (*image.Layer, error) {
	ts, entries, err := readTarSplit(fs, split, dir, opts.Limits)
	if err != nil {
		return nil, err
	}
	l := &image.Layer{
		Index: index, DiffID: diffID, Digest: diffID, Member: member,
		MediaType:   "application/vnd.docker.image.rootfs.diff.tar",
		Compression: CompressionNone, TarSize: ts.size, Entries: entries,
		Open: ts.open,
	}
	sr := newSpanReader(fs, dir, ts.spans)
	fs.onClose(sr)
	l.ReaderAt = sr
	if opts.Verify {
		got, err := ts.digest()
		if err != nil {
			return nil, memberErr(member, err)
		}
		if got != diffID {
			return nil, memberErr(member, fmt.Errorf("%w: layer %d: the reassembled tar has digest %s, the diff_id is %s", ErrCorrupt, index, got, diffID))
		}
		l.Verified = true
	}
	return l, nil
}

// dockerConfig is the part of containers/<id>/config.v2.json strata reads.
type dockerConfig struct {
	ID      string
	Name    string
	Created string
	Image   string
	Driver  string
	Config  struct{ Image string }
	State   struct {
		Running, Paused, Restarting, RemovalInProgress, Dead bool
		StartedAt                                            string
	}
}

// stateString is moby's State.StateString.
func (c *dockerConfig) stateString() string {
	s := c.State
	switch {
	case s.Running && s.Paused:
		return "paused"
	case s.Running && s.Restarting:
		return "restarting"
	case s.Running:
		return "running"
	case s.RemovalInProgress:
		return "removing"
	case s.Dead:
		return "dead"
	case parseTime(s.StartedAt).IsZero() || strings.HasPrefix(s.StartedAt, "0001-"):
		return "created"
	}
	return "exited"
}

func (r *dockerRoot) containers() ([]*rootContainer, error) {
	if r.read {
		return r.ctrs, nil
	}
	r.read = true
	ids, err := r.fs.subdirs("containers", r.lim.MaxImages)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !validHex(id) {
			continue
		}
		var cfg dockerConfig
		name := path.Join("containers", id, "config.v2.json")
		if !r.fs.exists(name) {
			continue // a container being created or removed
		}
		if _, err := readJSONFile(r.fs, name, &cfg, r.lim); err != nil {
			return nil, err
		}
		if cfg.ID != id {
			return nil, memberErr(name, fmt.Errorf("%w: names container %q", ErrMalformed, cfg.ID))
		}
		if cfg.Driver != "" && cfg.Driver != r.driver {
			continue // made under another storage driver: Docker does not load it either
		}
		c := &rootContainer{meta: image.Container{
			ID: id, Name: strings.TrimPrefix(cfg.Name, "/"), Image: cfg.Config.Image, ImageID: cfg.Image,
			State: cfg.stateString(), Created: image.Time{Time: parseTime(cfg.Created)}, Engine: "docker", Driver: r.driver,
			SizeRw: -1, InitLayer: true, Changes: image.ChangesNaive,
		}}
		c.open = func(opts Options) (*image.Image, error) { return r.openContainer(c, opts) }
		c.size = func() (int64, error) {
			_, rw, err := r.mountLayers(c, "", nil, true)
			if err != nil {
				return 0, err
			}
			return rw.sizeRw, nil
		}
		r.ctrs = append(r.ctrs, c)
	}
	return r.ctrs, nil
}

// mountLayers reads a container's init and writable layers (only the writable one when
// rwOnly). For vfs, each is its tree compared with its parent's (the image's top layer's
// directory, then the init layer's).
func (r *dockerRoot) mountLayers(c *rootContainer, topDir string, img *image.Image, rwOnly bool) (initL, rw *diskLayer, err error) {
	mdir := r.img("layerdb", "mounts", c.meta.ID)
	mountID, err := readLine(r.fs, path.Join(mdir, "mount-id"))
	if err != nil {
		return nil, nil, err
	}
	initID, err := readLine(r.fs, path.Join(mdir, "init-id"))
	if err != nil {
		return nil, nil, err
	}
	if !validCacheID(mountID) || !validCacheID(initID) {
		return nil, nil, memberErr(mdir, fmt.Errorf("%w: not layer IDs: %q, %q", ErrMalformed, mountID, initID))
	}
	if r.driver == "overlay2" {
		if !rwOnly {
			if initL, err = readUpper(r.fs, r.layerDir(initID), true, r.lim); err != nil {
				return nil, nil, err
			}
		}
		rw, err = readUpper(r.fs, r.layerDir(mountID), true, r.lim)
		return initL, rw, err
	}
	if rwOnly {
		rw, err = naiveLayer(r.fs, r.layerDir(initID), r.layerDir(mountID), r.lim)
		return nil, rw, err
	}
	if topDir == "" {
		if topDir, err = r.topLayerDir(mdir); err != nil {
			return nil, nil, err
		}
	}
	if initL, err = naiveLayer(r.fs, topDir, r.layerDir(initID), r.lim); err != nil {
		return nil, nil, err
	}
	rw, err = naiveLayer(r.fs, r.layerDir(initID), r.layerDir(mountID), r.lim)
	return initL, rw, err
}

// topLayerDir is the directory of the image's top layer under a container (its mount's
// parent chain ID); "" for an image without layers.
func (r *dockerRoot) topLayerDir(mdir string) (string, error) {
	parent, err := readLine(r.fs, path.Join(mdir, "parent"))
	if err != nil || parent == "" {
		return "", nil
	}
	h := strings.TrimPrefix(parent, "sha256:")
	if !validHex(h) {
		return "", memberErr(path.Join(mdir, "parent"), fmt.Errorf("%w: not a chain ID: %q", ErrMalformed, parent))
	}
	cacheID, err := readLine(r.fs, r.img("layerdb", "sha256", h, "cache-id"))
	if err != nil {
		return "", err
	}
	if !validCacheID(cacheID) {
		return "", fmt.Errorf("%w: layer %s: not a layer ID: %q", ErrMalformed, parent, cacheID)
	}
	return r.layerDir(cacheID), nil
}

func (r *dockerRoot) openContainer(c *rootContainer, opts Options) (*image.Image, error) {
	img, err := imageByID(r, c.meta.ImageID, opts)
	if err != nil {
		return nil, fmt.Errorf("container %s: its image %s: %w", shortID(c.meta.ID), shortID(c.meta.ImageID), err)
	}
	initL, rw, err := r.mountLayers(c, "", img, false)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", shortID(c.meta.ID), err)
	}
	return withContainer(img, c.meta, initL, rw, "container "+c.meta.ID+" init layer", "container "+c.meta.ID+" writable layer"), nil
}

// imageByID reads the image with this exact ID.
func imageByID(r engineRoot, id string, opts Options) (*image.Image, error) {
	cands, _, err := r.images(opts)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if c.id == id {
			return c.pick(c.tags)
		}
	}
	return nil, fmt.Errorf("%w: image %s is not in the data root", ErrMissing, id)
}

// withContainer stacks a container's layers on its image.
func withContainer(img *image.Image, meta image.Container, initL, rw *diskLayer, initName, rwName string) *image.Image {
	meta.ImageLayers = len(img.Layers)
	meta.InitLayer = initL != nil
	name := meta.Name
	if name == "" {
		name = shortID(meta.ID)
	}
	if initL != nil {
		l := initL.layer(len(img.Layers), initName)
		l.History = &v1.History{Comment: meta.Engine + " init layer of container " + name}
		img.Layers = append(img.Layers, l)
	}
	l := rw.layer(len(img.Layers), rwName)
	l.History = &v1.History{Comment: "writable layer of container " + name}
	img.Layers = append(img.Layers, l)
	meta.SizeRw = rw.sizeRw
	img.Container = &meta
	return img
}

var _ = time.Now
