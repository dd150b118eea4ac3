package load

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

func TestNewPathBytes(t *testing.T) {
	for _, c := range []struct {
		prev, p string
		want    int64
	}{
		{"", "/a", 2},
		{"", "/a/b/c", 2 + 4 + 6},
		{"/a/b/c", "/a/b/d", 6},
		{"/a/b", "/a/b/c", 6},     // prev is the parent
		{"/a/b/c", "/a/b", 4},     // a directory prev implied: its own node only
		{"/a/b", "/a/b", 4},       // the same path again (a duplicate replaces the node)
		{"/ab/c", "/ac/d", 3 + 5}, // "/ab" and "/ac" share only the root
		{"/abc", "/ab", 3},        // a prefix of bytes, not of components
		{"/ab", "/abc/d", 4 + 6},  // likewise
		{"/x/y/z", "/a/b/c", 2 + 4 + 6},
	} {
		if got := newPathBytes(c.prev, c.p); got != c.want {
			t.Errorf("newPathBytes(%q, %q) = %d, want %d", c.prev, c.p, got, c.want)
		}
	}
}

// TestDeepPathsBounded loads six files 8,190 implied directories deep with 64 KB paths:
// 384 KB of tar names, but 1.6 GB of paths once every implied parent is listed (what files
// or a merge keyed by full path would hold). The path-bytes limit refuses it, naming the
// key; raised, the image loads.
func TestDeepPathsBounded(t *testing.T) {
	var buf bytes.Buffer
	img := testgen.Image{Layers: []testgen.Layer{{Entries: testgen.Deep(6, 8190, 7)}}}
	if err := testgen.WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), "-", bytes.NewReader(buf.Bytes()), Options{})
	var le *Error
	if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || !strings.Contains(le.Hint, "--limit path-bytes=") {
		t.Fatalf("deep paths: got %v, want a path-bytes limit error with a hint", err)
	}
	lim := DefaultLimits
	lim.MaxPathBytes = 0
	got, err := Open(context.Background(), "-", bytes.NewReader(buf.Bytes()), Options{Limits: lim})
	if err != nil {
		t.Fatalf("with no path-bytes limit: %v", err)
	}
	if n := len(got.Layers[0].Entries); n != 6 {
		t.Errorf("%d entries, want 6", n)
	}
	// A real-shaped layer of 100,000 entries stays far below the default.
	var x entryIndex
	var total int64
	for _, e := range testgen.Wide(100_000) {
		p, _ := cleanPath(e.Name)
		total = x.tree.add(p, false)
	}
	if total > 8<<20 {
		t.Errorf("100,000 wide entries count %d path bytes, want under 8 MiB", total)
	}
}
