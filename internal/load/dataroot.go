package load

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strata-dev/strata/internal/image"
)

// An engine's data root — Docker's /var/lib/docker, containerd's /var/lib/containerd,
// containers/storage's /var/lib/containers/storage — is read in place, read-only, through
// an os.Root: its images (as `docker save` would write them, layer for layer) and its
// containers (the image, the engine's init layer, the writable layer). The engine is told
// from the layout; nothing is mounted, nothing written, no daemon asked.

// engineRoot is one engine's reader.
type engineRoot interface {
	// images offers the root's images; a candidate's pick reads the image. hidden marks
	// those `docker images` leaves out without -a (untagged parents of other images).
	images(opts Options) (cands []candidate, hidden map[string]bool, err error)
	// containers lists the root's containers (metadata; layers are read by open).
	containers() ([]*rootContainer, error)
	close() error
}

// rootContainer is a container of a data root, its layers not yet read.
type rootContainer struct {
	meta image.Container
	// open reads the container: its image's layers, the init layer, the writable layer.
	open func(opts Options) (*image.Image, error)
	// size computes the writable layer's size as the engine counts it.
	size func() (int64, error)
}

// detectRoot tells which engine's data root dir is, or returns nil when it is none.
func detectRoot(ctx context.Context, dir string, opts Options) (engineRoot, image.Format, error) {
	fs, err := openRootFS(dir, opts.Limits)
	if err != nil {
		return nil, "", err
	}
	for _, d := range []struct {
		format image.Format
		open   func(*rootFS, Options) (engineRoot, bool, error)
	}{
		{image.FormatDockerRoot, openDockerRoot},
		{image.FormatStorageRoot, openStorageRoot},
		{image.FormatContainerdRoot, openContainerdRoot},
	} {
		r, ok, err := d.open(fs, opts)
		if err != nil {
			fs.Close()
			return nil, d.format, err
		}
		if ok {
			return r, d.format, nil
		}
	}
	fs.Close()
	return nil, "", nil
}

// openDataRoot reads the image (--image) or container (--container) opts select from an
// engine's data root.
func openDataRoot(r engineRoot, format image.Format, dir string, opts Options) (*image.Image, error) {
	if opts.Container != "" {
		if opts.Image != "" {
			return nil, fmt.Errorf("%w: --image and --container both given: a container already names its image", ErrAmbiguous)
		}
		c, err := pickContainer(r, opts.Container)
		if err != nil {
			return nil, err
		}
		img, err := c.open(opts)
		if err != nil {
			return nil, err
		}
		img.Source = image.Source{Path: dir, Format: format, Compression: CompressionNone}
		return img, nil
	}
	cands, hidden, err := r.images(opts)
	if err != nil {
		return nil, err
	}
	if opts.Image == "" && opts.collect == nil {
		if len(cands) == 0 {
			return nil, fmt.Errorf("%w: the data root holds no images", ErrNoMatch)
		}
		return nil, &hinted{err: fmt.Errorf("%w: an engine's data root holds images and containers: pick one with --image REF or --container ID", ErrAmbiguous),
			hint: "strata images " + dir + " and strata containers " + dir + " list them"}
	}
	if opts.Image == "" {
		cands = topLevel(cands, hidden)
	}
	c, err := choose(cands, opts)
	if err != nil {
		return nil, err
	}
	img, err := c.pick(c.tags)
	if err != nil {
		return nil, err
	}
	img.Source = image.Source{Path: dir, Format: format, Compression: CompressionNone}
	return img, nil
}

// topLevel drops the images that only exist as another image's parent, untagged (a legacy
// build's intermediate images), as `docker images` does without -a.
func topLevel(cands []candidate, hidden map[string]bool) []candidate {
	out := cands[:0:0]
	for _, c := range cands {
		if !hidden[c.id] {
			out = append(out, c)
		}
	}
	return out
}

// pickContainer finds a container by ID, name or unique ID prefix.
func pickContainer(r engineRoot, want string) (*rootContainer, error) {
	cs, err := r.containers()
	if err != nil {
		return nil, err
	}
	want = strings.TrimPrefix(want, "/")
	var byPrefix []*rootContainer
	for _, c := range cs {
		if c.meta.ID == want || c.meta.Name == want {
			return c, nil
		}
		if len(want) >= 1 && strings.HasPrefix(c.meta.ID, want) {
			byPrefix = append(byPrefix, c)
		}
	}
	list := func(cs []*rootContainer) string {
		var s []string
		for _, c := range cs {
			id := c.meta.ID
			if len(id) > 12 {
				id = id[:12]
			}
			s = append(s, strings.TrimSpace(id+" "+c.meta.Name))
		}
		sort.Strings(s)
		return strings.Join(s, "; ")
	}
	switch len(byPrefix) {
	case 1:
		return byPrefix[0], nil
	case 0:
		h := "the data root holds no containers"
		if len(cs) > 0 {
			h = "the data root holds: " + list(cs)
		}
		return nil, &hinted{err: fmt.Errorf("%w: no container has the ID or name %q", ErrNoMatch, want), hint: h}
	}
	return nil, &hinted{err: fmt.Errorf("%w: %d containers' IDs start with %q", ErrAmbiguous, len(byPrefix), want), hint: "give more of the ID: " + list(byPrefix)}
}

// Containers lists the containers of the engine data root dir, each with its writable
// layer's size, sorted by creation time (newest first), as `docker ps -a` orders them.
// Errors are *Error.
func Containers(ctx context.Context, dir string, opts Options) ([]image.Container, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	r, _, err := detectRoot(ctx, dir, opts)
	if err != nil {
		return nil, locate(dir, err)
	}
	if r == nil {
		return nil, locate(dir, notARoot(dir))
	}
	defer r.close()
	cs, err := r.containers()
	if err != nil {
		return nil, locate(dir, err)
	}
	out := make([]image.Container, 0, len(cs))
	for _, c := range cs {
		m := c.meta
		if m.SizeRw, err = c.size(); err != nil {
			return nil, locate(dir, fmt.Errorf("container %s: %w", shortID(m.ID), err))
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created.Time) {
			return out[i].Created.After(out[j].Created.Time)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func notARoot(dir string) error {
	return fmt.Errorf("%w: %s is not an engine's data root (Docker: image/<driver>/; containers/storage: <driver>-images/ or <driver>-layers/; containerd: io.containerd.metadata.v1.bolt/)", ErrUnknownFormat, dir)
}

// parseTime reads an RFC 3339 time, zero when absent or malformed.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// chainIDs computes the layer chain IDs of diff_ids (the image spec's ChainID): how Docker's
// layerdb, containers/storage and containerd's snapshots name a stack of layers.
func chainIDs(diffIDs []string) []string {
	out := make([]string, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = digestOf([]byte(out[i-1] + " " + d))
	}
	return out
}

// rootCloser closes an engine root (the image's Closer).
type rootCloser struct{ r engineRoot }

func (c rootCloser) Close() error { return c.r.close() }
