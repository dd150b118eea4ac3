package diff

import (
	"errors"
	"fmt"
	"testing"

	"github.com/strata-dev/strata/internal/image"
)

func rootfsOf(format image.Format, prefix string, n int) *image.Image {
	l := &image.Layer{}
	for i := 0; i < n; i++ {
		e := image.Entry{Path: fmt.Sprintf("/%s%d", prefix, i), Type: image.TypeFile, Size: 1, Mode: 0644}
		e.SetDigest("sha256:same")
		l.Entries = append(l.Entries, e)
	}
	return &image.Image{Source: image.Source{Format: format}, Layers: []*image.Layer{l}}
}

func TestExportOfAnotherImageIsRefused(t *testing.T) {
	img := rootfsOf(image.FormatDockerArchive, "img", 40)
	export := rootfsOf(image.FormatRootfs, "other", 40)
	_, err := Compare(merged(img), merged(export), Options{})
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("err = %v, want ErrMismatch", err)
	}
	r, err := Compare(merged(img), merged(export), Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Added != 40 || r.Summary.Deleted != 40 {
		t.Errorf("forced: %+v, want 40 added and 40 deleted", r.Summary)
	}
}

func TestTwoExportsWarn(t *testing.T) {
	a, b := rootfsOf(image.FormatRootfs, "f", 3), rootfsOf(image.FormatRootfs, "f", 4)
	r, err := Compare(merged(a), merged(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode != ModeImages || len(r.Warnings) != 1 || r.Summary.Added != 1 || !r.Different() {
		t.Errorf("got mode %s, warnings %q, summary %+v", r.Mode, r.Warnings, r.Summary)
	}
}
