package rpmdb

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestGoRPMDBCorpus: every database of go-rpmdb's test data (in the module cache when it
// is there) reads, each header parses; the counts are printed with -v for comparison.
func TestGoRPMDBCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(os.Getenv("HOME"), "go/pkg/mod/github.com/knqyf263/go-rpmdb@v0.1.1/pkg/testdata/*/*"))
	if len(files) == 0 {
		t.Skip("go-rpmdb's test data is not in the module cache")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs, kind, err := Blobs(data, nil, 1<<20)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		files := 0
		for _, b := range blobs {
			h, err := ParseHeader(b, 1<<22)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				break
			}
			files += len(h.Files)
		}
		t.Log(fmt.Sprintf("%s %s %d packages %d files", filepath.Base(filepath.Dir(f)), kind, len(blobs), files))
	}
}
