package content

import (
	"archive/tar"
	"bytes"
	"io"
	"sort"
	"sync"
	"testing"

	"github.com/strata-dev/strata/internal/image"
)

// layerOf writes files into a tar and returns a layer reading it in each of the three
// ways content allows (at random, as a stream, from kept bytes), with entries at the
// offsets the tar gives them.
func layerOf(t *testing.T, files map[string]string, how string) *image.Layer {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var entries []image.Entry
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(files[n])), Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Flush()
		entries = append(entries, image.Entry{Path: "/" + n, Size: int64(len(files[n])), Offset: int64(b.Len())})
		io.WriteString(tw, files[n])
	}
	tw.Close()
	data := b.Bytes()
	l := &image.Layer{Entries: entries}
	switch how {
	case "random":
		l.ReaderAt = bytes.NewReader(data)
	case "stream":
		l.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	case "kept":
		l.Kept = map[int64][]byte{}
		for _, e := range entries {
			l.Kept[e.Offset] = data[e.Offset : e.Offset+e.Size]
		}
	}
	return l
}

// TestEach: every regular-file ref's content, once each, whichever way the layer is read;
// a ref named twice is read once; a layer that cannot be read again is ErrUnavailable.
func TestEach(t *testing.T) {
	for _, how := range []string{"random", "stream", "kept"} {
		a := layerOf(t, map[string]string{"a": "alpha", "b": "bravo", "c": ""}, how)
		b := layerOf(t, map[string]string{"d": "delta"}, how)
		refs := []Ref{{a, &a.Entries[0]}, {a, &a.Entries[2]}, {b, &b.Entries[0]}, {a, &a.Entries[0]}}
		var mu sync.Mutex
		got := map[string]string{}
		err := Each(refs, func(r Ref, rd io.Reader) error {
			data, err := io.ReadAll(rd)
			mu.Lock()
			defer mu.Unlock()
			if _, dup := got[r.Entry.Path]; dup {
				t.Errorf("%s: %s read twice", how, r.Entry.Path)
			}
			got[r.Entry.Path] = string(data)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		want := map[string]string{"/a": "alpha", "/c": "", "/d": "delta"}
		if len(got) != len(want) || got["/a"] != "alpha" || got["/c"] != "" || got["/d"] != "delta" {
			t.Errorf("%s: got %q, want %q", how, got, want)
		}
	}
	l := layerOf(t, map[string]string{"a": "x"}, "none")
	if err := Each([]Ref{{l, &l.Entries[0]}}, func(Ref, io.Reader) error { return nil }); err == nil {
		t.Error("a layer with no way to read it: no error")
	}
}
