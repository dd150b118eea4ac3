package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestFixturesReproduce: gensynth writes testdata/synth byte for byte as committed: the
// fixtures are what the script makes, and nobody edited one by hand.
func TestFixturesReproduce(t *testing.T) {
	if testing.Short() {
		t.Skip("writes every synthetic fixture")
	}
	out := t.TempDir()
	if err := run(out); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "..", "testdata", "synth")
	n := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		want, err := os.ReadFile(filepath.Join(committed, rel))
		if err != nil {
			t.Errorf("%s: written, not committed: %v", rel, err)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes written differ from the %d committed", rel, len(got), len(want))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d files written", n)
	}
}
