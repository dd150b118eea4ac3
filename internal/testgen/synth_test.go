package testgen

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const synthDir = "../../testdata/synth"

// The committed fixtures are exactly what the generator writes today.
func TestSynthFixturesCurrent(t *testing.T) {
	for _, f := range SynthFiles() {
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		have, err := os.ReadFile(filepath.Join(synthDir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, b.Bytes()) {
			t.Errorf("testdata/synth/%s is stale: rerun go run ./internal/testgen/cmd/gensynth -out testdata/synth", f.Name)
		}
		if len(have) > 200<<10 {
			t.Errorf("%s is %d bytes, over the 200 KB budget", f.Name, len(have))
		}
	}
	plain, err := os.ReadFile(filepath.Join(synthDir, "whiteouts.tar"))
	if err != nil {
		t.Fatal(err)
	}
	bz, err := os.Open(filepath.Join(synthDir, "whiteouts.tar.bz2"))
	if err != nil {
		t.Fatal(err)
	}
	defer bz.Close()
	un, err := io.ReadAll(bzip2.NewReader(bz))
	if err != nil || !bytes.Equal(un, plain) {
		t.Errorf("whiteouts.tar.bz2 does not decompress to whiteouts.tar (err %v)", err)
	}

	dir := t.TempDir()
	if err := WriteOCILayout(dir, Small("amd64")); err != nil {
		t.Fatal(err)
	}
	want, got := dirFiles(t, dir), dirFiles(t, filepath.Join(synthDir, "oci-layout"))
	if len(want) != len(got) {
		t.Errorf("oci-layout has %d files, generator writes %d", len(got), len(want))
	}
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("testdata/synth/oci-layout/%s is stale or missing", name)
		}
	}
}

func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type expectedFile struct {
	Path  string `json:"path"`
	Type  string `json:"type"`
	Size  int64  `json:"size"`
	Mode  string `json:"mode"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Link  string `json:"link"`
	Layer int    `json:"layer"`
}

type expectedHidden struct {
	Path          string `json:"path"`
	Layer         int    `json:"layer"`
	Size          int64  `json:"size"`
	HiddenByLayer int    `json:"hidden_by_layer"`
	Reason        string `json:"reason"`
}

// rawAttrs renders a layer entry in the expected-JSON conventions. It does not merge
// anything: it only lets the test check that each hand-written row describes an entry that
// really is in the layer it names (catching typos in sizes, modes and owners).
func rawAttrs(e Entry) (p string, f expectedFile) {
	h, err := e.header()
	if err != nil {
		panic(err)
	}
	p = path.Clean("/" + h.Name)
	typ := map[byte]string{tar.TypeReg: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink", tar.TypeLink: "hardlink", tar.TypeChar: "char", tar.TypeBlock: "block", tar.TypeFifo: "fifo"}[h.Typeflag]
	link := h.Linkname
	if h.Typeflag == tar.TypeLink {
		link = path.Clean("/" + link)
	}
	return p, expectedFile{Path: p, Type: typ, Size: h.Size, Mode: fmt.Sprintf("%04o", h.Mode&0o7777), UID: h.Uid, GID: h.Gid, Link: link}
}

func TestExpectedJSONConsistency(t *testing.T) {
	for _, c := range []struct {
		prefix string
		layers []Layer
	}{{"whiteouts", WhiteoutsLayers()}, {"small", SmallLayers("amd64")}} {
		var files []expectedFile
		var hidden []expectedHidden
		readJSON(t, filepath.Join(synthDir, c.prefix+".expected.json"), &files)
		readJSON(t, filepath.Join(synthDir, c.prefix+".hidden.expected.json"), &hidden)
		if !sort.SliceIsSorted(files, func(i, j int) bool { return files[i].Path < files[j].Path }) {
			t.Errorf("%s.expected.json is not sorted by path", c.prefix)
		}
		inLayer := func(layer int, p string) []expectedFile {
			var out []expectedFile
			for _, e := range c.layers[layer].Entries {
				if rp, f := rawAttrs(e); rp == p {
					out = append(out, f)
				}
			}
			return out
		}
		for _, f := range files {
			if f.Layer < 0 || f.Layer >= len(c.layers) {
				t.Errorf("%s: %s: layer %d out of range", c.prefix, f.Path, f.Layer)
				continue
			}
			cands := inLayer(f.Layer, f.Path)
			if len(cands) == 0 {
				t.Errorf("%s: %s: no entry in layer %d", c.prefix, f.Path, f.Layer)
				continue
			}
			last := cands[len(cands)-1] // duplicates: the last one wins
			last.Layer = f.Layer
			if last.Type == "hardlink" {
				// A hardlink's row has its target's size (a regular file at the link's path
				// in this or a lower layer); its entry stores none.
				found := false
				for l := f.Layer; l >= 0 && !found; l-- {
					for _, t := range inLayer(l, f.Link) {
						found = found || (t.Type == "file" && t.Size == f.Size)
					}
				}
				if !found {
					t.Errorf("%s: %s: size %d is no regular file's at %s in layers 0 to %d", c.prefix, f.Path, f.Size, f.Link, f.Layer)
				}
				last.Size = f.Size
			}
			if last != f {
				t.Errorf("%s: expected row %+v, layer %d's entry is %+v", c.prefix, f, f.Layer, last)
			}
		}
		for _, h := range hidden {
			found := false
			for _, f := range inLayer(h.Layer, h.Path) {
				found = found || (f.Type == "file" && f.Size == h.Size)
			}
			if !found {
				t.Errorf("%s: hidden row %+v: no such regular file in layer %d", c.prefix, h, h.Layer)
			}
			if h.HiddenByLayer < h.Layer || h.HiddenByLayer >= len(c.layers) {
				t.Errorf("%s: hidden row %+v: hidden_by_layer out of range", c.prefix, h)
			}
			switch h.Reason {
			case "overwritten", "deleted", "opaque", "replaced":
			default:
				t.Errorf("%s: hidden row %+v: bad reason", c.prefix, h)
			}
			for _, f := range files {
				if f.Path == h.Path && f.Layer == h.Layer && h.HiddenByLayer != h.Layer {
					t.Errorf("%s: %s layer %d is both visible and hidden", c.prefix, h.Path, h.Layer)
				}
			}
		}
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	p, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(p, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestGGCRReads has go-containerregistry (built from the nested ggcrcheck module) read and
// validate every format testgen writes, as an independent reader.
func TestGGCRReads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ggcrcheck module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	checker := filepath.Join(dir, "ggcrcheck")
	build := exec.Command(goBin, "build", "-o", checker, ".")
	build.Dir = "ggcrcheck"
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ggcrcheck: %v\n%s", err, out)
	}
	run := func(args ...string) []map[string]any {
		t.Helper()
		out, err := exec.Command(checker, args...).Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				t.Fatalf("ggcrcheck %v: %v\n%s", args, err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var res []map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("ggcrcheck %v: %v", args, err)
		}
		return res
	}
	write := func(name string, fn func(io.Writer) error) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	untar := func(p string) string {
		t.Helper()
		out := strings.TrimSuffix(p, ".tar") + ".d"
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(out, filepath.FromSlash(h.Name))
			if h.Typeflag == tar.TypeDir {
				if err := os.MkdirAll(dst, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(tr)
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	small := Small("amd64")
	wantDiffs := func(res map[string]any, img Image) {
		t.Helper()
		var want []any
		for _, l := range img.Layers {
			info, err := WriteLayer(io.Discard, l.Entries, None)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, info.DiffID.String())
		}
		got, _ := res["diff_ids"].([]any)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ggcr diff_ids %v, want %v", got, want)
		}
	}

	res := run("-lenient", "docker", write("whiteouts.tar", func(w io.Writer) error { return WriteDockerArchive(w, Whiteouts()) }))
	wantDiffs(res[0], Whiteouts())
	for _, c := range []struct {
		name string
		fn   func(io.Writer, ...Image) error
	}{{"docker25.tar", WriteDocker25Archive}, {"skopeo.tar", WriteSkopeoDockerArchive}, {"legacy.tar", WriteDockerArchive}} {
		res := run("docker", write(c.name, func(w io.Writer) error { return c.fn(w, small) }))
		wantDiffs(res[0], small)
		if res[0]["platform"] != "linux/amd64" || res[0]["history"] != float64(10) {
			t.Errorf("%s: %v", c.name, res[0])
		}
	}
	multi := write("multi.tar", func(w io.Writer) error { return WriteDockerArchive(w, MultiImages()...) })
	wantDiffs(run("docker", multi, "base:1")[0], MultiImages()[0])
	wantDiffs(run("docker", multi, "app:1")[0], small)

	oci := run("layout", untar(write("oci.tar", func(w io.Writer) error { return WriteOCIArchive(w, small) })))
	if len(oci) != 2 {
		t.Errorf("oci-archive: %d images", len(oci))
	}
	layoutDir := filepath.Join(dir, "layout")
	if err := WriteOCILayout(layoutDir, small, Small("arm64")); err != nil {
		t.Fatal(err)
	}
	lay := run("layout", layoutDir)
	if len(lay) != 4 || lay[2]["platform"] != "linux/arm64/v8" {
		t.Errorf("layout: %v", lay)
	}
	x := SmallIndex()
	x.AbsentBlobs = append(x.AbsentBlobs, Platform("linux", "ppc64le", ""))
	cd := run("layout", untar(write("containerd.tar", func(w io.Writer) error { return WriteContainerdArchive(w, x) })))
	var kinds []string
	for _, s := range cd[:len(cd)/2] {
		switch {
		case s["absent"] == true:
			kinds = append(kinds, "absent "+fmt.Sprint(s["platform"]))
		case s["attestation"] == true:
			kinds = append(kinds, "attestation")
		default:
			kinds = append(kinds, fmt.Sprint(s["platform"]))
		}
	}
	if want := "[linux/amd64 linux/arm64/v8 absent linux/arm/v7 absent linux/ppc64le attestation attestation]"; fmt.Sprint(kinds) != want {
		t.Errorf("containerd: %v, want %s", kinds, want)
	}
	wantDiffs(cd[0], small)
}
