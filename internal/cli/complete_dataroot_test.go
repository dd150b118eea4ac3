//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompleteContainers: --container completes with the names and short IDs of the
// containers of the data root on the command line, as the engine recorded them (docker
// container inspect of the captured root).
func TestCompleteContainers(t *testing.T) {
	dir := unpackRoot(t, "docker-overlay2")
	b, err := os.ReadFile(filepath.Join("testdata", "dataroot", "docker-overlay2.containers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var inspect []struct{ ID, Name string }
	if err := json.Unmarshal(b, &inspect); err != nil || len(inspect) == 0 {
		t.Fatalf("%d containers recorded: %v", len(inspect), err)
	}
	got, dir2 := complete(t, "diff", dir, "--container", "")
	values := map[string]bool{}
	for _, g := range got {
		v, _, _ := strings.Cut(g, "\t")
		values[v] = true
	}
	for _, c := range inspect {
		if name := strings.TrimPrefix(c.Name, "/"); !values[name] || !values[c.ID[:12]] {
			t.Errorf("container %s (%s) not offered: %q", name, c.ID[:12], got)
		}
	}
	if len(values) != 2*len(inspect) || dir2 != ":4" {
		t.Errorf("%d values (directive %s) for %d containers: %q", len(values), dir2, len(inspect), got)
	}
}
