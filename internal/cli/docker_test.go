package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The tests in this file compare strata's JSON with the answers a real Docker engine gave
// for the images in testdata/docker (made by testdata/docker/make-fixtures.sh).

// dockerHistoryRow is one line of `docker history --no-trunc --human=false --format '{{json .}}'`.
type dockerHistoryRow struct {
	Comment   string
	CreatedAt string
	CreatedBy string
	Size      string
}

// dockerInspect is the part of `docker image inspect` strata reproduces.
type dockerInspect struct {
	ID           string `json:"Id"`
	RepoTags     []string
	Created      time.Time
	Size         int64
	Os           string
	Architecture string
	Config       struct {
		User         string
		Env          []string
		Entrypoint   []string
		Cmd          []string
		WorkingDir   string
		ExposedPorts map[string]struct{}
		Volumes      map[string]struct{}
		Labels       map[string]string
	}
	RootFS struct{ Layers []string }
}

// strataHistory and strataInspect are the contract fields the tests read.
type strataHistory struct {
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	Size      int64     `json:"size"`
	Comment   string    `json:"comment"`
}

type strataInspect struct {
	ID           string    `json:"id"`
	RepoTags     []string  `json:"repo_tags"`
	Created      time.Time `json:"created"`
	OS           string    `json:"os"`
	Architecture string    `json:"architecture"`
	Size         int64     `json:"size"`
	Config       struct {
		User         string            `json:"user"`
		Env          []string          `json:"env"`
		Entrypoint   []string          `json:"entrypoint"`
		Cmd          []string          `json:"cmd"`
		WorkingDir   string            `json:"working_dir"`
		ExposedPorts []string          `json:"exposed_ports"`
		Volumes      []string          `json:"volumes"`
		Labels       map[string]string `json:"labels"`
	} `json:"config"`
	Layers []struct {
		DiffID string `json:"diff_id"`
	} `json:"layers"`
	Source struct {
		Format      string `json:"format"`
		Compression string `json:"compression"`
	} `json:"source"`
}

func strataJSON(t *testing.T, v any, stdin []byte, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append(args, "-o", "json"), bytes.NewReader(stdin), &out, &errb); err != nil && !errors.Is(err, errDifferent) {
		t.Fatalf("strata %v: %v\n%s", args, err, errb.String())
	}
	decodeDocument(t, out.Bytes(), v, args)
}

// decodeDocument checks a JSON document's schema version and decodes it into v; a pointer
// to a slice receives the list the document holds (history, files).
func decodeDocument(t *testing.T, b []byte, v any, args []string) {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("strata %v: output is not a JSON object: %v", args, err)
	}
	if got := string(doc["schema_version"]); got != "1" {
		t.Errorf("strata %v: schema_version is %q, want 1", args, got)
	}
	if reflect.TypeOf(v).Elem().Kind() == reflect.Slice {
		if len(doc) != 2 {
			t.Fatalf("strata %v: a list document has %d fields, want schema_version and the list", args, len(doc))
		}
		for k, raw := range doc {
			if k != "schema_version" {
				b = raw
			}
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("strata %v: output is not the expected JSON: %v", args, err)
	}
}

func readDockerHistory(t *testing.T, name string) []strataHistory {
	t.Helper()
	return readDockerHistoryFile(t, filepath.Join("testdata", "docker", name+".history.jsonl"))
}

// readDockerHistoryFile reads a recorded `docker history --no-trunc --format '{{json .}}'`.
func readDockerHistoryFile(t *testing.T, file string) []strataHistory {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []strataHistory
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d dockerHistoryRow
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		created, err := time.Parse(time.RFC3339, d.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		size, err := strconv.ParseInt(d.Size, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, strataHistory{Created: created.UTC(), CreatedBy: d.CreatedBy, Size: size, Comment: d.Comment})
	}
	return rows
}

func readDockerInspect(t *testing.T, name string) dockerInspect {
	t.Helper()
	return readDockerInspectFile(t, filepath.Join("testdata", "docker", name+".inspect.json"))
}

// readDockerInspectFile reads a recorded `docker image inspect` of one image.
func readDockerInspectFile(t *testing.T, file string) dockerInspect {
	t.Helper()
	name := filepath.Base(file)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d []dockerInspect
	if err := json.Unmarshal(b, &d); err != nil || len(d) != 1 {
		t.Fatalf("%s: %v", name, err)
	}
	return d[0]
}

func sortedKeys[V any](m map[string]V) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// input is one way of handing strata an image Docker made.
type input struct {
	name   string // the fixture whose Docker answers apply
	args   []string
	stdin  string // file to feed on stdin, for "-"
	format string
	comp   string
	sameID bool // false where the tool that wrote it rewrote the config (skopeo to OCI)
	tags   []string
}

func dockerInputs() []input {
	d := filepath.Join("testdata", "docker")
	ins := []input{}
	for _, n := range []string{"base", "kitchen", "small", "small2"} {
		ins = append(ins, input{name: n, args: []string{filepath.Join(d, n+".tar")}, format: "docker-archive", comp: "none", sameID: true})
	}
	return append(ins,
		input{name: "kitchen", args: []string{filepath.Join(d, "kitchen.tar.gz")}, format: "docker-archive", comp: "gzip", sameID: true},
		input{name: "kitchen", args: []string{filepath.Join(d, "kitchen.tar.zst")}, format: "docker-archive", comp: "zstd", sameID: true},
		input{name: "kitchen", args: []string{"-"}, stdin: filepath.Join(d, "kitchen.tar.gz"), format: "docker-archive", comp: "gzip", sameID: true},
		input{name: "kitchen", args: []string{"-"}, stdin: filepath.Join(d, "kitchen.tar"), format: "docker-archive", comp: "none", sameID: true},
		input{name: "kitchen", args: []string{filepath.Join(d, "kitchen.skopeo-docker.tar")}, format: "docker-archive", comp: "none", sameID: true, tags: []string{"docker.io/strata-fixture/kitchen:1"}},
		input{name: "kitchen", args: []string{filepath.Join(d, "kitchen.oci.tar")}, format: "oci-archive", comp: "none", tags: []string{"strata-fixture/kitchen:1"}},
		input{name: "kitchen", args: []string{filepath.Join(d, "kitchen.oci")}, format: "oci-layout", comp: "none", tags: []string{"strata-fixture/kitchen:1"}},
		input{name: "kitchen", args: []string{"--image", "strata-fixture/kitchen:1", filepath.Join(d, "multi.tar")}, format: "docker-archive", comp: "none", sameID: true},
		input{name: "small", args: []string{"--image", "docker.io/strata-fixture/small:1", filepath.Join(d, "multi.tar")}, format: "docker-archive", comp: "none", sameID: true},
		input{name: "small", args: []string{filepath.Join(d, "untagged.tar")}, format: "docker-archive", comp: "none", sameID: true, tags: []string{}},
	)
}

func TestHistoryMatchesDocker(t *testing.T) {
	t.Parallel()
	for _, in := range dockerInputs() {
		t.Run(filepath.Base(in.args[len(in.args)-1])+"/"+in.stdin, func(t *testing.T) {
			var got []strataHistory
			strataJSON(t, &got, readStdin(t, in.stdin), append([]string{"history"}, in.args...)...)
			for i := range got {
				got[i].Created = got[i].Created.Truncate(time.Second) // Docker prints whole seconds
			}
			if diff := cmp.Diff(readDockerHistory(t, in.name), got); diff != "" {
				t.Errorf("history (-docker +strata):\n%s", diff)
			}
		})
	}
}

func TestInspectMatchesDocker(t *testing.T) {
	t.Parallel()
	for _, in := range dockerInputs() {
		t.Run(filepath.Base(in.args[len(in.args)-1])+"/"+in.stdin, func(t *testing.T) {
			d := readDockerInspect(t, in.name)
			var got strataInspect
			strataJSON(t, &got, readStdin(t, in.stdin), append([]string{"inspect"}, in.args...)...)
			if in.sameID && got.ID != d.ID {
				t.Errorf("id = %s, docker says %s", got.ID, d.ID)
			}
			wantTags := d.RepoTags
			if in.tags != nil {
				wantTags = in.tags
			}
			if in.name == "kitchen" && len(in.args) > 1 { // multi.tar: only this image's tag
				wantTags = []string{"strata-fixture/kitchen:1"}
			}
			if diff := cmp.Diff(orEmpty(wantTags), got.RepoTags); diff != "" {
				t.Errorf("repo_tags (-docker +strata):\n%s", diff)
			}
			if got.Size != d.Size {
				t.Errorf("size = %d, docker says %d", got.Size, d.Size)
			}
			if !got.Created.Equal(d.Created) || got.OS != d.Os || got.Architecture != d.Architecture {
				t.Errorf("created/os/arch = %v %s %s, docker says %v %s %s", got.Created, got.OS, got.Architecture, d.Created, d.Os, d.Architecture)
			}
			if got.Source.Format != in.format || got.Source.Compression != in.comp {
				t.Errorf("source = %s/%s, want %s/%s", got.Source.Format, got.Source.Compression, in.format, in.comp)
			}
			c := d.Config
			want := []any{c.User, orEmpty(c.Env), orEmpty(c.Entrypoint), orEmpty(c.Cmd), c.WorkingDir, sortedKeys(c.ExposedPorts), sortedKeys(c.Volumes), c.Labels}
			g := got.Config
			have := []any{g.User, g.Env, g.Entrypoint, g.Cmd, g.WorkingDir, g.ExposedPorts, g.Volumes, g.Labels}
			if c.Labels == nil {
				want[7] = map[string]string{}
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("config [user env entrypoint cmd working_dir ports volumes labels] (-docker +strata):\n%s", diff)
			}
			var diffIDs []string
			for _, l := range got.Layers {
				diffIDs = append(diffIDs, l.DiffID)
			}
			if diff := cmp.Diff(d.RootFS.Layers, diffIDs); diff != "" {
				t.Errorf("diff_ids (-docker +strata):\n%s", diff)
			}
		})
	}
}

func readStdin(t *testing.T, name string) []byte {
	t.Helper()
	if name == "" {
		return nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
