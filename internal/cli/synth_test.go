package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

// The tests in this file compare strata with the expectations written by hand for the
// synthetic archives in testdata/synth (see its README for every case).

type fileRow struct {
	Path  string `json:"path"`
	Type  string `json:"type"`
	Size  int64  `json:"size"`
	Mode  string `json:"mode"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Link  string `json:"link"`
	Layer int    `json:"layer"`
}

type hiddenRow struct {
	Path          string `json:"path"`
	Layer         int    `json:"layer"`
	Size          int64  `json:"size"`
	HiddenByLayer int    `json:"hidden_by_layer"`
	Reason        string `json:"reason"`
}

func readJSONFile(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func synth(name string) string { return filepath.Join("testdata", "synth", name) }

func TestSynthMergedFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expected string
		args     []string
	}{
		{"whiteouts", []string{synth("whiteouts.tar")}},
		{"whiteouts", []string{synth("whiteouts.tar.gz")}},
		{"whiteouts", []string{synth("whiteouts.tar.zst")}},
		{"whiteouts", []string{synth("whiteouts.tar.xz")}},
		{"whiteouts", []string{synth("whiteouts.tar.bz2")}},
		{"small", []string{"--image", "app:1", synth("docker25.tar")}},
		{"small", []string{"--platform", "linux/amd64", synth("containerd.tar")}},
		{"small", []string{synth("containerd.tar")}},
		{"small", []string{synth("oci.tar")}},
		{"small", []string{synth("oci-layout")}},
		{"small", []string{synth("skopeo.tar")}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.args[len(tt.args)-1])+" "+tt.args[0], func(t *testing.T) {
			var want, got []fileRow
			readJSONFile(t, synth(tt.expected+".expected.json"), &want)
			strataJSON(t, &got, nil, append([]string{"files"}, tt.args...)...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files (-hand-written +strata):\n%s", diff)
			}

			var wantHidden []hiddenRow
			readJSONFile(t, synth(tt.expected+".hidden.expected.json"), &wantHidden)
			var report struct {
				Hidden []struct {
					Path     string `json:"path"`
					Type     string `json:"type"`
					Layer    int    `json:"layer"`
					Size     int64  `json:"size"`
					HiddenBy int    `json:"hidden_by"`
					Reason   string `json:"reason"`
				} `json:"hidden"`
			}
			strataJSON(t, &report, nil, append([]string{"inspect"}, tt.args...)...)
			gotHidden := []hiddenRow{}
			for _, h := range report.Hidden {
				if h.Type == "file" {
					gotHidden = append(gotHidden, hiddenRow{h.Path, h.Layer, h.Size, h.HiddenBy, h.Reason})
				}
			}
			if diff := cmp.Diff(wantHidden, gotHidden); diff != "" {
				t.Errorf("hidden regular files (-hand-written +strata):\n%s", diff)
			}
		})
	}
}

// TestImpliedParentsAsDocker: a layer whose entries and whiteout markers have no parent
// directory entries. Loaded into Docker Engine 20.10 (vfs) and exported, this archive showed
// /deep, /deep/er, /newdir, /otherdir and /plain as directories of mode 0600 owned by root:
// moby creates missing parents with MkdirAll(parent, 0600), for whiteout markers too.
func TestImpliedParentsAsDocker(t *testing.T) {
	t.Parallel()
	img := testgen.Image{Tags: []string{"wh-parent:2"}, Layers: []testgen.Layer{
		{Entries: []testgen.Entry{testgen.Dir("bin/"), {Name: "bin/sh", Content: []byte("x"), Mode: 0755}}},
		{Entries: []testgen.Entry{testgen.Whiteout("newdir/gone"), testgen.Opaque("otherdir"),
			{Name: "plain/f", Content: []byte("y"), Mode: 0640}, {Name: "deep/er/g", Content: []byte("z"), Mode: 0600}}},
	}}
	var buf bytes.Buffer
	if err := testgen.WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	var got []fileRow
	strataJSON(t, &got, buf.Bytes(), "files", "-")
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %d:%d layer %d", f.Path, f.Type, f.Mode, f.UID, f.GID, f.Layer))
	}
	want := []string{
		"/bin dir 0755 0:0 layer 0", "/bin/sh file 0755 0:0 layer 0",
		"/deep dir 0600 0:0 layer -1", "/deep/er dir 0600 0:0 layer -1", "/deep/er/g file 0600 0:0 layer 1",
		"/newdir dir 0600 0:0 layer -1", "/otherdir dir 0600 0:0 layer -1",
		"/plain dir 0600 0:0 layer -1", "/plain/f file 0640 0:0 layer 1",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("files (-docker +strata):\n%s", diff)
	}
}
