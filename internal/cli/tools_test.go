package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The tests in this file compare strata's JSON with the answers podman, skopeo, containerd's
// ctr and umoci gave for the archives they wrote in testdata/tools (made by
// testdata/tools/make-fixtures.sh).

func tools(name string) string { return filepath.Join("testdata", "tools", name) }

func readToolJSON(t *testing.T, name string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(tools(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// podmanInspect is the part of `podman image inspect` strata reproduces.
type podmanInspect struct {
	ID           string `json:"Id"`
	RepoTags     []string
	Created      time.Time
	Os           string
	Architecture string
	Config       struct {
		Env []string
		Cmd []string
	}
	RootFS struct{ Layers []string }
}

// podmanHistoryRow is one row of `podman history --no-trunc --format '{{json .}}'`, newest
// first; Size is the layer's uncompressed tar size.
type podmanHistoryRow struct {
	Created   time.Time `json:"created"`
	Rounded   time.Time `json:"Created"` // the same, whole seconds (keeps it out of Created)
	CreatedBy string
	Size      int64 `json:"size"`
	Comment   string
}

// manifestDoc is an image manifest as a tool printed it (skopeo inspect --raw, ctr content get).
type manifestDoc struct {
	Config struct{ Digest string }
	Layers []struct {
		MediaType string
		Digest    string
		Size      int64
	}
}

// toolInspect is what these tests read of `strata inspect -o json`.
type toolInspect struct {
	ID       string    `json:"id"`
	Digest   *string   `json:"digest"`
	RepoTags []string  `json:"repo_tags"`
	Created  time.Time `json:"created"`
	OS       string    `json:"os"`
	Arch     string    `json:"architecture"`
	Config   struct {
		Env []string `json:"env"`
		Cmd []string `json:"cmd"`
	} `json:"config"`
	Layers []struct {
		DiffID    string `json:"diff_id"`
		Digest    string `json:"digest"`
		MediaType string `json:"media_type"`
		TarSize   int64  `json:"tar_size"`
	} `json:"layers"`
	Source struct {
		Format string `json:"format"`
	} `json:"source"`
	Verify *struct {
		Layers []struct {
			DiffID string `json:"diff_id"`
		} `json:"layers"`
	} `json:"verify"`
}

func sha256Of(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(tools(name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ctrDigest is the DIGEST column of the recorded `ctr images ls` for app:1.
func ctrDigest(t *testing.T) string {
	t.Helper()
	return ctrListed(t, "app.ctr-images-ls.txt", "localhost/strata-tools/app:1")
}

// ctrListed is the DIGEST column of a recorded `ctr images ls` for ref.
func ctrListed(t *testing.T, file, ref string) string {
	t.Helper()
	b, err := os.ReadFile(tools(file))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == ref {
			return f[2]
		}
	}
	t.Fatalf("%s does not list %s", file, ref)
	return ""
}

// Every archive the tools wrote of the app image reads as that image: podman's ID, diff_ids,
// config and history; the manifest digest and layer media types the tool recorded; one
// format and one set of tags per archive whatever path the loader takes (--platform).
func TestToolArchivesMatchTools(t *testing.T) {
	t.Parallel()
	var pi []podmanInspect
	readToolJSON(t, "app.podman-inspect.json", &pi)
	var ph []podmanHistoryRow
	readToolJSON(t, "app.podman-history.jsonl", &ph)
	var ctrMan, gzipMan, dockerDir, ociDir manifestDoc
	readToolJSON(t, "app.ctr-manifest.json", &ctrMan)
	readToolJSON(t, "app-gzip.ctr-manifest.json", &gzipMan)
	gzipDigest := ctrListed(t, "app-gzip.ctr-images-ls.txt", "localhost/strata-tools/app-gzip:1")
	gzipTags := []string{"localhost/strata-tools/app-gzip:1"}
	readToolJSON(t, "app.docker-dir.skopeo-raw.json", &dockerDir)
	readToolJSON(t, "app.oci-dir.skopeo-raw.json", &ociDir)
	podman := pi[0]
	tags := []string{"localhost/strata-tools/app:1"}
	dockerTypes := []string{"application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar"}
	cases := []struct {
		args   []string
		format string
		digest string // "" when the format records none (JSON null)
		tags   []string
		man    *manifestDoc // the tool's manifest: layer digests and media types
		types  []string     // else the media types strata must give
	}{
		{[]string{tools("app.docker.tar")}, "docker-archive", "", tags, nil, dockerTypes},
		{[]string{tools("app.ctr.tar")}, "docker-archive-oci", ctrDigest(t), tags, &ctrMan, nil},
		{[]string{"--platform", "linux/amd64", tools("app.ctr.tar")}, "docker-archive-oci", ctrDigest(t), tags, &ctrMan, nil},
		{[]string{"--image", "localhost/strata-tools/app:1", tools("app.ctr.tar")}, "docker-archive-oci", ctrDigest(t), tags, &ctrMan, nil},
		{[]string{tools("app.ctr-skip-manifest.tar")}, "docker-archive-oci", ctrDigest(t), tags, &ctrMan, nil},
		{[]string{"--platform", "linux/amd64", tools("app.ctr-skip-manifest.tar")}, "docker-archive-oci", ctrDigest(t), tags, &ctrMan, nil},
		{[]string{tools("app-gzip.ctr.tar")}, "docker-archive-oci", gzipDigest, gzipTags, &gzipMan, nil},
		{[]string{"--platform", "linux/amd64", tools("app-gzip.ctr.tar")}, "docker-archive-oci", gzipDigest, gzipTags, &gzipMan, nil},
		{[]string{tools("app.docker-dir")}, "dir", sha256Of(t, "app.docker-dir.skopeo-raw.json"), []string{}, &dockerDir, nil},
		{[]string{tools("app.docker-dir.tar")}, "dir-archive", sha256Of(t, "app.docker-dir.skopeo-raw.json"), []string{}, &dockerDir, nil},
		{[]string{"-"}, "dir-archive", sha256Of(t, "app.docker-dir.skopeo-raw.json"), []string{}, &dockerDir, nil},
		{[]string{tools("app.oci-dir")}, "dir", sha256Of(t, "app.oci-dir.skopeo-raw.json"), []string{}, &ociDir, nil},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdin []byte
			if c.args[0] == "-" {
				stdin = readStdin(t, tools("app.docker-dir.tar"))
			}
			var got toolInspect
			strataJSON(t, &got, stdin, append([]string{"inspect"}, c.args...)...)
			if got.ID != "sha256:"+podman.ID {
				t.Errorf("id = %s, podman says sha256:%s", got.ID, podman.ID)
			}
			if got.Source.Format != c.format {
				t.Errorf("format = %s, want %s", got.Source.Format, c.format)
			}
			gotDigest := ""
			if got.Digest != nil {
				gotDigest = *got.Digest
			}
			if gotDigest != c.digest {
				t.Errorf("digest = %q, the tool says %q", gotDigest, c.digest)
			}
			if diff := cmp.Diff(c.tags, got.RepoTags); diff != "" {
				t.Errorf("repo_tags (-want +strata):\n%s", diff)
			}
			if !got.Created.Equal(podman.Created) || got.OS != podman.Os || got.Arch != podman.Architecture {
				t.Errorf("created/os/arch = %v %s %s, podman says %v %s %s", got.Created, got.OS, got.Arch, podman.Created, podman.Os, podman.Architecture)
			}
			if diff := cmp.Diff([]any{podman.Config.Env, podman.Config.Cmd}, []any{got.Config.Env, got.Config.Cmd}); diff != "" {
				t.Errorf("config env, cmd (-podman +strata):\n%s", diff)
			}
			var diffIDs, types, digests []string
			for _, l := range got.Layers {
				diffIDs, types, digests = append(diffIDs, l.DiffID), append(types, l.MediaType), append(digests, l.Digest)
			}
			if diff := cmp.Diff(podman.RootFS.Layers, diffIDs); diff != "" {
				t.Errorf("diff_ids (-podman +strata):\n%s", diff)
			}
			wantTypes, wantDigests := c.types, diffIDs // uncompressed: the blob is the tar
			if c.man != nil {
				wantTypes, wantDigests = nil, nil
				for _, l := range c.man.Layers {
					wantTypes, wantDigests = append(wantTypes, l.MediaType), append(wantDigests, l.Digest)
				}
			}
			if diff := cmp.Diff(wantTypes, types); diff != "" {
				t.Errorf("media types (-tool +strata):\n%s", diff)
			}
			if diff := cmp.Diff(wantDigests, digests); diff != "" {
				t.Errorf("layer digests (-tool +strata):\n%s", diff)
			}
			// podman history's size is the layer's uncompressed tar size; every archive here
			// but the gzip'd ones stores the layers as podman does.
			var rows []strataHistory
			strataJSON(t, &rows, stdin, append([]string{"history"}, c.args...)...)
			if len(rows) != len(ph) {
				t.Fatalf("%d history rows, podman has %d", len(rows), len(ph))
			}
			li := len(got.Layers)
			for i, r := range rows {
				p := ph[i]
				if r.CreatedBy != p.CreatedBy || !r.Created.Equal(p.Created) || r.Comment != p.Comment {
					t.Errorf("history row %d = %q %v %q, podman says %q %v %q", i, r.CreatedBy, r.Created, r.Comment, p.CreatedBy, p.Created, p.Comment)
				}
				if p.Size > 0 {
					li--
					if l := got.Layers[li]; c.man != &ociDir && c.man != &gzipMan && l.TarSize != p.Size {
						t.Errorf("history row %d: layer %d tar_size = %d, podman history says %d", i, li, l.TarSize, p.Size)
					}
				}
			}
		})
	}
}

// A layer umoci insert wrote (no end-of-archive blocks, no padding) reads, as a layout and
// tarred, with --verify too; history and diff_ids are umoci stat's.
func TestUmociLayoutMatchesUmociStat(t *testing.T) {
	t.Parallel()
	var stat struct {
		History []struct {
			Layer *struct {
				MediaType string
				Digest    string
			} `json:"layer"`
			DiffID     string    `json:"diff_id"`
			Created    time.Time `json:"created"`
			CreatedBy  string    `json:"created_by"`
			EmptyLayer bool      `json:"empty_layer"`
		} `json:"history"`
	}
	readToolJSON(t, "app.umoci.stat.json", &stat)
	for _, args := range [][]string{{tools("app.umoci")}, {tools("app.umoci.tar")}, {"--verify", tools("app.umoci.tar")}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var got toolInspect
			strataJSON(t, &got, nil, append([]string{"inspect"}, args...)...)
			var want, have []string
			for _, h := range stat.History {
				if h.Layer != nil {
					want = append(want, h.DiffID+" "+h.Layer.Digest+" "+h.Layer.MediaType)
				}
			}
			for _, l := range got.Layers {
				have = append(have, l.DiffID+" "+l.Digest+" "+l.MediaType)
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("layers: diff_id digest media_type (-umoci +strata):\n%s", diff)
			}
			if args[0] == "--verify" && (got.Verify == nil || len(got.Verify.Layers) != len(want)) {
				t.Errorf("verify = %+v, want every layer verified", got.Verify)
			}
			var rows []strataHistory
			strataJSON(t, &rows, nil, append([]string{"history"}, args[len(args)-1])...)
			if len(rows) != len(stat.History) {
				t.Fatalf("%d history rows, umoci stat has %d", len(rows), len(stat.History))
			}
			for i, r := range rows {
				u := stat.History[len(stat.History)-1-i]
				if r.CreatedBy != u.CreatedBy || !r.Created.Equal(u.Created) {
					t.Errorf("history row %d = %q %v, umoci stat says %q %v", i, r.CreatedBy, r.Created, u.CreatedBy, u.Created)
				}
			}
		})
	}
}

// A rootfs tarball's diff_id is the one podman import recorded for it: the tar's sha256.
func TestRootfsDiffIDMatchesPodmanImport(t *testing.T) {
	t.Parallel()
	var pi []podmanInspect
	readToolJSON(t, "base.podman-inspect.json", &pi)
	b, err := os.ReadFile(tools("base.rootfs.sha256.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(b))
	if len(pi[0].RootFS.Layers) != 1 || pi[0].RootFS.Layers[0] != want {
		t.Fatalf("fixtures disagree: podman import recorded %v, sha256sum says %s", pi[0].RootFS.Layers, want)
	}
	for _, args := range [][]string{{tools("base.rootfs.tar")}, {"-"}, {"--verify", tools("base.rootfs.tar")}, {"--verify", "-"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdin []byte
			if args[len(args)-1] == "-" {
				stdin = readStdin(t, tools("base.rootfs.tar"))
			}
			var got toolInspect
			strataJSON(t, &got, stdin, append([]string{"inspect"}, args...)...)
			if len(got.Layers) != 1 || got.Layers[0].DiffID != want {
				t.Fatalf("layers = %+v, want diff_id %s", got.Layers, want)
			}
			verified := got.Verify != nil && len(got.Verify.Layers) == 1 && got.Verify.Layers[0].DiffID == want
			if verified != (args[0] == "--verify") {
				t.Errorf("verify = %+v, with --verify: %v", got.Verify, args[0] == "--verify")
			}
		})
	}
}

// A podman container's export diffed against its image gives exactly `podman diff`'s
// changes, whichever archive of the image is used; podman's runtime entries (libpod's
// initInodes) are listed under runtime, as Docker's are.
func TestExportDiffMatchesPodman(t *testing.T) {
	t.Parallel()
	want := readLines(t, tools("app-ctr.podman-diff.txt"))
	exp := tools("app-ctr.export.tar")
	for _, args := range [][]string{
		{tools("app.docker.tar"), exp},
		{tools("app.docker.tar"), "-"},
		{tools("app.ctr.tar"), exp},
		{tools("app.docker-dir"), exp},
		{tools("app.oci-dir"), exp},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdin []byte
			if args[1] == "-" {
				stdin = readStdin(t, exp)
			}
			var got struct {
				strataDiff
				RuntimeBy string `json:"runtime_by"`
			}
			strataJSON(t, &got, stdin, append([]string{"diff"}, args...)...)
			if got.Mode != "export" || got.RuntimeBy != "podman" {
				t.Fatalf("mode, runtime_by = %q, %q; want export, podman", got.Mode, got.RuntimeBy)
			}
			lines := []string{}
			for _, c := range got.Changes {
				lines = append(lines, c.Kind+" "+c.Path)
			}
			sort.Strings(lines)
			if diff := cmp.Diff(want, lines); diff != "" {
				t.Errorf("changes (-podman diff +strata):\n%s", diff)
			}
			wantRuntime := []string{"/dev", "/etc/hostname", "/etc/hosts", "/etc/mtab", "/proc", "/run", "/run/.containerenv", "/sys"}
			if diff := cmp.Diff(wantRuntime, got.Runtime); diff != "" {
				t.Errorf("runtime (-want +got):\n%s", diff)
			}
		})
	}
}

// An export diffed against a sibling image (same base layer, other top layers) is refused
// when the export shows what a container of that image could never have — here a path the
// sibling's layer deleted or rewrote, back exactly as the base shipped it — naming the layer
// it lacks and that evidence; --force compares anyway. Without such evidence (the sibling
// only added paths the container could have deleted) it is compared, with a warning.
// Docker's and podman's containers alike.
func TestExportAgainstSiblingIsRefused(t *testing.T) {
	t.Parallel()
	d := filepath.Join("testdata", "docker")
	for _, c := range []struct{ image, export, says, warns string }{
		{tools("sibling.docker.tar"), tools("app-ctr.export.tar"), "the export lacks the one file that layer 1 of the image (/bin/sh -c mkdir -p /srv/sibling", ""},
		{tools("sibling.docker.tar"), tools("app-ctr.export.tar"), "it has /bin/mv exactly as layer 0 shipped it (symlink to busybox, mode 0777, modified 2023-11-14T22:13:20Z), which layer 1 deleted", ""},
		{filepath.Join(d, "kitchen.tar"), filepath.Join(d, "ctr-noop.export.tar"), "the export lacks the one file that layer 1 of the image", ""},
		{filepath.Join(d, "small.tar"), filepath.Join(d, "ctr-basic.export.tar"), "", "the export lacks all 4 files that layer 1 of the image"},
	} {
		t.Run(filepath.Base(c.image)+" "+filepath.Base(c.export), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"diff", c.image, c.export}, nil, &out, &errb)
			if c.says != "" {
				if err == nil || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "--force compares anyway") {
					t.Fatalf("err = %v, want a refusal saying %q", err, c.says)
				}
				if out.Len() != 0 {
					t.Errorf("refused, yet printed:\n%s", out.String())
				}
			} else if !errors.Is(err, errDifferent) || !strings.Contains(errb.String(), "strata: warning: "+c.warns) {
				t.Fatalf("err = %v, stderr:\n%s\nwant the changes, and a warning saying %q", err, errb.String(), c.warns)
			}
			var forced strataDiff
			strataJSON(t, &forced, nil, "diff", "--force", c.image, c.export)
			if len(forced.Changes) == 0 {
				t.Error("--force: no changes between a sibling image and the export")
			}
		})
	}
	var docker struct {
		RuntimeBy string `json:"runtime_by"`
	}
	strataJSON(t, &docker, nil, "diff", filepath.Join(d, "kitchen.tar"), filepath.Join(d, "ctr-basic.export.tar"))
	if docker.RuntimeBy != "docker" {
		t.Errorf("a Docker container's export: runtime_by = %q, want docker", docker.RuntimeBy)
	}
}

// A hardlink's size in files is its target's, what a container sees (podman's export has
// /app/greeting.hl as a 6-byte file once /app/greeting is gone); files --layer keeps the
// entry as stored: a hardlink of size 0.
func TestHardlinkSizeIsTheTargets(t *testing.T) {
	t.Parallel()
	sizes := func(args ...string) map[string]filesRow {
		var rows []filesRow
		strataJSON(t, &rows, nil, append([]string{"files"}, args...)...)
		m := map[string]filesRow{}
		for _, r := range rows {
			m[r.Path] = r
		}
		return m
	}
	img := sizes(tools("app.docker.tar"))
	bb := img["/bin/busybox"]
	if bb.Type != "file" || bb.Size == 0 {
		t.Fatalf("/bin/busybox = %+v", bb)
	}
	for p, want := range map[string]filesRow{
		"/bin/busybox.hl":  {Path: "/bin/busybox.hl", Type: "hardlink", Size: bb.Size, Link: "/bin/busybox"},
		"/app/greeting.hl": {Path: "/app/greeting.hl", Type: "hardlink", Size: int64(len("hello\n")), Link: "/app/greeting"},
	} {
		if got := img[p]; got != want {
			t.Errorf("files: %s = %+v, want %+v", p, got, want)
		}
	}
	if got := sizes("--layer", "1", tools("app.docker.tar"))["/app/greeting.hl"]; got.Type != "hardlink" || got.Size != 0 {
		t.Errorf("files --layer 1: /app/greeting.hl = %+v, want the stored hardlink of size 0", got)
	}
	if got := sizes(tools("app-ctr.export.tar"))["/app/greeting.hl"]; got.Type != "file" || got.Size != 6 {
		t.Errorf("export: /app/greeting.hl = %+v, want the 6-byte file the container saw", got)
	}
}

type filesRow struct {
	Path string `json:"path"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	Link string `json:"link"`
}

// A dir: layout holding an index (podman manifest push --all): each platform is its
// instance manifest, <hex>.manifest.json, and is the image podman built; without --platform
// the choice is refused with the platforms listed.
func TestDirLayoutIndexMatchesPodman(t *testing.T) {
	t.Parallel()
	var idx struct {
		MediaType string
		Manifests []struct {
			Digest   string
			Platform struct{ Architecture, OS string }
		}
	}
	readToolJSON(t, "app.list-dir.skopeo-raw.json", &idx)
	if len(idx.Manifests) != 2 {
		t.Fatalf("the recorded index lists %d manifests", len(idx.Manifests))
	}
	for _, m := range idx.Manifests {
		name := map[string]string{"amd64": "app", "arm64": "base"}[m.Platform.Architecture]
		t.Run(m.Platform.Architecture, func(t *testing.T) {
			var pi []podmanInspect
			readToolJSON(t, name+".podman-inspect.json", &pi)
			var got toolInspect
			strataJSON(t, &got, nil, "inspect", "--platform", m.Platform.OS+"/"+m.Platform.Architecture, tools("app.list-dir"))
			var diffIDs []string
			for _, l := range got.Layers {
				diffIDs = append(diffIDs, l.DiffID)
			}
			if got.ID != "sha256:"+pi[0].ID || got.Digest == nil || *got.Digest != m.Digest || got.Source.Format != "dir" {
				t.Errorf("id, digest, format = %s %v %s; want sha256:%s (podman) %s (the index) dir", got.ID, got.Digest, got.Source.Format, pi[0].ID, m.Digest)
			}
			if diff := cmp.Diff(pi[0].RootFS.Layers, diffIDs); diff != "" {
				t.Errorf("diff_ids (-podman +strata):\n%s", diff)
			}
		})
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"inspect", tools("app.list-dir")}, nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("without --platform: err = %v, want ambiguous", err)
	}
}

// An archive with only index.json (what ctr images export --skip-manifest-json writes from
// containerd 2.0 on; here made by dropping manifest.json from containerd 1.6's) is an
// oci-archive named by its index annotations, the same image, digest and tags.
func TestIndexOnlyContainerdExport(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(tools("app.ctr-skip-manifest.tar"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(b)), tar.NewWriter(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "manifest.json" {
			continue
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
	}
	tw.Close()
	var got toolInspect
	strataJSON(t, &got, buf.Bytes(), "inspect", "-")
	var pi []podmanInspect
	readToolJSON(t, "app.podman-inspect.json", &pi)
	if got.Source.Format != "oci-archive" || got.ID != "sha256:"+pi[0].ID || got.Digest == nil || *got.Digest != ctrDigest(t) {
		t.Errorf("format, id, digest = %s %s %v; want oci-archive sha256:%s %s", got.Source.Format, got.ID, got.Digest, pi[0].ID, ctrDigest(t))
	}
	if diff := cmp.Diff([]string{"localhost/strata-tools/app:1"}, got.RepoTags); diff != "" {
		t.Errorf("repo_tags (-index annotation +strata):\n%s", diff)
	}
}

// An opaque whiteout as overlay writes it (buildah bud --layers, overlay driver): the merged
// image is what the container saw, so strata's files of the image are the export's paths
// but podman's runtime entries and what the container wrote, and the diff is podman diff's.
func TestOpaqueWhiteoutMatchesPodman(t *testing.T) {
	t.Parallel()
	img, exp := tools("opaque.docker.tar"), tools("opaque-ctr.export.tar")
	var pi []podmanInspect
	readToolJSON(t, "opaque.podman-inspect.json", &pi)
	var got toolInspect
	strataJSON(t, &got, nil, "inspect", img)
	var diffIDs []string
	for _, l := range got.Layers {
		diffIDs = append(diffIDs, l.DiffID)
	}
	if diff := cmp.Diff(pi[0].RootFS.Layers, diffIDs); diff != "" {
		t.Errorf("diff_ids (-podman +strata):\n%s", diff)
	}
	var d struct {
		strataDiff
		RuntimeBy string `json:"runtime_by"`
	}
	strataJSON(t, &d, nil, "diff", img, exp)
	lines := []string{}
	for _, c := range d.Changes {
		lines = append(lines, c.Kind+" "+c.Path)
	}
	sort.Strings(lines)
	if diff := cmp.Diff(readLines(t, tools("opaque-ctr.podman-diff.txt")), lines); diff != "" {
		t.Errorf("changes (-podman diff +strata):\n%s", diff)
	}
	paths := func(name string, drop map[string]bool) []string {
		var rows []filesRow
		strataJSON(t, &rows, nil, "files", name)
		out := []string{}
		for _, r := range rows {
			if !drop[r.Path] {
				out = append(out, r.Path)
			}
		}
		return out
	}
	drop := map[string]bool{"/opt/d/x": true}
	for _, p := range d.Runtime {
		drop[p] = true
	}
	want := paths(exp, drop)
	if diff := cmp.Diff(want, paths(img, drop)); diff != "" {
		t.Errorf("merged image paths (-export +strata):\n%s", diff)
	}
	for _, gone := range []string{"/opt/d/old", "/opt/d/sub", "/opt/d/sub/k"} {
		for _, p := range want {
			if p == gone {
				t.Errorf("%s is in the export: the opaque directory did not hide it?", gone)
			}
		}
	}
}
