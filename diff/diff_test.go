package diff

import (
	"fmt"
	"strings"
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

// An export sharing nothing with the image is compared, with warnings: a container can
// delete every file of its image (rm -rf), and nothing in such an export shows it never was
// the image's.
func TestExportOfAnotherImageWarns(t *testing.T) {
	img := rootfsOf(image.FormatDockerArchive, "img", 40)
	export := rootfsOf(image.FormatRootfs, "other", 40)
	r, err := Compare(merged(img), merged(export), Options{})
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[0], "40 of the image's 40 files are deleted or changed") || !strings.Contains(r.Warnings[1], "the export lacks all 40 files that layer 0") {
		t.Errorf("warnings = %q", r.Warnings)
	}
	if r.Summary.Added != 40 || r.Summary.Deleted != 40 {
		t.Errorf("%+v, want 40 added and 40 deleted", r.Summary)
	}
	r, err = Compare(merged(img), merged(export), Options{Force: true})
	if err != nil || len(r.Warnings) != 0 {
		t.Errorf("--force: %v, warnings %q", err, r.Warnings)
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
