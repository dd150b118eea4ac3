package diff

import (
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// at is a modification time, whole seconds after a fixed build time.
func at(sec int) int64 { return time.Date(2024, 1, 1, 0, 0, sec, 0, time.UTC).UnixNano() }

// entries makes entries from specs: "/path/" a directory, "/path" a file of 1 byte, a
// "-/path" suffix… a whiteout of /path; "@N" after a spec sets its time to at(N).
func entries(specs ...string) []image.Entry {
	var out []image.Entry
	for _, s := range specs {
		mt := at(0)
		if p, n, ok := strings.Cut(s, "@"); ok {
			s = p
			sec := 0
			for _, c := range n {
				sec = sec*10 + int(c-'0')
			}
			mt = at(sec)
		}
		if w, ok := strings.CutPrefix(s, "-"); ok {
			out = append(out, image.Entry{Path: w, Whiteout: image.WhiteoutDelete})
			continue
		}
		e := image.Entry{Path: strings.TrimSuffix(s, "/"), Type: image.TypeFile, Size: 1, Mode: 0o644, MTime: mt}
		if strings.HasSuffix(s, "/") {
			e.Type, e.Size, e.Mode = image.TypeDir, 0, 0o755
		}
		e.SetDigest("sha256:same")
		out = append(out, e)
	}
	return out
}

// A small image (under the file-count threshold of the older check) of a shared base and
// one layer per case; the export holds the base (or what base lists) and what the case lists.
// An export is refused only when it lacks every path of a layer and shows evidence that it
// never was the image's filesystem; lacking alone is a warning.
func TestExportLacksALayer(t *testing.T) {
	base := entries("/bin/", "/bin/sh", "/etc/", "/etc/passwd", "/usr/", "/usr/lib/")
	cases := []struct {
		name   string
		top    []image.Entry
		volume string
		base   []image.Entry // the export's copy of the base (default: base)
		export []string
		refuse string // the refusal says this
		warn   string // accepted with a warning saying this ("": no warning)
	}{
		{"its own container", entries("/app/", "/app/a", "/app/b"), "", nil, []string{"/app/", "/app/a"}, "", ""},
		{"container deleted one of two", entries("/app/", "/app/a", "/app/b"), "", nil, []string{"/app/", "/app/b"}, "", ""},
		{"container deleted every file of the top layer", entries("/app/", "/app/a", "/app/b"), "", nil, []string{"/app/@9"}, "",
			"lacks all 2 files that layer 1 of the image (RUN top) shows (/app/a, /app/b)"},
		{"a sibling's container, no evidence", entries("/app/", "/app/a", "/app/b"), "", nil, []string{"/srv/", "/srv/x"}, "",
			"lacks all 2 files that layer 1 of the image (RUN top) shows (/app/a, /app/b)"},
		{"a sibling's container: a deleted file back exactly", entries("/app/", "/app/a", "/etc/@5", "-/etc/passwd"), "", nil, []string{"/srv/", "/srv/x"},
			"has /etc/passwd exactly as layer 0 shipped it (file, 1 byte, mode 0644, modified 2024-01-01T00:00:00Z), which layer 1 deleted", ""},
		{"a sibling's container: a rewritten directory back exactly", entries("/usr/@5", "/usr/app"), "", nil, []string{}, "has /usr exactly as layer 0 shipped it", ""},
		{"a deleted file back exactly, the layer's own files there", entries("/app/", "/app/a", "/etc/@5", "-/etc/passwd"), "", nil, []string{"/app/", "/app/a"}, "", ""},
		{"a parent the deletion would have changed, container created later", entries("/usr/lib/app"), "", nil, []string{"/.dockerenv@30"},
			"it lacks /usr/lib/app, yet has /usr/lib exactly as the image does (dir, mode 0755, modified 2024-01-01T00:00:00Z), though its container was created at 2024-01-01T00:00:30Z", ""},
		{"a parent unchanged, container created in the same second", entries("/usr/lib/app"), "", nil, []string{"/.dockerenv@0"}, "", "lacks the one file that layer 1"},
		{"a parent unchanged, no container marker", entries("/usr/lib/app"), "", nil, []string{}, "", "lacks the one file that layer 1"},
		{"a layer of directories only", entries("/app/", "/app/data/"), "", nil, []string{"/app/", "/app/data/"}, "", ""},
		{"a layer of directories only, absent", entries("/app/", "/app/data/"), "", nil, []string{"/srv/"}, "", "lacks all 2 directories that layer 1"},
		{"a directory layer over base directories", entries("/etc/"), "", nil, []string{}, "", ""},
		{"files under a volume do not count", entries("/data/", "/data/db"), "/data", nil, []string{}, "", ""},
		{"runtime entries do not count", entries("/etc/", "/etc/hosts"), "", nil, []string{}, "", ""},
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
			eb := c.base
			if eb == nil {
				eb = base
			}
			var ee []image.Entry
			for _, e := range append(append([]image.Entry(nil), eb...), entries(c.export...)...) {
				ee = append(ee, e)
			}
			export := &image.Image{Source: image.Source{Format: image.FormatRootfs}, Layers: []*image.Layer{{Entries: ee}}}
			r, err := Compare(merged(img), merged(export), Options{})
			switch {
			case c.refuse == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.refuse != "" && (!errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), c.refuse)):
				t.Fatalf("err = %v, want ErrMismatch saying %q", err, c.refuse)
			case c.refuse == "" && c.warn == "" && len(r.Warnings) > 0:
				t.Errorf("warnings %q, want none", r.Warnings)
			case c.refuse == "" && c.warn != "" && (len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], c.warn)):
				t.Errorf("warnings %q, want one saying %q", r.Warnings, c.warn)
			}
			if _, err := Compare(merged(img), merged(export), Options{Force: true}); err != nil {
				t.Errorf("--force: %v", err)
			}
		})
	}
}
