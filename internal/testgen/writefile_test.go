package testgen

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFile: a fixture is written whole or not at all — a writer that fails leaves no
// file, not even its temporary one, and an existing fixture stays as it was.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.tar")
	if err := WriteFile(p, func(w io.Writer) error { _, err := io.WriteString(w, "whole"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := WriteFile(p, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("a failing writer: %v", err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "whole" {
		t.Errorf("the fixture after a failed write: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files left, want the fixture alone", len(entries))
	}
}
