package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/load"
)

// testRegistry is go-containerregistry's in-memory registry on 127.0.0.1, with a hook that
// may answer a request instead of it, and a count of the requests it saw.
type testRegistry struct {
	srv  *httptest.Server
	host string

	mu       sync.Mutex
	requests []string // "GET /v2/…" in order, the /v2/ ping included
	hook     func(w http.ResponseWriter, r *http.Request) bool
	pushing  atomic.Bool
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	reg := &testRegistry{}
	inner := registry.New(registry.Logger(nilLogger()))
	reg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !reg.pushing.Load() {
			reg.mu.Lock()
			reg.requests = append(reg.requests, r.Method+" "+r.URL.Path)
			hook := reg.hook
			reg.mu.Unlock()
			if hook != nil && hook(w, r) {
				return
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(reg.srv.Close)
	reg.host = strings.TrimPrefix(reg.srv.URL, "http://")
	return reg
}

func (reg *testRegistry) setHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	reg.mu.Lock()
	reg.hook = h
	reg.mu.Unlock()
}

// fetches returns the requests since the last call, without the /v2/ ping.
func (reg *testRegistry) fetches() []string {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	var out []string
	for _, r := range reg.requests {
		if r != "GET /v2/" {
			out = append(out, r)
		}
	}
	reg.requests = nil
	return out
}

func (reg *testRegistry) ref(repoTag string) string { return reg.host + "/" + repoTag }

// rawManifest is a manifest pushed byte for byte.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// pushArchive pushes a docker save archive as Docker's registry client would see it stored
// uncompressed: the config as it is, each layer tar as it is (so its digest is its diff_id),
// under a v2s2 manifest. Returns the manifest digest.
func (reg *testRegistry) pushArchive(t *testing.T, archive, repoTag string) string {
	t.Helper()
	reg.pushing.Store(true)
	defer reg.pushing.Store(false)
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(reg.ref(repoTag))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.DockerManifestSchema2}
	m.Config = reg.pushBlob(t, ref.Context(), cfg, types.DockerConfigJSON)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		m.Layers = append(m.Layers, reg.pushBlob(t, ref.Context(), b, types.DockerUncompressedLayer))
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return reg.putManifest(t, ref, raw, types.DockerManifestSchema2)
}

func (reg *testRegistry) pushBlob(t *testing.T, repo name.Repository, b []byte, mt types.MediaType) v1.Descriptor {
	t.Helper()
	if err := remote.WriteLayer(repo, static.NewLayer(b, mt)); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}}
}

func (reg *testRegistry) putManifest(t *testing.T, ref name.Reference, raw []byte, mt types.MediaType) string {
	t.Helper()
	reg.pushing.Store(true)
	defer reg.pushing.Store(false)
	if err := remote.Put(ref, rawManifest{raw, mt}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pushLayout pushes the one image of an OCI layout directory as it is stored: the same
// manifest bytes, config and layer blobs.
func (reg *testRegistry) pushLayout(t *testing.T, dir, repoTag string) {
	t.Helper()
	reg.pushing.Store(true)
	defer reg.pushing.Store(false)
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := ii.Image(idx.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(reg.ref(repoTag))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
}

// strataDoc runs strata and returns its JSON document with the given top-level keys removed.
func strataDoc(t *testing.T, drop []string, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append(args, "-o", "json"), strings.NewReader(""), &out, &errb); err != nil && !errors.Is(err, errDifferent) {
		t.Fatalf("strata %v: %v\n%s", args, err, errb.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("strata %v: %v", args, err)
	}
	for _, k := range drop {
		delete(doc, k)
	}
	return doc
}

// TestRegistryMatchesArchive: an image read from the registry is the image read from its
// archive — every JSON document the same except where the input is named (source) and what
// the registry adds (its tag and manifest digest).
func TestRegistryMatchesArchive(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	kitchenDigest := reg.pushArchive(t, "testdata/docker/kitchen.tar", "kitchen:1")
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	reg.pushArchive(t, "testdata/docker/small2.tar", "small2:1")
	reg.pushLayout(t, "testdata/docker/kitchen.oci", "kitchen-oci:1")

	cases := []struct {
		file, ref string
		drop      []string
	}{
		// A docker save archive has no manifest digest; the registry's manifest has one.
		{"testdata/docker/kitchen.tar", "kitchen:1", []string{"source", "repo_tags", "digest"}},
		{"testdata/docker/small.tar", "docker://" + reg.ref("small:1"), []string{"source", "repo_tags", "digest"}},
		// The layout is pushed byte for byte: only the name differs.
		{"testdata/docker/kitchen.oci", "kitchen-oci:1", []string{"source", "repo_tags"}},
	}
	for _, c := range cases {
		ref := c.ref
		if !strings.HasPrefix(ref, "docker://") {
			ref = reg.ref(ref)
		}
		for _, cmd := range [][]string{{"inspect"}, {"history", "--sizes"}, {"files"}, {"files", "--layer", "1"}, {"files", "--hash", "sha256"}, {"inspect", "--verify"}} {
			want := strataDoc(t, c.drop, append(cmd, c.file)...)
			got := strataDoc(t, c.drop, append(cmd, ref)...)
			if v, ok := want["verify"].(map[string]any); ok && slices.Contains(c.drop, "digest") {
				delete(v, "manifest") // the archive has no manifest to verify
				delete(got["verify"].(map[string]any), "manifest")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("strata %v: registry differs from %s (-file +registry):\n%s", cmd, c.file, diff)
			}
		}
	}
	doc := strataDoc(t, nil, "inspect", reg.ref("kitchen:1"))
	if doc["digest"] != kitchenDigest {
		t.Errorf("inspect digest = %v, want the pushed manifest's %s", doc["digest"], kitchenDigest)
	}
	if diff := cmp.Diff([]any{reg.ref("kitchen:1")}, doc["repo_tags"]); diff != "" {
		t.Errorf("repo_tags (-want +got):\n%s", diff)
	}
	src := doc["source"].(map[string]any)
	if src["format"] != "registry" || src["path"] != reg.ref("kitchen:1") {
		t.Errorf("source = %v, want format registry, path the reference", src)
	}

	// diff: image against image, one side or both from the registry.
	drop := []string{"old", "new"}
	want := strataDoc(t, drop, "diff", "testdata/docker/small.tar", "testdata/docker/small2.tar")
	for _, args := range [][]string{
		{"diff", reg.ref("small:1"), reg.ref("small2:1")},
		{"diff", "testdata/docker/small.tar", reg.ref("small2:1")},
	} {
		if diff := cmp.Diff(want, strataDoc(t, drop, args...)); diff != "" {
			t.Errorf("strata %v differs from the archives' diff (-file +registry):\n%s", args, diff)
		}
	}
	// An export against its image in the registry.
	want = strataDoc(t, drop, "diff", "testdata/docker/kitchen.tar", "testdata/docker/ctr-basic.export.tar")
	if diff := cmp.Diff(want, strataDoc(t, drop, "diff", reg.ref("kitchen:1"), "testdata/docker/ctr-basic.export.tar")); diff != "" {
		t.Errorf("export diff against the registry image differs (-file +registry):\n%s", diff)
	}
}

// TestRegistryRequests: what each question fetches. A digest-addressed blob is fetched once
// per question, and a manifest and config suffice to name the image's layers.
func TestRegistryRequests(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	reg.fetches()
	strataDoc(t, nil, "inspect", reg.ref("small:1"))
	got := reg.fetches()
	var manifests, blobs int
	seen := map[string]int{}
	for _, r := range got {
		seen[r]++
		switch {
		case strings.Contains(r, "/manifests/"):
			manifests++
		case strings.Contains(r, "/blobs/"):
			blobs++
		}
	}
	// small.tar: a manifest, a config and two layers.
	if manifests != 1 || blobs != 3 {
		t.Errorf("inspect fetched %d manifests and %d blobs, want 1 and 3: %v", manifests, blobs, got)
	}
	for r, n := range seen {
		if n > 1 {
			t.Errorf("inspect fetched %s %d times", r, n)
		}
	}
}

// TestRegistryHistory: history REF fetches the manifest and the config, nothing else; the
// sizes it cannot know are null (and a hint says how to get them), never 0; --sizes and a
// warm --cache give the archive's answer.
func TestRegistryHistory(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	img, err := tarball.ImageFromPath("testdata/docker/small.tar", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	wantReqs := []string{"GET /v2/small/manifests/1", "GET /v2/small/blobs/" + cfgName.String()}
	want := strataDoc(t, []string{"source"}, "history", "testdata/docker/small.tar")
	reg.fetches()

	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"history", "-o", "json", reg.ref("small:1")}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("history: %v\n%s", err, errb.String())
	}
	if diff := cmp.Diff(wantReqs, reg.fetches()); diff != "" {
		t.Errorf("history REF requests (-want +got):\n%s", diff)
	}
	const hint = "strata: hint: layer sizes need the layers: add --sizes (fetches each layer once) or --cache DIR\n"
	if errb.String() != hint {
		t.Errorf("history REF stderr = %q, want %q", errb.String(), hint)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// The unread layers' sizes are null; everything else is the archive's.
	nulled := 0
	for _, r := range want["history"].([]any) {
		row := r.(map[string]any)
		if row["layer"] != nil {
			row["size"] = nil
			nulled++
		}
	}
	if nulled == 0 {
		t.Fatal("small.tar's history names no layer")
	}
	if diff := cmp.Diff(want["history"], got["history"]); diff != "" {
		t.Errorf("history REF (-want +got):\n%s", diff)
	}
	// The table shows - for an unknown size.
	out.Reset()
	errb.Reset()
	if err := run(context.Background(), []string{"history", reg.ref("small:1")}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " - ") {
		t.Errorf("history table shows no - for an unknown size:\n%s", out.String())
	}

	// --sizes: the archive's answer, each layer fetched once.
	wantSized := strataDoc(t, []string{"source"}, "history", "testdata/docker/small.tar")
	reg.fetches()
	if diff := cmp.Diff(wantSized, strataDoc(t, []string{"source"}, "history", "--sizes", reg.ref("small:1"))); diff != "" {
		t.Errorf("history --sizes differs from the archive's (-file +registry):\n%s", diff)
	}
	if n := len(reg.fetches()); n != 4 { // manifest, config, two layers
		t.Errorf("history --sizes made %d requests, want 4", n)
	}

	// A warm --cache: exact sizes, still only the manifest and the config.
	cache := t.TempDir()
	strataDoc(t, nil, "inspect", "--cache", cache, reg.ref("small:1"))
	reg.fetches()
	out.Reset()
	errb.Reset()
	if err := run(context.Background(), []string{"history", "-o", "json", "--cache", cache, reg.ref("small:1")}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantReqs, reg.fetches()); diff != "" {
		t.Errorf("history --cache requests (-want +got):\n%s", diff)
	}
	if errb.Len() != 0 {
		t.Errorf("history with a warm cache: stderr %q, want none", errb.String())
	}
	got = nil
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "source")
	if diff := cmp.Diff(wantSized, got); diff != "" {
		t.Errorf("history with a warm cache differs from the archive's (-file +registry):\n%s", diff)
	}
}

// TestRegistryNoFiles: inspect --no-files REF fetches the manifest and the config only, and
// says what it says of the archive.
func TestRegistryNoFiles(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/kitchen.tar", "kitchen:1")
	reg.pushLayout(t, "testdata/docker/kitchen.oci", "kitchen-oci:1")
	for _, c := range []struct {
		file, ref string
		drop      []string
	}{
		{"testdata/docker/kitchen.tar", "kitchen:1", []string{"source", "repo_tags", "digest"}},
		{"testdata/docker/kitchen.oci", "kitchen-oci:1", []string{"source", "repo_tags"}},
	} {
		want := noFilesWant(strataDoc(t, c.drop, "inspect", c.file))
		if c.file == "testdata/docker/kitchen.tar" {
			// A docker save archive names uncompressed layers; the pushed ones are gzip'd.
			for _, l := range want["layers"].([]any) {
				delete(l.(map[string]any), "digest")
				delete(l.(map[string]any), "media_type")
				delete(l.(map[string]any), "tar_size")
			}
		}
		reg.fetches()
		got := strataDoc(t, c.drop, "inspect", "--no-files", reg.ref(c.ref))
		reqs := reg.fetches()
		if len(reqs) != 2 || !strings.Contains(reqs[0], "/manifests/") || !strings.Contains(reqs[1], "/blobs/") {
			t.Errorf("inspect --no-files %s: requests %v, want the manifest and the config", c.ref, reqs)
		}
		for _, l := range got["layers"].([]any) {
			l := l.(map[string]any)
			if l["size"] != nil || l["files"] != nil {
				t.Errorf("inspect --no-files %s: layer %v: size %v files %v, want null", c.ref, l["index"], l["size"], l["files"])
			}
			if c.file == "testdata/docker/kitchen.tar" {
				if tar, ok := l["tar_size"].(float64); !ok || tar <= 0 {
					t.Errorf("inspect --no-files %s: layer %v: tar_size %v, want the descriptor's size", c.ref, l["index"], l["tar_size"])
				}
				delete(l, "digest")
				delete(l, "media_type")
				delete(l, "tar_size")
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("inspect --no-files %s differs from %s's (-file +registry):\n%s", c.ref, c.file, diff)
		}
	}
}

// TestRegistryFailures: every way a registry can fail is exit 2 and one line naming the
// reference and what failed.
func TestRegistryFailures(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	img, err := tarball.ImageFromPath("testdata/docker/small.tar", nil)
	if err != nil {
		t.Fatal(err)
	}
	diffIDs, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layer0 := diffIDs.RootFS.DiffIDs[0].String()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	layer0Bytes, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref("small:1")
	cases := []struct {
		name string
		arg  string
		hook func(w http.ResponseWriter, r *http.Request) bool
		want string // in the error line
	}{
		{"404 manifest", reg.ref("nosuch:1"), nil, "NAME_UNKNOWN"},
		{"404 blob", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/blobs/"+layer0) {
				http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}`, http.StatusNotFound)
				return true
			}
			return false
		}, "BLOB_UNKNOWN"},
		{"truncated blob", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+layer0) {
				w.Header().Set("Content-Length", "3000")
				w.WriteHeader(http.StatusOK)
				w.Write(make([]byte, 1024)) // the server hangs up after 1 KiB of 3000
				return true
			}
			return false
		}, "truncated"},
		{"digest mismatch", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+layer0) {
				bad := bytes.Clone(layer0Bytes)
				bad[len(bad)/2] ^= 0xff
				w.Write(bad)
				return true
			}
			return false
		}, "corrupt"},
		{"always 503", ref, func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, "/manifests/") {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return true
			}
			return false
		}, "503"},
		{"no such file, no such registry", "127.0.0.1:1/nothing:1", nil, "no such file or directory, and as a registry reference"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg.setHook(c.hook)
			defer reg.setHook(nil)
			var out, errb bytes.Buffer
			code := exitCode(run(context.Background(), []string{"inspect", "--retries", "2", c.arg}, strings.NewReader(""), &out, &errb), &errb)
			if code != 2 || out.Len() != 0 {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out.String())
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if !strings.HasPrefix(lines[0], "strata: error: "+c.arg+": ") || !strings.Contains(lines[0], c.want) {
				t.Errorf("error line %q: want it to start with the reference and say %q", lines[0], c.want)
			}
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "strata: hint: ") {
					t.Errorf("extra stderr line %q", l)
				}
			}
		})
	}
}

// TestRegistryRetryAfter: a 429 with Retry-After is retried after that long, a bounded number
// of times, and then succeeds.
func TestRegistryRetryAfter(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	var refusals atomic.Int32
	reg.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/manifests/") && refusals.Add(1) <= 2 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`, http.StatusTooManyRequests)
			return true
		}
		return false
	})
	doc := strataDoc(t, nil, "history", reg.ref("small:1"))
	if len(doc["history"].([]any)) == 0 {
		t.Errorf("no history after the retries")
	}
	if n := refusals.Load(); n != 3 {
		t.Errorf("manifest asked for %d times, want 3 (two 429s, then the answer)", n)
	}
}

// TestRegistryAuth: basic auth from Docker's config.json ($DOCKER_CONFIG), bearer tokens
// from a token server, and wrong credentials refused in one line.
func TestRegistryAuth(t *testing.T) {
	for _, scheme := range []string{"basic", "bearer"} {
		t.Run(scheme, func(t *testing.T) {
			reg := newTestRegistry(t)
			reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
			const user, pass, token = "ci", "s3cret", "tok-123"
			reg.setHook(func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/token" { // the token server: same host, as ggcr requires of a private address
					u, p, ok := r.BasicAuth()
					if !ok || u != user || p != pass {
						http.Error(w, "bad credentials", http.StatusUnauthorized)
						return true
					}
					fmt.Fprintf(w, `{"token":%q}`, token)
					return true
				}
				switch scheme {
				case "basic":
					if u, p, ok := r.BasicAuth(); ok && u == user && p == pass {
						return false
					}
					w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				case "bearer":
					if r.Header.Get("Authorization") == "Bearer "+token {
						return false
					}
					w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q,service="test"`, reg.srv.URL+"/token"))
				}
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return true
			})
			writeDockerConfig(t, reg.host, user, pass)
			doc := strataDoc(t, nil, "inspect", reg.ref("small:1"))
			if doc["id"] == nil {
				t.Fatalf("no image read with credentials")
			}
			writeDockerConfig(t, reg.host, user, "wrong")
			var out, errb bytes.Buffer
			code := exitCode(run(context.Background(), []string{"inspect", reg.ref("small:1")}, strings.NewReader(""), &out, &errb), &errb)
			line := strings.SplitN(errb.String(), "\n", 2)[0]
			if code != 2 || !strings.HasPrefix(line, "strata: error: "+reg.ref("small:1")+": ") || !strings.Contains(strings.ToLower(line), "unauthorized") {
				t.Errorf("wrong credentials: exit %d, %q; want 2 and one line naming the reference, unauthorized", code, line)
			}
		})
	}
}

func writeDockerConfig(t *testing.T, host, user, pass string) {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func nilLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// TestRegistryIndex: an OCI index and a Docker v2s2 manifest list with several platforms.
// Without --platform the machine's platform is taken when listed, else refused with the
// platforms in the hint; --platform picks.
func TestRegistryIndex(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	here := runtime.GOOS + "/" + runtime.GOARCH
	smallDigest := reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	small2Digest := reg.pushArchive(t, "testdata/docker/small2.tar", "small2:1")
	small := strataDoc(t, nil, "inspect", reg.ref("small:1"))
	small2 := strataDoc(t, nil, "inspect", reg.ref("small2:1"))
	desc := func(digest string, os, arch string) v1.Descriptor {
		h, err := v1.NewHash(digest)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := name.ParseReference(reg.ref("multi@" + digest))
		d, err := remote.Head(ref)
		if err != nil {
			t.Fatal(err)
		}
		return v1.Descriptor{MediaType: types.DockerManifestSchema2, Digest: h, Size: d.Size, Platform: &v1.Platform{OS: os, Architecture: arch}}
	}
	for _, mt := range []types.MediaType{types.OCIImageIndex, types.DockerManifestList} {
		// An index must name manifests in its own repository: push both into "multi".
		reg.pushArchive(t, "testdata/docker/small.tar", "multi:small")
		reg.pushArchive(t, "testdata/docker/small2.tar", "multi:small2")
		a, b := desc(smallDigest, runtime.GOOS, runtime.GOARCH), desc(small2Digest, "linux", "s390x")
		for tag, ds := range map[string][]v1.Descriptor{"both": {a, b}, "other": {b}} {
			raw, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: mt, Manifests: ds})
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := name.ParseReference(reg.ref("multi:" + tag))
			reg.putManifest(t, ref, raw, mt)
		}
		got := strataDoc(t, nil, "inspect", reg.ref("multi:both"))
		if got["id"] != small["id"] {
			t.Errorf("%s without --platform: id %v, want %s's %v (the machine's platform, %s)", mt, got["id"], "small", small["id"], here)
		}
		got = strataDoc(t, nil, "inspect", "--platform", "linux/s390x", reg.ref("multi:both"))
		if got["id"] != small2["id"] {
			t.Errorf("%s --platform linux/s390x: id %v, want small2's %v", mt, got["id"], small2["id"])
		}
		var out, errb bytes.Buffer
		code := exitCode(run(context.Background(), []string{"inspect", reg.ref("multi:other")}, strings.NewReader(""), &out, &errb), &errb)
		if code != 2 || !strings.Contains(errb.String(), "strata: hint: pick one with --platform: linux/s390x") {
			t.Errorf("%s without the machine's platform: exit %d, %q; want 2 and a hint listing linux/s390x", mt, code, errb.String())
		}
	}
}

// TestRegistryProgress: a progress display sees every blob byte fetched, of a known total.
func TestRegistryProgress(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	var p load.Progress
	img, err := load.Open(context.Background(), reg.ref("small:1"), strings.NewReader(""), load.Options{Progress: &p})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var want int64
	for _, l := range img.Layers {
		want += l.TarSize
	}
	// The config is fetched (and counted in the total) but not through the layer reader.
	cfg := int64(len(img.RawConfig))
	if p.Total() != want+cfg || p.Read() != want {
		t.Errorf("progress read %d of %d, want %d of %d (layers, and layers plus config)", p.Read(), p.Total(), want, want+cfg)
	}
}

// TestRegistryCache: with --cache, a second image sharing the base layer fetches only its
// own layers; a corrupt cache file is ignored, the blob fetched again and the file rewritten.
func TestRegistryCache(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "small:1")
	reg.pushArchive(t, "testdata/docker/small2.tar", "small2:1")
	cache := t.TempDir()
	blobGETs := func() []string {
		var out []string
		for _, r := range reg.fetches() {
			if strings.HasPrefix(r, "GET ") && strings.Contains(r, "/blobs/") {
				out = append(out, r[strings.LastIndex(r, "/")+1:])
			}
		}
		sort.Strings(out)
		return out
	}
	img, err := tarball.ImageFromPath("testdata/docker/small2.tar", nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	ids := cf.RootFS.DiffIDs // small2's layers
	want := strataDoc(t, nil, "inspect", "testdata/docker/small2.tar")
	delete(want, "source")
	delete(want, "repo_tags")
	delete(want, "digest")
	check := func(what string, wantFetched []string) {
		t.Helper()
		got := strataDoc(t, []string{"source", "repo_tags", "digest"}, "inspect", "--cache", cache, reg.ref("small2:1"))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: inspect differs from the archive's (-want +got):\n%s", what, diff)
		}
		sort.Strings(wantFetched)
		if diff := cmp.Diff(wantFetched, blobGETs()); diff != "" {
			t.Errorf("%s: blobs fetched (-want +got):\n%s", what, diff)
		}
	}
	strataDoc(t, nil, "inspect", "--cache", cache, reg.ref("small:1"))
	reg.fetches()
	base, err := tarball.ImageFromPath("testdata/docker/small.tar", nil)
	if err != nil {
		t.Fatal(err)
	}
	bcf, err := base.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	shared := map[v1.Hash]bool{}
	for _, id := range bcf.RootFS.DiffIDs {
		shared[id] = true
	}
	var own []string // small2 is FROM small: it shares small's layers
	for _, id := range ids {
		if !shared[id] {
			own = append(own, id.String())
		}
	}
	if len(own) == 0 || len(own) == len(ids) {
		t.Fatalf("small2 shares %d of %d layers with small; the test needs some of each", len(ids)-len(own), len(ids))
	}
	check("small2 after small", append([]string{cfgName.String()}, own...))
	check("small2 again", []string{cfgName.String()})

	// Corrupt the base layer's index: ignored, fetched again, rewritten.
	p := filepath.Join(cache, "layers", "sha256", ids[0].Hex)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	check("corrupt base index", []string{cfgName.String(), ids[0].String()})
	check("rewritten", []string{cfgName.String()})
}
