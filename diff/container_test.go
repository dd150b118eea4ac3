package diff

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/image"
)

// A compact way to write a layer: "path kind [mode] [mtime-seconds]" per entry, kind one of
// d (directory), f (file of the given size after '='), l (symlink, target after '>'),
// w (whiteout), o (opaque directory: the directory and its marker), h (hardlink '>' target).
func layer(spec ...string) *image.Layer {
	l := &image.Layer{}
	for _, s := range spec {
		f := strings.Fields(s)
		p, kind := f[0], f[1]
		e := image.Entry{Path: p, Mode: 0o755, MTime: 1e9 * 1700000000}
		for _, x := range f[2:] {
			switch {
			case strings.HasPrefix(x, "m"):
				var m uint32
				for _, c := range x[1:] {
					m = m*8 + uint32(c-'0')
				}
				e.Mode = m
			case strings.HasPrefix(x, "t"):
				var t int64
				for _, c := range x[1:] {
					t = t*10 + int64(c-'0')
				}
				e.MTime = t
			case strings.HasPrefix(x, "u"):
				e.UID = int(x[1] - '0')
			}
		}
		switch {
		case kind == "d":
			e.Type = image.TypeDir
		case strings.HasPrefix(kind, "f"):
			e.Type, e.Mode = image.TypeFile, e.Mode&^0o111
			body := strings.TrimPrefix(kind, "f=")
			e.Size = int64(len(body))
			e.SetDigest("sha256:" + body) // content, as a digest computed while loading
		case strings.HasPrefix(kind, "l>"):
			e.Type = image.TypeSymlink
			e.SetLink(kind[2:])
		case strings.HasPrefix(kind, "h>"):
			e.Type = image.TypeHardlink
			e.SetLink(kind[2:])
		case kind == "w":
			e.Type, e.Whiteout = image.TypeFile, image.WhiteoutDelete
		case kind == "o":
			e.Type = image.TypeDir
			l.Entries = append(l.Entries, e)
			e.Whiteout = image.WhiteoutOpaque
		}
		l.Entries = append(l.Entries, e)
	}
	return l
}

func container(engine string, rule image.ChangeRule, init bool, layers ...*image.Layer) *image.Image {
	img := &image.Image{Layers: layers}
	n := len(layers) - 1
	if init {
		n--
	}
	img.Container = &image.Container{ID: "c", Engine: engine, Changes: rule, ImageLayers: n, InitLayer: init}
	for i, l := range layers {
		l.Index = i
	}
	return img
}

func klines(t *testing.T, img *image.Image) ([]string, *Result) {
	t.Helper()
	r, err := Container(img, prefixes(img), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range r.Changes {
		out = append(out, c.Kind+" "+c.Path)
	}
	sort.Strings(out)
	return out, r
}

var base = layer("/etc d", "/etc/passwd f=root", "/srv d", "/srv/data d", "/srv/data/a f=a", "/srv/data/sub d",
	"/srv/data/sub/c f=c", "/srv/old d", "/srv/old/x f=x", "/srv/keep d")

// TestNaive: moby's ChangesDirs, Docker's diff for every driver: the init layer's paths are
// no changes of the container's, parents of a change are C, a deleted tree is one D, an added
// one is listed path by path, directories compare by mode and owner only.
func TestNaive(t *testing.T) {
	init := layer("/etc d t1800000000", "/etc/hosts f=", "/.dockerenv f=")
	rw := layer("/etc d t1800000001", "/etc/passwd f=root t1800000001", "/srv d", "/srv/old w", "/srv/data d",
		"/srv/data/a f=a m600", "/srv/new d", "/srv/new/x d", "/srv/new/x/y f=y", "/srv/keep d u1")
	got, r := klines(t, container(EngineDocker, image.ChangesNaive, true, base, init, rw))
	want := []string{"A /srv/new", "A /srv/new/x", "A /srv/new/x/y", "C /etc", "C /etc/passwd", "C /srv", "C /srv/data",
		"C /srv/data/a", "C /srv/keep", "D /srv/old"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// /etc is the image's: the init layer only holds /etc/hosts in it.
	if d := cmp.Diff([]string{"/.dockerenv", "/etc/hosts"}, r.Runtime); d != "" || r.RuntimeBy != EngineDocker {
		t.Errorf("runtime %s (-want +got):\n%s", r.RuntimeBy, d)
	}
	for _, c := range r.Changes {
		if c.Path == "/srv/old" && (c.Entries != 2 || c.SizeDelta != -1 || !cmp.Equal(c.Paths, []string{"/srv/old/x"})) {
			t.Errorf("D /srv/old stands for its tree: entries %d, size %d, paths %q", c.Entries, c.SizeDelta, c.Paths)
		}
	}
	if r.Flattened == nil || r.Flattened.ImportDiffID != "" || len(r.Flattened.Layers) != 1 {
		t.Errorf("flattened: %+v", r.Flattened)
	}
}

// TestOverlayRule: containers/storage's OverlayChanges (podman on overlay): an opaque
// directory over a lower one is D, its children then C or A by the lower layers; a directory
// copied up unchanged (same mode and mtime) is no change, even with a new owner; every
// missing ancestor of an A or D is C; a lower whiteout makes a path A; a path below a lower
// file (where podman 4.3 stops with ENOTDIR) and a lower absolute symlink count as absent.
func TestOverlayRule(t *testing.T) {
	lower2 := layer("/srv/data/sub/c w", "/app d", "/app/link l>/etc/passwd")
	rw := layer("/srv d t1800000000", "/srv/data o t1800000000", "/srv/data/a f=new", "/srv/data/z f=z",
		"/srv/keep d u1", "/srv/data/sub/c f=back", "/srv/x d", "/srv/x/deep d", "/srv/x/deep/f w",
		"/etc d t1800000000", "/etc/passwd o", "/etc/passwd/in f=in", "/app d", "/app/link f=now-a-file",
		"/run d", "/run/.containerenv f=")
	got, r := klines(t, container(EnginePodman, image.ChangesOverlay, false, base, lower2, rw))
	// /app: unchanged, yet C as the parent of an A; /srv/data/sub: not in the upper, C the same way.
	want := []string{"A /app/link", "A /etc/passwd/in", "A /srv/data/sub/c", "A /srv/data/z", "A /srv/x",
		"A /srv/x/deep", "C /app", "C /etc", "C /srv", "C /srv/data/a", "C /srv/data/sub", "D /etc/passwd",
		"D /srv/data", "D /srv/x/deep/f"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"/run", "/run/.containerenv"}, r.Runtime); d != "" {
		t.Errorf("runtime (-want +got):\n%s", d)
	}
	for _, c := range r.Changes {
		if c.Path == "/srv/data" && (c.Kind != "D" || len(c.Reasons) != 1 || c.Reasons[0] != "opaque") {
			t.Errorf("/srv/data: %s %v, want D [opaque]", c.Kind, c.Reasons)
		}
	}
}

// TestContinuity: containerd's walking differ: files whose mtimes both lack nanoseconds are
// compared by content, every parent of a change and the other names of a changed hardlinked
// file are in the diff, a deleted directory's contents go with it.
func TestContinuity(t *testing.T) {
	rw := layer("/srv d", "/srv/data d", "/srv/data/a f=a", "/srv/data/sub d", "/srv/data/sub/c f=C",
		"/srv/old w", "/srv/hl h>/srv/data/a", "/etc d", "/etc/passwd f=root t1700000000000000001")
	// /srv/data/a: copied up for the hardlink, unchanged; /srv/data/sub/c: same size and mtime,
	// other bytes; /etc/passwd: only the mtime's nanoseconds differ.
	got, _ := klines(t, container("containerd", image.ChangesContinuity, false, base, rw))
	want := []string{"A /srv/hl", "C /etc", "C /etc/passwd", "C /srv", "C /srv/data", "C /srv/data/a",
		"C /srv/data/sub", "C /srv/data/sub/c", "D /srv/old"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestContainerOfAnImage(t *testing.T) {
	if _, err := Container(&image.Image{Layers: []*image.Layer{base}}, nil, Options{}); !errors.Is(err, ErrMismatch) {
		t.Errorf("err = %v, want ErrMismatch", err)
	}
}
