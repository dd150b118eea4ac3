package analysis

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
)

func fixture(name string) string { return filepath.Join("..", "..", "testdata", name) }

func open(t *testing.T, name string, o Options) *Image {
	t.Helper()
	img, err := Open(context.Background(), fixture(name), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

// TestMergedOnce: every analysis of an image reads the one merge: asking each of them,
// twice, and browsing merges once.
func TestMergedOnce(t *testing.T) {
	before := merges.Load()
	img := open(t, "docker/kitchen.tar", Options{Needs: Inspect | History | Index | Files | Lock})
	for range 2 {
		if _, _, _, err := img.Browse(); err != nil {
			t.Fatal(err)
		}
		if _, err := img.Inspect(); err != nil {
			t.Fatal(err)
		}
		if _, err := img.Files(); err != nil {
			t.Fatal(err)
		}
		if _, err := img.Lock(); err != nil {
			t.Fatal(err)
		}
	}
	if n := merges.Load() - before; n != 1 {
		t.Errorf("%d merges, want 1", n)
	}
	r1, _ := img.Inspect()
	r2, _, _, _ := img.Browse()
	if r1 != r2 {
		t.Error("Inspect computed twice: two reports")
	}
}

// TestCompareReusesTrees: a comparison reads both images' own merges (one each, shared
// with their other analyses), and its index comes from the same diff.
func TestCompareReusesTrees(t *testing.T) {
	before := merges.Load()
	old := open(t, "docker/small.tar", Options{Needs: Diff})
	new := open(t, "docker/small2.tar", Options{Needs: Diff | Inspect | History})
	p := Compare(old, new, diff.Options{Expand: true})
	r, err := p.Diff()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := new.Inspect(); err != nil {
		t.Fatal(err)
	}
	x, err := p.Index()
	if err != nil {
		t.Fatal(err)
	}
	if n := merges.Load() - before; n != 2 {
		t.Errorf("%d merges, want 2 (one per image)", n)
	}
	if again, _ := p.Diff(); again != r {
		t.Error("Diff computed twice")
	}
	if len(x.Changes(1)) != len(r.Changes) {
		t.Errorf("the index marks %d paths, diff lists %d", len(x.Changes(1)), len(r.Changes))
	}
	if _, err := Compare(old, new, diff.Options{}).Index(); err == nil {
		t.Error("a folded diff gave an index")
	}
}

// TestContentHash: what a streamed input's files are hashed with follows the declared
// needs, as each command had it: sha256 for a diff side or a lock (inspect reuses it),
// the files listing's algorithm, inspect's fast one, none for a read that skips layers.
func TestContentHash(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Needs: Inspect | RootfsDigest}, inspect.EqualityHash},
		{Options{Needs: Inspect | Index | History}, inspect.EqualityHash},
		{Options{Needs: Inspect | Check}, inspect.EqualityHash},
		{Options{Needs: Inspect | Check | Lock}, "sha256"},
		{Options{Needs: Inspect | Index | History | Diff}, "sha256"},
		{Options{Needs: Diff | RootfsDigest}, "sha256"},
		{Options{Needs: Lock}, "sha256"},
		{Options{Needs: Files, FileHash: "md5"}, "md5"},
		{Options{Needs: Files}, ""},
		{Options{Needs: History, Layers: load.SkipRemoteLayers}, ""},
		{Options{Needs: Inspect, Layers: load.SkipLayers}, ""},
		{Options{Needs: Content}, ""},
	} {
		if got := c.o.loadOptions().HashFiles; got != c.want {
			t.Errorf("needs %b: hash %q, want %q", c.o.Needs, got, c.want)
		}
	}
	if (Options{Needs: Inspect}).loadOptions().RootfsDigest || !(Options{Needs: Diff | RootfsDigest}).loadOptions().RootfsDigest {
		t.Error("RootfsDigest is not what was declared")
	}
}

// TestOpenAsOfLayer: reading by path as of a layer (cat) and through the index (the
// explorer's viewer) give the same bytes and the same errors; the merge of a lower layer
// is made once.
func TestOpenAsOfLayer(t *testing.T) {
	cat := open(t, "docker/kitchen.tar", Options{Needs: Content})
	viewer := open(t, "docker/kitchen.tar", Options{Needs: Index})
	read := func(img *Image, p string, layer int) string {
		rc, err := img.Open(p, layer)
		if err != nil {
			return "error: " + err.Error()
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(b)
	}
	last := len(cat.Image().Layers) - 1
	for _, c := range []struct {
		path  string
		layer int
		want  string
	}{
		{"/opt/app/hello.txt", last, ""},
		{"/root/.ssh/id_rsa", last, "error: /root/.ssh/id_rsa: removed by layer 15 (--layer 14 shows the version before)"},
		{"/root/.ssh/id_rsa", 3, "error: /root/.ssh/id_rsa: no such file as of layer 3"},
		{"/root/.ssh/id_rsa", 14, ""},
		{"/opt/app/current", 12, ""},
		{"/opt/app", last, "error: /opt/app: is a directory as of layer 16"},
	} {
		got, viewed := read(cat, c.path, c.layer), read(viewer, c.path, c.layer)
		if c.want != "" && got != c.want {
			t.Errorf("cat %s as of %d: %q, want %q", c.path, c.layer, got, c.want)
		}
		if strings.HasPrefix(got, "error") && c.want == "" {
			t.Errorf("cat %s as of %d: %s", c.path, c.layer, got)
		}
		if diff := cmp.Diff(viewed, got); diff != "" {
			t.Errorf("%s as of %d: cat and the viewer differ (-viewer +cat):\n%s", c.path, c.layer, diff)
		}
	}
	before := merges.Load()
	read(cat, "/opt/app/hello.txt", 4)
	read(cat, "/opt/app/hello.txt", 4)
	if n := merges.Load() - before; n != 1 {
		t.Errorf("%d merges for two reads as of layer 4, want 1", n)
	}
}

// TestIndexNotDeclared: asking for the index of an image opened without it is an error,
// not a second merge.
func TestIndexNotDeclared(t *testing.T) {
	img := open(t, "docker/small.tar", Options{Needs: Inspect})
	if _, err := img.Index(); err == nil {
		t.Fatal("an index without Index declared")
	}
}

// TestStreamedContent: a file of an input read from standard input cannot be read again;
// the error says so.
func TestStreamedContent(t *testing.T) {
	f, err := os.Open(fixture("docker/kitchen.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := Open(context.Background(), load.Stdin, f, Options{Needs: Content})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	_, err = img.Open("/opt/app/hello.txt", len(img.Image().Layers)-1)
	if err == nil || !strings.Contains(err.Error(), "content not available: the input was streamed") {
		t.Errorf("reading a streamed file: %v", err)
	}
	var le *fstree.LookupError
	if _, err := img.Open("/nope", 0); !errors.As(err, &le) || le.Err != fstree.ErrNotFound {
		t.Errorf("a missing path: %v", err)
	}
}

// TestList: the images of a multi-image archive, what --image picks from.
func TestList(t *testing.T) {
	r, _, err := List(context.Background(), fixture("synth/multi.tar"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Images) < 2 {
		t.Errorf("%d images, want several", len(r.Images))
	}
}
