package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
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

// ctrRecord reads what a recorded ctr command printed (make-fixtures.sh's record) and its
// exit status, for the command line that starts with cmd.
func ctrRecord(t *testing.T, file, cmd string) (string, string) {
	t.Helper()
	b, err := os.ReadFile(quirk(file))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(b), "$ ctr ")[1:] {
		line, rest, _ := strings.Cut(part, "\n")
		if !strings.HasPrefix("ctr "+line, cmd) {
			continue
		}
		i := strings.LastIndex(rest, "exit ")
		return rest[:i], strings.TrimSpace(rest[i+len("exit "):])
	}
	t.Fatalf("%s records no %q", file, cmd)
	return "", ""
}

// ctrListed is the DIGEST and TYPE columns of a recorded `ctr images ls` for ref.
func ctrLs(t *testing.T, file, ns, ref string) (digest, mediaType string) {
	t.Helper()
	out, _ := ctrRecord(t, file, "ctr -n "+ns+" images ls")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == ref {
			return f[2], f[1]
		}
	}
	t.Fatalf("%s: ctr images ls lists no %s", file, ref)
	return "", ""
}

// A config edited after the save, under its old name: docker load computes the ID from the
// bytes and loads it; strata reads it so, with a warning, and --verify fails. In an OCI
// archive, containerd refuses the blob (import fails: content not found), and so does strata.
func TestConfigRenamedAsDockerLoad(t *testing.T) {
	for _, f := range []string{"config-renamed.docker", "config-renamed.docker25"} {
		d := readDockerInspectFile(t, quirk(f+".inspect.json"))
		for _, p := range quirkPaths(t, quirk(f+".tar"), false) {
			t.Run(f+"/"+p.name, func(t *testing.T) {
				out, stderr, err := strataRun(t, p.stdin, append([]string{"inspect", "-q"}, p.args...)...)
				if err != nil || strings.TrimSpace(out) != d.ID {
					t.Errorf("id %q, err %v; docker load gave %s", out, err, d.ID)
				}
				if !strings.Contains(stderr, "not the digest its name says (00d27ca08202): the image ID is the sha256, as docker load computes it") {
					t.Errorf("no warning:\n%s", stderr)
				}
				_, _, err = strataRun(t, p.stdin, append([]string{"inspect", "--verify"}, p.args...)...)
				if !errors.Is(err, load.ErrCorrupt) || !strings.Contains(err.Error(), "config digest is "+d.ID) {
					t.Errorf("--verify: err = %v, want it corrupt", err)
				}
			})
		}
	}
	if _, rc := ctrRecord(t, "config-renamed.oci.ctr.txt", "ctr -n config-renamed.oci images import"); rc != "1" {
		t.Fatalf("containerd imported the OCI archive (exit %s): the fixture no longer shows its refusal", rc)
	}
	_, _, err := strataRun(t, nil, "inspect", quirk("config-renamed.oci.tar"))
	if !errors.Is(err, load.ErrCorrupt) || !strings.Contains(err.Error(), "config digest is") {
		t.Errorf("OCI archive: err = %v, want it corrupt", err)
	}
}

// An OCI archive holding an image beside a cosign signature, SBOM and attestation referrers
// (OCI 1.1: artifactType, empty config, subject), a Helm chart and a ref name on a layer blob:
// strata images lists the image, and apart the artifacts with their type, media type and
// subject; picking an artifact says what it is; the image is picked without --image.
// containerd's `ctr images ls` of the same archive gives the digests and media types.
func TestArtifactsListedApart(t *testing.T) {
	var got struct {
		Images []struct {
			ID       string   `json:"id"`
			Digest   string   `json:"digest"`
			RepoTags []string `json:"repo_tags"`
		} `json:"images"`
		Artifacts []load.Artifact `json:"artifacts"`
	}
	out, stderr, err := strataRun(t, nil, "images", "-o", "json", quirk("artifacts.tar"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	decodeDocument(t, []byte(out), &got, nil)
	app, _ := ctrLs(t, "artifacts.ctr.txt", "artifacts", "app:1")
	if len(got.Images) != 1 || got.Images[0].Digest != app || !cmp.Equal(got.Images[0].RepoTags, []string{"app:1"}) {
		t.Fatalf("images = %+v, want app:1 only, manifest %s as ctr lists it", got.Images, app)
	}
	chart, _ := ctrLs(t, "artifacts.ctr.txt", "artifacts", "mychart:0.1.0")
	stray, strayType := ctrLs(t, "artifacts.ctr.txt", "artifacts", "stray:1")
	type row struct{ Type, MediaType, Tags, Subject string }
	var rows []row
	for _, a := range got.Artifacts {
		rows = append(rows, row{a.Type, a.MediaType, strings.Join(a.RepoTags, ","), a.Subject})
		switch {
		case strings.Contains(a.Type, "Helm") && a.Digest != chart, strings.Contains(a.Type, "blob") && a.Digest != stray:
			t.Errorf("%s digest %s; ctr lists %s / %s", a.Type, a.Digest, chart, stray)
		}
	}
	want := []row{
		{"Helm chart", "application/vnd.cncf.helm.config.v1+json", "mychart:0.1.0", ""},
		{"SBOM (SPDX)", "application/spdx+json", "", app},
		{"attestation (in-toto)", "application/vnd.in-toto+json", "", app},
		{"blob (not a manifest)", strayType, "stray:1", ""},
		{"cosign signature", "application/vnd.dev.cosign.simplesigning.v1+json", "sha256-" + strings.TrimPrefix(app, "sha256:") + ".sig", app},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("artifacts (-want +strata):\n%s", diff)
	}
	for tag, says := range map[string]string{
		"mychart:0.1.0": "not a container image: mychart:0.1.0 is a Helm chart (media type application/vnd.cncf.helm.config.v1+json)",
		"stray:1":       "not a container image: stray:1 is a blob (not a manifest) (media type application/vnd.oci.image.layer.v1.tar+gzip)",
		"sha256-" + strings.TrimPrefix(app, "sha256:") + ".sig": "is a cosign signature",
	} {
		for _, cmd := range []string{"inspect", "images", "files"} {
			_, _, err := strataRun(t, nil, cmd, "--image", tag, quirk("artifacts.tar"))
			if !errors.Is(err, load.ErrNotImage) || !strings.Contains(err.Error(), says) {
				t.Errorf("%s --image %s: err = %v, want %q", cmd, tag, err, says)
			}
		}
	}
	if out, _, err := strataRun(t, nil, "inspect", "-q", quirk("artifacts.tar")); err != nil || strings.TrimSpace(out) != got.Images[0].ID {
		t.Errorf("inspect without --image: %q, %v; want the one image", out, err)
	}

	// A layout holding only the chart: nothing to inspect, and images lists the chart alone.
	dir := t.TempDir()
	extractTar(t, quirk("artifacts.tar"), dir)
	idx, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		SchemaVersion int              `json:"schemaVersion"`
		Manifests     []map[string]any `json:"manifests"`
	}
	json.Unmarshal(idx, &index)
	var keep []map[string]any
	for _, m := range index.Manifests {
		if a, _ := m["annotations"].(map[string]any); a["org.opencontainers.image.ref.name"] == "mychart:0.1.0" {
			keep = append(keep, m)
		}
	}
	index.Manifests = keep
	idx, _ = json.Marshal(index)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = strataRun(t, nil, "images", dir)
	if err != nil || strings.Contains(out, "TAGS    IMAGE ID") || !strings.Contains(out, "Helm chart") {
		t.Errorf("images of a chart alone: %v\n%s", err, out)
	}
	if _, _, err := strataRun(t, nil, "inspect", dir); !errors.Is(err, load.ErrNotImage) || !strings.Contains(err.Error(), "it lists no container image, only Helm chart") {
		t.Errorf("inspect of a chart alone: err = %v", err)
	}
}

// An index whose descriptor says linux/amd64 for an image whose config says linux/arm64/v8:
// containerd selects on the descriptor (ctr images export --platform linux/amd64 exports it,
// linux/arm64 finds nothing), and so does strata, saying both and warning; images, inspect and
// --platform agree.
func TestPlatformMismatchAsContainerd(t *testing.T) {
	for p, rc := range map[string]string{"linux/amd64": "0", "linux/arm64": "1", "linux/arm64/v8": "1"} {
		if _, got := ctrRecord(t, "platform-mismatch.ctr.txt", "ctr -n platform-mismatch images export --platform "+p+" "); got != rc {
			t.Fatalf("ctr export --platform %s exited %s; the fixture recorded %s", p, got, rc)
		}
		out, stderr, err := strataRun(t, nil, "inspect", "-o", "json", "--platform", p, quirk("platform-mismatch.tar"))
		if rc == "1" {
			if !errors.Is(err, load.ErrNoMatch) {
				t.Errorf("--platform %s: err = %v, want no match (containerd finds none)", p, err)
			}
			continue
		}
		var got struct {
			Platform     string   `json:"platform"`
			Architecture string   `json:"architecture"`
			Variant      string   `json:"variant"`
			Warnings     []string `json:"warnings"`
		}
		if err != nil {
			t.Fatalf("--platform %s: %v", p, err)
		}
		decodeDocument(t, []byte(out), &got, nil)
		if got.Platform != "linux/amd64" || got.Architecture != "arm64" || got.Variant != "v8" || len(got.Warnings) != 1 || !strings.Contains(stderr, got.Warnings[0]) {
			t.Errorf("--platform %s: %+v; stderr %q", p, got, stderr)
		}
	}
	ls, _ := ctrRecord(t, "platform-mismatch.ctr.txt", "ctr -n platform-mismatch images ls")
	if !strings.Contains(ls, "linux/amd64,linux/arm/v7") {
		t.Fatalf("ctr images ls: %s", ls)
	}
	var rows struct {
		Images []struct {
			Platform       string `json:"platform"`
			ConfigPlatform string `json:"config_platform"`
		} `json:"images"`
	}
	out, _, err := strataRun(t, nil, "images", "-o", "json", quirk("platform-mismatch.tar"))
	if err != nil {
		t.Fatal(err)
	}
	decodeDocument(t, []byte(out), &rows, nil)
	if len(rows.Images) != 2 || rows.Images[0].Platform != "linux/amd64" || rows.Images[0].ConfigPlatform != "linux/arm64/v8" || rows.Images[1].Platform != "linux/arm/v7" {
		t.Errorf("images: %+v; ctr lists linux/amd64,linux/arm/v7", rows.Images)
	}
}

// Two manifests named app:1 for linux/amd64, of one image (one config, layers gzip in one and
// zstd in the other): --platform cannot tell them apart, so the hint offers the manifest
// digests, which --image takes. (containerd keeps the last one under the name.)
func TestSameNameHintOffersDigests(t *testing.T) {
	last, _ := ctrLs(t, "same-name.ctr.txt", "same-name", "app:1")
	_, _, err := strataRun(t, nil, "inspect", quirk("same-name.tar"))
	hint := hintOf(err)
	if !errors.Is(err, load.ErrAmbiguous) || strings.Contains(hint, "--platform") {
		t.Fatalf("err = %v, hint %q: want ambiguous, without suggesting --platform", err, hint)
	}
	for _, d := range []string{"3f098fbbfa9a", last[len("sha256:") : len("sha256:")+12]} {
		if !strings.Contains(hint, "--image "+d) {
			t.Errorf("hint does not offer --image %s:\n%s", d, hint)
		}
		out, _, err := strataRun(t, nil, "inspect", "-o", "json", "--image", d, quirk("same-name.tar"))
		if err != nil || !strings.Contains(out, `"digest": "sha256:`+d) {
			t.Errorf("--image %s: %v", d, err)
		}
	}
}

// A foreign layer whose blob skopeo's oci: copy left out (as containerd's exports do; ctr
// then fails to unpack it): strata says so, with its URL and that --no-files reads the rest,
// which it does, marking the layer foreign.
func TestForeignLayerAbsent(t *testing.T) {
	if _, rc := ctrRecord(t, "foreign.ctr.txt", "ctr -n foreign images import"); rc != "1" {
		t.Fatalf("ctr imported foreign.oci (exit %s)", rc)
	}
	_, _, err := strataRun(t, nil, "inspect", quirk("foreign.oci"))
	if !errors.Is(err, load.ErrMissing) || !strings.Contains(err.Error(), "layer 1 is a foreign layer (non-distributable, application/vnd.oci.image.layer.nondistributable.v1.tar+gzip; fetched from https://example.invalid/strata/layer1.tar.gz)") ||
		!strings.HasPrefix(hintOf(err), "inspect --no-files reads the rest") {
		t.Errorf("err = %v, hint %q", err, hintOf(err))
	}
	out, _, err := strataRun(t, nil, "inspect", "--no-files", quirk("foreign.oci"))
	if err != nil || !strings.Contains(out, "(foreign layer) RUN") {
		t.Errorf("--no-files: %v\n%s", err, out)
	}
	var got struct {
		Layers []struct {
			Foreign bool     `json:"foreign"`
			URLs    []string `json:"urls"`
		} `json:"layers"`
	}
	strataJSON(t, &got, nil, "inspect", "--no-files", quirk("foreign.oci"))
	if len(got.Layers) != 3 || got.Layers[0].Foreign || !got.Layers[1].Foreign || !cmp.Equal(got.Layers[1].URLs, []string{"https://example.invalid/strata/layer1.tar.gz"}) || got.Layers[0].URLs == nil {
		t.Errorf("layers = %+v", got.Layers)
	}
}

// A blob declared tar+gzip that is a plain tar is read as what it is, as containerd reads it
// (ctr unpacks it), with a warning; one that is neither (an HTML error page) is refused as
// "not gzip", on every path, where containerd fails to unpack it.
func TestDeclaredCompression(t *testing.T) {
	if _, rc := ctrRecord(t, "not-gzip.ctr.txt", "ctr -n not-gzip images import"); rc != "0" {
		t.Fatalf("ctr failed on not-gzip.tar (exit %s)", rc)
	}
	if _, rc := ctrRecord(t, "bad-gzip.ctr.txt", "ctr -n bad-gzip images import"); rc != "1" {
		t.Fatalf("ctr imported bad-gzip.tar (exit %s)", rc)
	}
	for _, p := range quirkPaths(t, quirk("not-gzip.tar"), false) {
		_, stderr, err := strataRun(t, p.stdin, append([]string{"files"}, p.args...)...)
		if err != nil || strings.Count(stderr, "is declared gzip (application/vnd.oci.image.layer.v1.tar+gzip), but its blob is an uncompressed tar") != 3 {
			t.Errorf("not-gzip %s: %v\n%s", p.name, err, stderr)
		}
	}
	for _, p := range quirkPaths(t, quirk("bad-gzip.tar"), false) {
		_, _, err := strataRun(t, p.stdin, append([]string{"inspect"}, p.args...)...)
		if !errors.Is(err, load.ErrCorrupt) || !strings.HasSuffix(err.Error(), `layer 1 is declared gzip (application/vnd.oci.image.layer.v1.tar+gzip), but its blob is not gzip: it starts with "<!DOCTYPE html>\n"`) {
			t.Errorf("bad-gzip %s: err = %v", p.name, err)
		}
	}
}

// hintOf is the hint an error carries (printed as strata: hint:).
func hintOf(err error) string {
	var e *load.Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
