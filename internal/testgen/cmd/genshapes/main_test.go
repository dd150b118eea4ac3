package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShapes: the inputs are tar archives of the shapes they are named for — the deepest
// path of deep6x8190.tar has 8,190 directories above its file, wide.tar's layer the
// number of entries asked.
func TestShapes(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, 300); err != nil {
		t.Fatal(err)
	}
	depth, entries := 0, 0
	for _, name := range []string{"deep6x8190.tar", "wide-export.tar"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		walk(t, f, func(h *tar.Header, r io.Reader) {
			if name == "wide-export.tar" {
				entries++
				return
			}
			if filepath.Base(h.Name) == "layer.tar" {
				walk(t, r, func(h *tar.Header, _ io.Reader) { depth = max(depth, strings.Count(strings.Trim(h.Name, "/"), "/")) })
			}
		})
		f.Close()
	}
	if depth != 8190 {
		t.Errorf("deep6x8190.tar: deepest path %d directories down, want 8190", depth)
	}
	if entries < 300 {
		t.Errorf("wide-export.tar: %d entries, want at least 300", entries)
	}
	for _, name := range []string{"deep8190.tar", "small.tar", "wide.tar"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func walk(t *testing.T, r io.Reader, fn func(*tar.Header, io.Reader)) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(h, tr)
	}
}
