package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/strata-dev/strata/internal/load"
)

// The tests in this file compare strata with what the owning engine made of the archives in
// testdata/quirks (written by internal/testgen, the engines' answers recorded beside them by
// testdata/quirks/make-fixtures.sh): docker load for docker saves, containerd for OCI layouts.

func quirk(name string) string { return filepath.Join("testdata", "quirks", name) }

// quirkPaths are the ways the same archive reaches strata: the file, stdin, gzip'd whole as a
// file and on stdin; with flags, and (bare) without them too.
type quirkPath struct {
	name  string
	args  []string
	stdin []byte
}

func quirkPaths(t *testing.T, file string, bare bool, flags ...string) []quirkPath {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	gzFile := filepath.Join(t.TempDir(), filepath.Base(file)+".gz")
	if err := os.WriteFile(gzFile, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out []quirkPath
	variants := [][]string{flags}
	if bare && len(flags) > 0 {
		variants = append(variants, nil)
	}
	for _, f := range variants {
		out = append(out,
			quirkPath{"file", append(append([]string{}, f...), file), nil},
			quirkPath{"stdin", append(append([]string{}, f...), "-"), raw},
			quirkPath{"gzip file", append(append([]string{}, f...), gzFile), nil},
			quirkPath{"gzip stdin", append(append([]string{}, f...), "-"), gz.Bytes()},
		)
	}
	return out
}

// strataRun runs strata and returns stdout and stderr.
func strataRun(t *testing.T, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// Docker 25.0.0 listed the layers of its OCI manifests out of order (moby#47150); docker load
// reads manifest.json. strata reads such an archive as docker load does, on every path, and
// says so: the ID, diff_ids, history and files are what Docker made of it, the export of a
// container of it shows no change, and it equals Docker 20.10's own save of the loaded image.
func TestDocker2500MatchesDockerLoad(t *testing.T) {
	for _, c := range []struct{ file, stem, tag string }{
		{"docker2500.tar", "order-1", "h17-order:1"},
		{"docker2500-dup.tar", "order-dup", "h17-order:dup"}, // one diff_id twice: a shorter manifest
	} {
		d := readDockerInspectFile(t, quirk(c.stem+".inspect.json"))
		hist := readDockerHistoryFile(t, quirk(c.stem+".history.jsonl"))
		for _, p := range quirkPaths(t, quirk(c.file), true, "--image", c.tag, "--platform", "linux/amd64") {
			t.Run(c.file+"/"+p.name+"/"+strings.Join(p.args[:len(p.args)-1], " "), func(t *testing.T) {
				out, stderr, err := strataRun(t, p.stdin, append([]string{"inspect", "-o", "json"}, p.args...)...)
				if err != nil {
					t.Fatalf("inspect: %v\n%s", err, stderr)
				}
				if !strings.Contains(stderr, "strata: warning: ") || !strings.Contains(stderr, "read in manifest.json's order, as docker load does") || !strings.Contains(stderr, "moby#47150") {
					t.Errorf("stderr does not warn of the disagreement:\n%s", stderr)
				}
				var got strataInspect
				decodeDocument(t, []byte(out), &got, p.args)
				var ids []string
				for _, l := range got.Layers {
					ids = append(ids, l.DiffID)
				}
				if got.ID != d.ID || !cmp.Equal(got.RepoTags, d.RepoTags) || got.Size != d.Size {
					t.Errorf("id, tags, size = %s %v %d; docker load gave %s %v %d", got.ID, got.RepoTags, got.Size, d.ID, d.RepoTags, d.Size)
				}
				if diff := cmp.Diff(d.RootFS.Layers, ids); diff != "" {
					t.Errorf("diff_ids (-docker +strata):\n%s", diff)
				}
				var h []strataHistory
				hout, _, err := strataRun(t, p.stdin, append([]string{"history", "-o", "json"}, p.args...)...)
				if err != nil {
					t.Fatal(err)
				}
				decodeDocument(t, []byte(hout), &h, p.args)
				for i := range h {
					h[i].Created = h[i].Created.Truncate(time.Second)
				}
				if diff := cmp.Diff(hist, h); diff != "" {
					t.Errorf("history (-docker +strata):\n%s", diff)
				}
			})
		}
		// The export of a container Docker created from the loaded image: not one change.
		t.Run(c.file+"/export", func(t *testing.T) {
			var got strataDiff
			strataJSON(t, &got, nil, "diff", quirk(c.file), quirk(c.stem+".export.tar"))
			if len(got.Changes) != 0 || got.Mode != "export" {
				t.Errorf("diff with the export of a container of the loaded image: mode %s, changes %+v", got.Mode, got.Changes)
			}
		})
	}
	// The same image as Docker 20.10 saved it after loading it: no difference at all.
	if _, stderr, err := strataRun(t, nil, "diff", quirk("docker2500.tar"), quirk("order-1.docker-save.tar")); err != nil {
		t.Errorf("diff docker2500.tar order-1.docker-save.tar: %v\n%s", err, stderr)
	}
}

// go-containerregistry's tarball reader, a second reader that follows manifest.json as docker
// load does, sees the same layers and the same merged files as strata.
func TestDocker2500MatchesGGCRTarball(t *testing.T) {
	img, err := tarball.ImageFromPath(quirk("docker2500.tar"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, h := range cfg.RootFS.DiffIDs {
		want = append(want, h.String())
	}
	var got strataInspect
	strataJSON(t, &got, nil, "inspect", quirk("docker2500.tar"))
	var ids []string
	for _, l := range got.Layers {
		ids = append(ids, l.DiffID)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("diff_ids (-ggcr +strata):\n%s", diff)
	}
	paths := tarPaths(t, mutate.Extract(img))
	var files []filesRow
	strataJSON(t, &files, nil, "files", quirk("docker2500.tar"))
	var mine []string
	for _, f := range files {
		mine = append(mine, f.Path)
	}
	if diff := cmp.Diff(paths, mine); diff != "" {
		t.Errorf("merged paths (-ggcr mutate.Extract +strata):\n%s", diff)
	}
}

// Reading the index alone (no manifest.json to follow), a manifest whose uncompressed layers
// are not the config's diff_ids in order is refused, naming the layer: the pairing is free to
// check, and containerd refuses such an image too ("wrong diff id calculated on extraction").
func TestOutOfOrderOCIManifestRefused(t *testing.T) {
	dir := t.TempDir()
	extractTar(t, quirk("docker2500.tar"), dir)
	if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"inspect", dir}, {"inspect", "--no-files", dir}} {
		_, _, err := strataRun(t, nil, args...)
		if !errors.Is(err, load.ErrCorrupt) || !strings.Contains(err.Error(), "the manifest lists the layers out of the config's order") {
			t.Errorf("strata %v: err = %v, want a refusal saying the layers are out of order", args, err)
		}
	}
}

// A pre-1.10 docker save is read as docker load reads it: the chain of v1 layers, the config
// docker load makes (so the same image ID), history from each layer's json, tags from
// repositories. A docker save that lost its manifest.json is such an archive too.
func TestDockerV1MatchesDockerLoad(t *testing.T) {
	for _, c := range []struct{ file, stem, tag string }{
		{"docker19.tar", "old-1", "h17-old:1"},
		{"docker19.tar", "old-base", "h17-old:base"}, // its json has no docker_version (Docker ≤ 1.8.2)
		{"v1-no-manifest.tar", "v1-1", "h17-v1:1"},
	} {
		d := readDockerInspectFile(t, quirk(c.stem+".inspect.json"))
		hist := readDockerHistoryFile(t, quirk(c.stem+".history.jsonl"))
		for _, p := range quirkPaths(t, quirk(c.file), c.file != "docker19.tar", "--image", c.tag) {
			if p.name == "stdin" || p.name == "gzip stdin" {
				continue // refused: see TestDockerV1FromStdinRefused
			}
			t.Run(c.stem+"/"+p.name, func(t *testing.T) {
				var got strataInspect
				strataJSON(t, &got, p.stdin, append([]string{"inspect"}, p.args...)...)
				var ids []string
				for _, l := range got.Layers {
					ids = append(ids, l.DiffID)
				}
				if got.ID != d.ID || !cmp.Equal(got.RepoTags, d.RepoTags) || got.Size != d.Size || !got.Created.Equal(d.Created) {
					t.Errorf("id, tags, size, created = %s %v %d %v; docker load gave %s %v %d %v", got.ID, got.RepoTags, got.Size, got.Created, d.ID, d.RepoTags, d.Size, d.Created)
				}
				if got.Source.Format != "docker-archive-v1" {
					t.Errorf("format = %s, want docker-archive-v1", got.Source.Format)
				}
				if diff := cmp.Diff(d.RootFS.Layers, ids); diff != "" {
					t.Errorf("diff_ids (-docker +strata):\n%s", diff)
				}
				if diff := cmp.Diff(orEmpty(d.Config.Env), got.Config.Env); diff != "" {
					t.Errorf("env (-docker +strata):\n%s", diff)
				}
				var h []strataHistory
				strataJSON(t, &h, p.stdin, append([]string{"history"}, p.args...)...)
				for i := range h {
					h[i].Created = h[i].Created.Truncate(time.Second)
				}
				if diff := cmp.Diff(hist, h); diff != "" {
					t.Errorf("history (-docker +strata):\n%s", diff)
				}
			})
		}
		t.Run(c.stem+"/export", func(t *testing.T) {
			var got strataDiff
			strataJSON(t, &got, nil, "diff", "--image", c.tag, quirk(c.file), quirk(c.stem+".export.tar"))
			if len(got.Changes) != 0 || got.Mode != "export" {
				t.Errorf("diff with the export of a container of the loaded image: mode %s, changes %+v", got.Mode, got.Changes)
			}
		})
	}
	// Picked by the image ID docker load gives (which needs the layers hashed).
	var got strataInspect
	strataJSON(t, &got, nil, "inspect", "--image", "8f344ab831c5", quirk("docker19.tar"))
	if want := readDockerInspectFile(t, quirk("old-base.inspect.json")).ID; got.ID != want {
		t.Errorf("--image by ID prefix: id %s, want %s", got.ID, want)
	}
}

// A pre-1.10 save on a stream that cannot be read again is refused, naming the format: its
// diff_ids are the layers' sha256, computed after the fact only by reading them again.
func TestDockerV1FromStdinRefused(t *testing.T) {
	raw, err := os.ReadFile(quirk("docker19.tar"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = strataRun(t, raw, "inspect", "--image", "h17-old:1", "-")
	if !errors.Is(err, load.ErrUnknownFormat) || !strings.Contains(err.Error(), "pre-1.10 docker save") {
		t.Errorf("err = %v, want a refusal naming the pre-1.10 format", err)
	}
}

// A tarball whose members belong to an image archive is never read as a root filesystem:
// a docker save without manifest.json and repositories, an OCI layout without index.json,
// a podman archive without manifest.json.
func TestPartialImageArchiveNotRootfs(t *testing.T) {
	for _, c := range []struct {
		file string
		drop []string
		says string
	}{
		{"docker19.tar", []string{"repositories"}, "without its repositories file"},
		{"docker2500.tar", []string{"index.json", "manifest.json"}, "oci-layout"},
		{"docker2500.tar", []string{"index.json", "manifest.json", "oci-layout", "repositories"}, "an OCI image layout's blob"},
		{"v1-no-manifest.tar", []string{"repositories"}, "without its repositories file"},
	} {
		t.Run(c.file+" without "+strings.Join(c.drop, ", "), func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in.tar")
			copyTarWithout(t, quirk(c.file), in, c.drop...)
			for _, args := range [][]string{{"inspect", in}, {"inspect", "--verify", in}, {"files", in}} {
				out, _, err := strataRun(t, nil, args...)
				if err == nil || !strings.Contains(err.Error(), c.says) || out != "" {
					t.Errorf("strata %v: err = %v (stdout %d bytes), want a refusal saying %q", args[:len(args)-1], err, len(out), c.says)
				}
			}
		})
	}
}

// tarPaths lists the paths of a tar stream, absolute and cleaned, sorted, without "/".
func tarPaths(t *testing.T, rc io.ReadCloser) []string {
	t.Helper()
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := path.Clean("/" + h.Name); p != "/" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// extractTar writes the regular files and directories of a tar file into dir.
func extractTar(t *testing.T, file, dir string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+h.Name)))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				var b []byte
				if b, err = io.ReadAll(tr); err == nil {
					err = os.WriteFile(p, b, 0o644)
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// copyTarWithout copies the tar file src to dst without the members named drop.
func copyTarWithout(t *testing.T, src, dst string, drop ...string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(drop, h.Name) {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
