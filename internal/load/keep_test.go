package load

import (
	"context"
	"testing"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/image"
)

// Options.Keep holds the named files' content of a streamed input, in every layer, and
// content reads find it; a seekable input keeps nothing (it is read on demand).
func TestKeep(t *testing.T) {
	want := map[string]string{}
	seek, err := Open(context.Background(), "../../testdata/docker/kitchen.tar", nil, Options{Keep: []string{"/etc/passwd"}})
	if err != nil {
		t.Fatal(err)
	}
	defer seek.Close()
	var refs []content.Ref
	for _, l := range seek.Layers {
		if l.Kept != nil {
			t.Errorf("seekable layer %d kept %d files", l.Index, len(l.Kept))
		}
		for i := range l.Entries {
			if e := &l.Entries[i]; e.Path == "/etc/passwd" || e.Path == "/etc/app/app.conf" {
				refs = append(refs, content.Ref{Layer: l, Entry: e})
			}
		}
	}
	got, err := content.Read(refs, 0)
	if err != nil {
		t.Fatal(err)
	}
	for e, b := range got {
		want[e.Path] = string(b)
	}
	for _, name := range []string{"../../testdata/docker/kitchen.tar.gz", "../../testdata/docker/kitchen.tar.zst"} {
		img, err := Open(context.Background(), name, nil, Options{Keep: []string{"/etc/passwd", "/etc/app/app.conf"}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var refs []content.Ref
		for _, l := range img.Layers {
			for i := range l.Entries {
				e := &l.Entries[i]
				if e.Type != image.TypeFile {
					continue
				}
				b, ok := l.Kept[e.Offset]
				switch named := e.Path == "/etc/passwd" || e.Path == "/etc/app/app.conf"; {
				case named && !ok:
					t.Errorf("%s: layer %d %s not kept", name, l.Index, e.Path)
				case !named && ok:
					t.Errorf("%s: layer %d %s kept", name, l.Index, e.Path)
				case named:
					n++
					if string(b) != want[e.Path] {
						t.Errorf("%s: %s kept %q, want %q", name, e.Path, b, want[e.Path])
					}
					refs = append(refs, content.Ref{Layer: l, Entry: e})
				}
			}
		}
		// passwd in layer 0, app.conf in layer 2
		if n != 2 {
			t.Errorf("%s: %d files kept, want 2", name, n)
		}
		if _, err := content.Read(refs, 0); err != nil {
			t.Errorf("%s: reading kept files: %v", name, err)
		}
		img.Close()
	}
}

// Options.KeepMatch keeps, in a streamed input, every regular file it accepts (beside the
// named ones), and only those.
func TestKeepMatch(t *testing.T) {
	match := func(e *image.Entry) bool { return e.Path == "/etc/passwd" || e.Path == "/etc/app/app.conf" }
	img, err := Open(context.Background(), "../../testdata/docker/kitchen.tar.gz", nil, Options{KeepMatch: match})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	n := 0
	for _, l := range img.Layers {
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Type != image.TypeFile {
				continue
			}
			_, ok := l.Kept[e.Offset]
			if ok != match(e) {
				t.Errorf("layer %d %s: kept %v", l.Index, e.Path, ok)
			}
			if ok {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("nothing kept")
	}
}
