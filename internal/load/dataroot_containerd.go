package load

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/strata-dev/strata/internal/image"
)

// A containerd root (/var/lib/containerd):
//
//	io.containerd.metadata.v1.bolt/meta.db          v1/<namespace>/{images,containers,snapshots}
//	io.containerd.content.v1.content/blobs/sha256/  manifests, configs, layer blobs (an OCI layout's)
//	io.containerd.snapshotter.v1.overlayfs/metadata.db   v1/snapshots/<key>: id, kind, parent
//	io.containerd.snapshotter.v1.overlayfs/snapshots/<id>/fs   a snapshot's upper directory
//
// Images are read from the content store exactly as an OCI layout is (their layer blobs as
// stored, digests checked); a container is its image and its active snapshot's upper
// directory. containerd keeps task state (running, stopped) under its state directory, not
// in the root: a container's state is "".
type containerdRoot struct {
	fs   *rootFS
	lim  Limits
	warn func(string)

	meta  *containerdMeta
	ctrs  []*rootContainer
	snaps map[string]snapInfo // overlayfs snapshotter: backend key → id, parent
}

const (
	ctrdMeta    = "io.containerd.metadata.v1.bolt/meta.db"
	ctrdContent = "io.containerd.content.v1.content"
	ctrdOverlay = "io.containerd.snapshotter.v1.overlayfs"
)

type containerdMeta struct {
	images []ctrdImage
	ctrs   []ctrdContainer
	snaps  map[string]ctrdSnapshot // namespace/snapshotter/key → backend name, parent key
}

type ctrdImage struct {
	ns, name, digest, mediaType string
	size                        int64
}

type ctrdContainer struct {
	ns, id, image, snapKey, snapshotter string
	created                             time.Time
}

type ctrdSnapshot struct{ name, parent string }

type snapInfo struct {
	id     uint64
	parent string
}

func openContainerdRoot(fs *rootFS, opts Options) (engineRoot, bool, error) {
	if !fs.exists(ctrdMeta) {
		return nil, false, nil
	}
	return &containerdRoot{fs: fs, lim: opts.Limits, warn: opts.Warn}, true, nil
}

func (r *containerdRoot) close() error { return r.fs.Close() }

func boltTime(b []byte) time.Time {
	var t time.Time
	if t.UnmarshalBinary(b) != nil {
		return time.Time{}
	}
	return t.UTC()
}

// load reads meta.db.
func (r *containerdRoot) load() error {
	if r.meta != nil {
		return nil
	}
	db, err := openBolt(r.fs, ctrdMeta, r.warn)
	if err != nil {
		return err
	}
	defer db.Close()
	m := &containerdMeta{snaps: map[string]ctrdSnapshot{}}
	err = db.view(func(tx *bolt.Tx) error {
		v1 := tx.Bucket([]byte("v1"))
		if v1 == nil {
			return fmt.Errorf("%w: %s has no v1 bucket: not a containerd metadata database of schema v1", ErrUnknownFormat, ctrdMeta)
		}
		return v1.ForEach(func(nsk, v []byte) error {
			ns := v1.Bucket(nsk)
			if v != nil || ns == nil {
				return nil
			}
			if b := ns.Bucket([]byte("images")); b != nil {
				b.ForEach(func(k, v []byte) error {
					ib := b.Bucket(k)
					if ib == nil {
						return nil
					}
					t := ib.Bucket([]byte("target"))
					if t == nil {
						return nil
					}
					size, _ := binary.Varint(t.Get([]byte("size")))
					m.images = append(m.images, ctrdImage{ns: string(nsk), name: string(k), digest: string(t.Get([]byte("digest"))),
						mediaType: string(t.Get([]byte("mediatype"))), size: size})
					return nil
				})
			}
			if b := ns.Bucket([]byte("containers")); b != nil {
				b.ForEach(func(k, v []byte) error {
					cb := b.Bucket(k)
					if cb == nil {
						return nil
					}
					m.ctrs = append(m.ctrs, ctrdContainer{ns: string(nsk), id: string(k), image: string(cb.Get([]byte("image"))),
						snapKey: string(cb.Get([]byte("snapshotKey"))), snapshotter: string(cb.Get([]byte("snapshotter"))),
						created: boltTime(cb.Get([]byte("createdat")))})
					return nil
				})
			}
			if b := ns.Bucket([]byte("snapshots")); b != nil {
				b.ForEach(func(sn, v []byte) error {
					sb := b.Bucket(sn)
					if sb == nil {
						return nil
					}
					return sb.ForEach(func(k, v []byte) error {
						kb := sb.Bucket(k)
						if kb == nil {
							return nil
						}
						m.snaps[string(nsk)+"/"+string(sn)+"/"+string(k)] = ctrdSnapshot{name: string(kb.Get([]byte("name"))), parent: string(kb.Get([]byte("parent")))}
						return nil
					})
				})
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := r.lim.checkImages(len(m.images)); err != nil {
		return err
	}
	r.meta = m
	return nil
}

// contentStore is the content store as an OCI layout whose index lists the root's images.
func (r *containerdRoot) contentStore() (store, error) {
	if !r.fs.isDir(ctrdContent) {
		return nil, fmt.Errorf("%w: %s: the content store is absent", ErrMissing, ctrdContent)
	}
	st, err := openDirStore(path.Join(r.fs.dir, ctrdContent), r.lim, newBudget(context.Background(), r.lim))
	if err != nil {
		return nil, err
	}
	r.fs.onClose(st)
	type desc struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int64             `json:"size"`
		Annotations map[string]string `json:"annotations"`
	}
	idx := struct {
		SchemaVersion int    `json:"schemaVersion"`
		Manifests     []desc `json:"manifests"`
	}{SchemaVersion: 2}
	for _, im := range r.meta.images {
		idx.Manifests = append(idx.Manifests, desc{MediaType: im.mediaType, Digest: im.digest, Size: im.size,
			Annotations: map[string]string{"io.containerd.image.name": im.name}})
	}
	b, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	return &indexedStore{store: st, index: b}, nil
}

// indexedStore is a store with an index.json of strata's making.
type indexedStore struct {
	store
	index []byte
}

func (s *indexedStore) has(name string) bool {
	return memberName(name) == "index.json" || s.store.has(name)
}

func (s *indexedStore) small(name string, max int64) ([]byte, error) {
	if memberName(name) == "index.json" {
		return s.index, nil
	}
	return s.store.small(name, max)
}

func (r *containerdRoot) images(opts Options) ([]candidate, map[string]bool, error) {
	if err := r.load(); err != nil {
		return nil, nil, err
	}
	if len(r.meta.images) == 0 {
		return nil, nil, nil
	}
	st, err := r.contentStore()
	if err != nil {
		return nil, nil, err
	}
	var cands []candidate
	o := opts
	o.Image, o.Platform = "", Platform{}
	o.collect = &cands
	o.configs = &configCache{}
	_, err = resolveOCI(st, image.Source{Path: r.fs.dir, Format: image.FormatContainerdRoot}, o)
	if err != nil && !errors.Is(err, errCollected) {
		return nil, nil, err
	}
	return cands, nil, nil
}

// snapshots reads the overlayfs snapshotter's metadata.db.
func (r *containerdRoot) snapshots() (map[string]snapInfo, error) {
	if r.snaps != nil {
		return r.snaps, nil
	}
	db, err := openBolt(r.fs, ctrdOverlay+"/metadata.db", r.warn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[string]snapInfo{}
	err = db.view(func(tx *bolt.Tx) error {
		b := bucketPath(tx, "v1", "snapshots")
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			sb := b.Bucket(k)
			if sb == nil {
				return nil
			}
			id, n := binary.Uvarint(sb.Get([]byte("id")))
			if n <= 0 {
				return fmt.Errorf("%w: %s: snapshot %q has no id", ErrCorrupt, ctrdOverlay+"/metadata.db", k)
			}
			out[string(k)] = snapInfo{id: id, parent: string(sb.Get([]byte("parent")))}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	r.snaps = out
	return out, nil
}

func (r *containerdRoot) containers() ([]*rootContainer, error) {
	if err := r.load(); err != nil {
		return nil, err
	}
	if r.ctrs != nil {
		return r.ctrs, nil
	}
	r.ctrs = []*rootContainer{}
	for _, cc := range r.meta.ctrs {
		c := &rootContainer{meta: image.Container{ID: cc.id, Name: cc.id, Image: cc.image, Created: image.Time{Time: cc.created},
			Engine: "containerd", Driver: cc.snapshotter, SizeRw: -1, Changes: image.ChangesContinuity}}
		cc := cc
		c.open = func(opts Options) (*image.Image, error) { return r.openContainer(c, cc, opts) }
		c.size = func() (int64, error) {
			d, _, err := r.rwLayer(cc)
			if err != nil {
				return 0, err
			}
			return d.sizeRw, nil
		}
		r.ctrs = append(r.ctrs, c)
	}
	sort.Slice(r.ctrs, func(i, j int) bool { return r.ctrs[i].meta.ID < r.ctrs[j].meta.ID })
	return r.ctrs, nil
}

// rwLayer reads a container's active snapshot; parent is its parent snapshot's key (the
// chain ID of the image's top layer, for an unpacked image).
func (r *containerdRoot) rwLayer(cc ctrdContainer) (*diskLayer, string, error) {
	if cc.snapshotter != "overlayfs" {
		return nil, "", fmt.Errorf("%w: container %s uses the %q snapshotter: strata reads overlayfs", ErrUnknownFormat, cc.id, cc.snapshotter)
	}
	s, ok := r.meta.snaps[cc.ns+"/"+cc.snapshotter+"/"+cc.snapKey]
	if !ok {
		return nil, "", fmt.Errorf("%w: container %s: snapshot %q is not in %s", ErrMissing, cc.id, cc.snapKey, ctrdMeta)
	}
	snaps, err := r.snapshots()
	if err != nil {
		return nil, "", err
	}
	info, ok := snaps[s.name]
	if !ok {
		return nil, "", fmt.Errorf("%w: container %s: snapshot %q is not in %s/metadata.db", ErrMissing, cc.id, s.name, ctrdOverlay)
	}
	d, err := readUpper(r.fs, path.Join(ctrdOverlay, "snapshots", strconv.FormatUint(info.id, 10), "fs"), true, r.lim)
	return d, s.parent, err
}

func (r *containerdRoot) openContainer(c *rootContainer, cc ctrdContainer, opts Options) (*image.Image, error) {
	rw, parent, err := r.rwLayer(cc)
	if err != nil {
		return nil, err
	}
	cands, _, err := r.images(opts)
	if err != nil {
		return nil, err
	}
	var img *image.Image
	for _, cand := range cands {
		if !hasTag(cand.tags, cc.image) {
			continue
		}
		i, err := cand.pick(cand.tags)
		if err != nil {
			return nil, fmt.Errorf("container %s: its image %s: %w", cc.id, cc.image, err)
		}
		if top := topChain(i); top == parent {
			img = i
			break
		}
		i.Close()
	}
	if img == nil {
		return nil, fmt.Errorf("%w: container %s: no image %s in the content store has the layers of its snapshot's parent %s", ErrMissing, cc.id, cc.image, parent)
	}
	c.meta.ImageID = img.ID
	return withContainer(img, c.meta, nil, rw, "", "container "+cc.id+" snapshot "+cc.snapKey), nil
}

func hasTag(tags []string, want string) bool {
	for _, t := range tags {
		if t == want || strings.TrimPrefix(t, "docker.io/library/") == strings.TrimPrefix(want, "docker.io/library/") {
			return true
		}
	}
	return false
}

// topChain is the chain ID of an image's top layer: containerd's key for its snapshot.
func topChain(img *image.Image) string {
	ids := make([]string, len(img.Layers))
	for i, l := range img.Layers {
		ids[i] = l.DiffID
	}
	if len(ids) == 0 {
		return ""
	}
	c := chainIDs(ids)
	return c[len(c)-1]
}
