package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/internal/load"
)

// TestHostileInputs: each input genhostile writes is refused by the loader for the limit
// its class is about (the classes of issue 9, under the default limits).
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("writes the hostile inputs")
	}
	dir := t.TempDir()
	if err := run(dir, false, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]error{"repeat.tar": load.ErrLimit, "configs.tar": load.ErrLimit} {
		img, err := load.Open(context.Background(), filepath.Join(dir, name), nil, load.Options{})
		if err == nil {
			img.Close()
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	// The sparse file's holes are never read: the input opens, and its content is refused
	// (content's tests hold that); the layout is a valid one the caller then spoils.
	for _, name := range []string{"sparse.tar", "layout"} {
		img, err := load.Open(context.Background(), filepath.Join(dir, name), nil, load.Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		img.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "layout", "index.json")); err != nil {
		t.Error(err)
	}
}
