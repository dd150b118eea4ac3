package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
)

// TestRegistryPackages: an image's packages read from the registry are those read from its
// archive, in every view (the rpm fixture: an upgrade, a removal, a downgrade, kernels side
// by side), and diff --packages between the two finds nothing.
func TestRegistryPackages(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	f, err := os.Open("testdata/packages/rpm/rpm.tar.xz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := xz.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "rpm.tar")
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	reg.pushArchive(t, archive, "rpm:1")
	drop := []string{"source", "repo_tags"}
	for _, cmd := range [][]string{{"packages"}, {"packages", "--by-layer"}, {"packages", "--layer", "3"}} {
		want := strataDoc(t, drop, append(cmd, archive)...)
		got := strataDoc(t, drop, append(cmd, reg.ref("rpm:1"))...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("strata %v: registry differs from the archive (-file +registry):\n%s", cmd, diff)
		}
		if cmd[len(cmd)-1] == "packages" && len(want["packages"].([]any)) != 4 {
			t.Errorf("strata %v: %d packages, want 4", cmd, len(want["packages"].([]any)))
		}
	}
	doc := strataDoc(t, nil, "diff", "--packages", archive, reg.ref("rpm:1"))
	if diff := cmp.Diff(map[string]any{"only_old": 0.0, "only_new": 0.0, "upgraded": 0.0, "downgraded": 0.0, "changed": 0.0, "resized": 0.0, "size_delta": 0.0},
		doc["packages"].(map[string]any)["summary"]); diff != "" {
		t.Errorf("diff --packages archive registry (-want +got):\n%s", diff)
	}
}
