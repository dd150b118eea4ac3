package cli

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type wasteRow struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	Files     int    `json:"files"`
	Layer     int    `json:"layer"`
	HiddenBy  int    `json:"hidden_by"`
	Reason    string `json:"reason"`
	Sensitive bool   `json:"sensitive"`
}

type bloatReport struct {
	Size        int64      `json:"size"`
	WastedBytes int64      `json:"wasted_bytes"`
	Efficiency  float64    `json:"efficiency"`
	Wasted      []wasteRow `json:"wasted"`
	Hidden      []struct {
		Path      string `json:"path"`
		Sensitive bool   `json:"sensitive"`
	} `json:"hidden"`
	Layers []struct {
		Size     int64 `json:"size"`
		Wasted   int64 `json:"wasted_bytes"`
		TopFiles []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
		} `json:"top_files"`
	} `json:"layers"`
}

// TestKitchenWaste checks the waste of testdata/docker/kitchen.tar against figures worked out
// by hand from images/kitchen/Dockerfile (layer numbers from `docker history`, base = 0).
func TestKitchenWaste(t *testing.T) {
	t.Parallel()
	want := []wasteRow{
		{"/opt/app/big.bin", 204800, 1, 3, 7, "metadata-only", false}, // chmod 0600 copies 200 KiB
		{"/root/.ssh/id_rsa", 89, 1, 4, 15, "deleted", true},          // the "secret", rm -f later
		{"/opt/app/overwrite.txt", 10, 1, 3, 5, "overwritten", false}, // "version 1\n"
		{"/opt/app/samesize.txt", 9, 1, 3, 6, "overwritten", false},   // AAAAAAAA → BBBBBBBB, same size
		{"/opt/app/doomed.txt", 7, 1, 3, 8, "deleted", false},         // "doomed\n"
		{"/opt/app/tree", 7, 2, 3, 9, "deleted", false},               // rm -rf: leaf.txt 5 + x.txt 2
		{"/opt/app/swap", 4, 1, 3, 10, "deleted", false},              // rm -rf: old/child.txt "old\n"
		{"/opt/app/swap2/old", 4, 1, 3, 12, "deleted", false},         // rm -rf + mkdir in one layer: .wh.old
	}
	for _, in := range []string{"kitchen.tar", "kitchen.tar.gz"} {
		var got bloatReport
		strataJSON(t, &got, nil, "inspect", filepath.Join("testdata", "docker", in))
		if diff := cmp.Diff(want, got.Wasted); diff != "" {
			t.Errorf("%s wasted (-hand +strata):\n%s", in, diff)
		}
		const wasted = 204800 + 89 + 10 + 9 + 7 + 7 + 4 + 4
		if got.WastedBytes != wasted {
			t.Errorf("%s wasted_bytes = %d, want %d", in, got.WastedBytes, wasted)
		}
		size := readDockerInspect(t, "kitchen").Size
		if want := 1 - float64(wasted)/float64(size); got.Efficiency != want {
			t.Errorf("%s efficiency = %v, want %v", in, got.Efficiency, want)
		}
		var sensitive []string
		for _, h := range got.Hidden {
			if h.Sensitive {
				sensitive = append(sensitive, h.Path)
			}
		}
		if diff := cmp.Diff([]string{"/root/.ssh/id_rsa"}, sensitive); diff != "" {
			t.Errorf("%s sensitive hidden (-want +got):\n%s", in, diff)
		}
		if l := got.Layers[3]; l.Wasted != 204800+10+9+7+7+4+4 || len(l.TopFiles) != 5 || l.TopFiles[0].Path != "/opt/app/big.bin" {
			t.Errorf("%s layer 3: wasted %d, top files %+v", in, l.Wasted, l.TopFiles)
		}
	}
	// --expand lists the files of a deleted directory one by one.
	var got bloatReport
	strataJSON(t, &got, nil, "inspect", "--expand", filepath.Join("testdata", "docker", "kitchen.tar"))
	var tree []string
	for _, w := range got.Wasted {
		if w.HiddenBy == 9 {
			tree = append(tree, w.Path)
		}
	}
	if diff := cmp.Diff([]string{"/opt/app/tree/a/b/leaf.txt", "/opt/app/tree/a/x.txt"}, tree); diff != "" {
		t.Errorf("--expand (-want +got):\n%s", diff)
	}
}

// TestWhiteoutsWaste: every hidden regular file of testdata/synth/whiteouts.tar
// (whiteouts.hidden.expected.json, 110 bytes) is waste except /data/target.txt (7 bytes),
// which the visible hardlink /data/alias still shows.
func TestWhiteoutsWaste(t *testing.T) {
	t.Parallel()
	var got bloatReport
	strataJSON(t, &got, nil, "inspect", synth("whiteouts.tar"))
	if got.WastedBytes != 103 {
		t.Errorf("wasted_bytes = %d, want 103", got.WastedBytes)
	}
	for _, w := range got.Wasted {
		if w.Path == "/data/target.txt" {
			t.Errorf("the hardlinked /data/target.txt counted as waste")
		}
	}
}
