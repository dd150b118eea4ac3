package diff

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

func entries(specs ...string) []image.Entry {
	var out []image.Entry
	for _, s := range specs {
		e := image.Entry{Path: strings.TrimSuffix(s, "/"), Type: image.TypeFile, Size: 1, Mode: 0o644}
		if strings.HasSuffix(s, "/") {
			e.Type, e.Size, e.Mode = image.TypeDir, 0, 0o755
		}
		e.SetDigest("sha256:same")
		out = append(out, e)
	}
	return out
}

// A small image (under the file-count threshold of the older check) of a shared base and
// one layer per case; the export holds the base and what the case lists.
func TestExportLacksALayer(t *testing.T) {
	base := entries("/bin/", "/bin/sh", "/etc/", "/etc/passwd")
	cases := []struct {
		name   string
		top    []image.Entry
		volume string
		export []string
		want   string // "" : accepted
	}{
		{"its own container", entries("/app/", "/app/a", "/app/b"), "", []string{"/app/", "/app/a"}, ""},
		{"container deleted one of two", entries("/app/", "/app/a", "/app/b"), "", []string{"/app/", "/app/b"}, ""},
		{"a sibling's container", entries("/app/", "/app/a", "/app/b"), "", []string{"/srv/", "/srv/x"}, "lacks all 2 files that layer 1 of the image (RUN top) shows (/app/a, /app/b)"},
		{"a layer of directories only", entries("/app/", "/app/data/"), "", []string{"/app/", "/app/data/"}, ""},
		{"a layer of directories only, absent", entries("/app/", "/app/data/"), "", []string{"/srv/"}, "lacks all 2 directories that layer 1"},
		{"a directory layer over base directories", entries("/etc/"), "", []string{}, ""},
		{"files under a volume do not count", entries("/data/", "/data/db"), "/data", []string{}, ""},
		{"runtime entries do not count", entries("/etc/", "/etc/hosts"), "", []string{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &v1.ConfigFile{}
			if c.volume != "" {
				cfg.Config.Volumes = map[string]struct{}{c.volume: {}}
			}
			img := &image.Image{Source: image.Source{Format: image.FormatDockerArchive}, Config: cfg, Layers: []*image.Layer{
				{Index: 0, Entries: base},
				{Index: 1, Entries: c.top, History: &v1.History{CreatedBy: "RUN top"}},
			}}
			export := &image.Image{Source: image.Source{Format: image.FormatRootfs}, Layers: []*image.Layer{
				{Entries: append(append([]image.Entry(nil), base...), entries(c.export...)...)},
			}}
			_, err := Compare(merged(img), merged(export), Options{})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (!errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want ErrMismatch saying %q", err, c.want)
			}
			if _, err := Compare(merged(img), merged(export), Options{Force: true}); err != nil {
				t.Errorf("--force: %v", err)
			}
		})
	}
}
