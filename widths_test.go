package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mattn/go-runewidth"
)

// TestTablesAt80And200: every command's table output on a terminal of 80 and of 200
// columns (a pseudo-terminal: what a user sees), against goldens in testdata/widths
// (UPDATE_GOLDEN=1 rewrites them). No line is wider than the terminal, except an image ID
// or digest line, printed whole (it is copied whole), and messages on stderr.
func TestTablesAt80And200(t *testing.T) {
	if testing.Short() {
		t.Skip("runs strata in a pseudo-terminal 30 times")
	}
	lock := filepath.Join(t.TempDir(), "small.lock.json")
	var b bytes.Buffer
	if err := run(context.Background(), []string{"baseline", "testdata/docker/small.tar"}, nil, &b, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	k := "testdata/docker/kitchen.tar"
	cases := []struct {
		name string
		args []string
	}{
		{"inspect", []string{"inspect", k}},
		{"history", []string{"history", k}},
		{"files", []string{"files", k}},
		{"files-tree", []string{"files", "--tree", k}},
		{"files-layer", []string{"files", "--layer", "1", "testdata/synth/whiteouts.tar"}},
		{"files-hash", []string{"files", "--hash", "sha256", "testdata/docker/small.tar"}},
		{"diff", []string{"diff", "testdata/docker/small.tar", "testdata/docker/small2.tar"}},
		{"diff-export", []string{"diff", k, "testdata/docker/ctr-basic.export.tar"}},
		{"diff-build", []string{"diff", k, "testdata/docker/kitchen.oci"}},
		{"images", []string{"images", "testdata/docker/multi.tar"}},
		{"check", []string{"check", "--rule", "max_size=200MB", "--rule", "forbid_sensitive_hidden=true",
			"--rule", `forbid_paths=[/root/.aws/**, "**/*.pem", "**/.env"]`, "--rule", "setuid_allow=/usr/bin/passwd",
			"--rule", "require_non_root_user=true", "--rule", "required_labels.org.example.version=^[0-9]+$", k}},
		{"baseline", []string{"baseline", "--against", lock, "testdata/docker/small2.tar"}},
	}
	for _, c := range cases {
		for _, cols := range []uint16{80, 200} {
			name := c.name + "-" + map[uint16]string{80: "80", 200: "200"}[cols]
			t.Run(name, func(t *testing.T) {
				r, cmd := startPTY(t, cols, nil, nil, c.args...)
				out, err := r.finish(cmd)
				var ee *exec.ExitError
				if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
					t.Fatalf("%v: %v\n%s", c.args, err, out)
				}
				out = strings.ReplaceAll(out, "\r\n", "\n")
				for _, l := range strings.Split(out, "\n") {
					// An ID or digest line is printed whole, and so is a message on stderr
					// ("strata: warning: …": one line each, never cut).
					whole := strings.HasPrefix(l, "ID:") || strings.HasPrefix(l, "Digest:") || strings.HasPrefix(l, "strata: ")
					if w := runewidth.StringWidth(l); w > int(cols) && !whole {
						t.Errorf("%d columns: a line is %d wide: %q", cols, w, l)
					}
				}
				golden := filepath.Join("testdata", "widths", name+".golden")
				if os.Getenv("UPDATE_GOLDEN") != "" {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
				}
				if d := cmp.Diff(string(want), out); d != "" {
					t.Errorf("%v at %d columns (-golden +got):\n%s", c.args, cols, d)
				}
			})
		}
	}
}
