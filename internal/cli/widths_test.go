package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"
	"github.com/mattn/go-runewidth"
)

// TestTablesAt80And200: every command's table output on a terminal of 80 and of 200
// columns (stdout and stderr a pseudo-terminal: what a user sees), against goldens in testdata/widths
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
	t.Setenv("COLUMNS", "")
	t.Setenv("STRATA_PROGRESS_DELAY", "1h") // no progress line, however slow the machine
	for _, c := range cases {
		for _, cols := range []uint16{80, 200} {
			name := c.name + "-" + map[uint16]string{80: "80", 200: "200"}[cols]
			t.Run(name, func(t *testing.T) {
				out, code := runOnTerminal(t, cols, c.args...)
				if code > 1 {
					t.Fatalf("%v: exit %d\n%s", c.args, code, out)
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

// runOnTerminal runs strata in this process with stdout and stderr a pseudo-terminal of
// cols columns, and returns what the terminal received and the exit status.
func runOnTerminal(t *testing.T, cols uint16, args ...string) (string, int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: cols, Rows: 50}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(&out, ptmx) // until the terminal closes (EIO)
	}()
	code := exitCode(run(context.Background(), args, nil, tty, tty), tty)
	tty.Close()
	<-done
	return out.String(), code
}
