package testgen

import (
	"archive/tar"
	"bytes"
	"testing"
)

// TestSparseHolesReads: archive/tar accepts the sparse member and its logical size.
func TestSparseHolesReads(t *testing.T) {
	tr := tar.NewReader(bytes.NewReader(SparseHoles("f", 1<<50)))
	h, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "f" || h.Size != 1<<50 {
		t.Fatalf("got %q of %d bytes", h.Name, h.Size)
	}
}
