package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestRun: the command writes every quirk archive, byte for byte the committed one
// (testdata/quirks is what it wrote), and nothing else.
func TestRun(t *testing.T) {
	out := t.TempDir()
	if err := run(out, ""); err != nil {
		t.Fatal(err)
	}
	files := testgen.QuirkFiles()
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != len(files) {
		t.Fatalf("%d files written, want %d (%v)", len(entries), len(files), err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(out, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "testdata", "quirks", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes written differ from the committed %d", f.Name, len(got), len(want))
		}
	}
}
