package packages

import (
	"path"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// mem is one entry of an in-memory layer for unit tests: its content is held as a
// streamed input keeps it (Layer.Kept), so every read goes through the content access.
type mem struct {
	path, content, link string
	typ                 image.Type
	wh                  image.Whiteout
	mode                uint32
	size                int64 // a file's size when it has no content given (not readable)
}

func f(p, content string) mem  { return mem{path: p, content: content, mode: 0o644} }
func fx(p, content string) mem { return mem{path: p, content: content, mode: 0o755} }
func big(p string, n int64) mem {
	return mem{path: p, size: n, mode: 0o644}
}
func dir(p string) mem        { return mem{path: p, typ: image.TypeDir, mode: 0o755} }
func sym(p, to string) mem    { return mem{path: p, link: to, typ: image.TypeSymlink, mode: 0o777} }
func hard(p, to string) mem   { return mem{path: p, link: to, typ: image.TypeHardlink, mode: 0o644} }
func whiteout(p string) mem   { return mem{path: p, wh: image.WhiteoutDelete} }
func opaqueDir(p string) mem  { return mem{path: p, wh: image.WhiteoutOpaque} }
func layerBy(s string) string { return "RUN " + s }

// memImage builds an image of the given layers; layer i is made by "RUN layer i".
func memImage(layers ...[]mem) *image.Image {
	img := &image.Image{Source: image.Source{Path: "mem.tar", Format: image.FormatDockerArchive}, ID: "sha256:mem"}
	for i, l := range layers {
		il := &image.Layer{Index: i, DiffID: "sha256:layer" + string(rune('0'+i)), Kept: map[int64][]byte{},
			History: &v1.History{CreatedBy: layerBy("layer " + string(rune('0'+i)))}}
		off := int64(512)
		for _, m := range l {
			e := image.Entry{Path: path.Clean("/" + m.path), Type: m.typ, Whiteout: m.wh, Mode: m.mode, Offset: off}
			switch {
			case m.typ == image.TypeSymlink || m.typ == image.TypeHardlink:
				e.SetLink(m.link)
				if m.typ == image.TypeHardlink {
					e.SetLink(path.Clean("/" + m.link))
				}
			case m.wh != image.NotWhiteout:
			case m.typ == image.TypeFile && m.size > 0:
				e.Size = m.size
			case m.typ == image.TypeFile:
				e.Size = int64(len(m.content))
				il.Kept[off] = []byte(m.content)
			}
			off += 512 + (e.Size+511)/512*512
			il.Entries = append(il.Entries, e)
		}
		img.Layers = append(img.Layers, il)
	}
	return img
}

func ofMem(t *testing.T, layers ...[]mem) *Report {
	t.Helper()
	img := memImage(layers...)
	r, err := Of(img, fstree.Merge(img.Layers), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// find returns the final package of an ecosystem called name (nil when absent).
func find(r *Report, eco Ecosystem, name string) *Package {
	for i := range r.Packages {
		if r.Packages[i].Ecosystem == eco && r.Packages[i].Name == name {
			return &r.Packages[i]
		}
	}
	return nil
}

// stanza writes a dpkg status stanza.
func stanza(name, ver, arch string, extra ...string) string {
	s := "Package: " + name + "\nStatus: install ok installed\nVersion: " + ver + "\nArchitecture: " + arch + "\n"
	for _, e := range extra {
		s += e + "\n"
	}
	return s + "\n"
}

func lines(ps ...string) string { return strings.Join(ps, "\n") + "\n" }

func mergeOf(img *image.Image) *fstree.FS { return fstree.Merge(img.Layers) }
