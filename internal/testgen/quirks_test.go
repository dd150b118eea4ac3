package testgen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed archives of testdata/quirks are what genquirks writes now (the engines'
// answers beside them were recorded for those bytes).
func TestQuirkFixturesCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "quirks")
	for _, f := range QuirkFiles() {
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		have, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, b.Bytes()) {
			t.Errorf("testdata/quirks/%s is stale: rerun bash testdata/quirks/make-fixtures.sh", f.Name)
		}
	}
}
