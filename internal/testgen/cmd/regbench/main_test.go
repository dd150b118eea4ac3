package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestGzipTo: a layer pushed gzip'd by regbench decompresses to the layer's own bytes, and
// the registry descriptor ggcr computes for it names that gzip.
func TestGzipTo(t *testing.T) {
	want := bytes.Repeat([]byte("strata layer bytes\n"), 1000)
	p := filepath.Join(t.TempDir(), "layer.gz")
	if err := gzipTo(p, static.NewLayer(want, types.DockerLayer)); err != nil {
		t.Fatal(err)
	}
	l, err := tarball.LayerFromFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the gzip'd layer reads back %d bytes (%v), want %d", len(got), err, len(want))
	}
	fi, _ := os.Stat(p)
	if size, _ := l.Size(); size != fi.Size() {
		t.Errorf("descriptor size %d, file %d", size, fi.Size())
	}
}

// TestLastLine: the figures /usr/bin/time prints are the last line of a command's output.
func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{"a\nb\n\n": "b", "only": "only", "": "", "x\n0.1 s\n": "0.1 s"} {
		if got := lastLine([]byte(in)); got != want {
			t.Errorf("lastLine(%q) = %q, want %q", in, got, want)
		}
	}
}
