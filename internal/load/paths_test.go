package load

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestHostilePathsAreClampedAndFlagged: names that climb out of the root are reported
// clamped at the root and flagged; the usual path forms all name the same place.
func TestHostilePathsAreClampedAndFlagged(t *testing.T) {
	var buf bytes.Buffer
	err := testgen.WriteRootfs(&buf, []testgen.Entry{
		testgen.Dir("./"),
		testgen.File("../../etc/passwd", "x"),
		testgen.File("a/../../b", "y"),
		testgen.File("/abs/file", "z"),
		testgen.File("./dot/file", "w"),
		testgen.Dir("trailing/"),
		testgen.File("ok/../fine", "v"),
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Open(context.Background(), Stdin, &buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Path    string
		Escapes bool
	}
	var got []row
	for _, e := range img.Layers[0].Entries {
		got = append(got, row{e.Path, e.Escapes})
	}
	want := []row{{"/", false}, {"/etc/passwd", true}, {"/b", true}, {"/abs/file", false}, {"/dot/file", false}, {"/trailing", false}, {"/fine", false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// FuzzCleanRel: wherever cleanRel takes the fast way, its path is cleanPath's, which
// escapes nothing.
func FuzzCleanRel(f *testing.F) {
	for _, s := range []string{"usr/bin/x", "etc/", "./etc/passwd", "a//b", "a/./b", "a/../b", "..", ".", "./", "/abs", "a..b/c.", "x///", ".wh.a", "a/.wh..wh..opq", "./.", ".//a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		rel, ok := cleanRel(name)
		if !ok {
			return
		}
		p, escapes := cleanPath(name)
		if "/"+rel != p || escapes {
			t.Fatalf("%q: fast path %q, cleanPath %q (escapes %v)", name, "/"+rel, p, escapes)
		}
		if m := memberName(name); m != strings.TrimPrefix(p, "/") {
			t.Fatalf("%q: memberName %q, want %q", name, m, strings.TrimPrefix(p, "/"))
		}
	})
}

// FuzzBlockSum: the word-wise sum of a header block is the byte-wise one.
func FuzzBlockSum(f *testing.F) {
	f.Add(make([]byte, blockSize))
	f.Add(bytes.Repeat([]byte{0xff}, blockSize))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b [blockSize]byte
		copy(b[:], data)
		var want int64
		for _, c := range b {
			want += int64(c)
		}
		if got := unsignedSum(&b); got != want {
			t.Fatalf("sum %d, want %d", got, want)
		}
	})
}

// TestCleanNamesAllocateNothing: a clean member name is its own member name, and a clean
// entry name goes into the path arena with no string in between (issue 18, item 11: two
// allocations per header before, a tenth of inspect's time on a 70,000-file image).
func TestCleanNamesAllocateNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { memberName("usr/lib/x86_64-linux-gnu/libc.so.6") }); n != 0 {
		t.Errorf("memberName allocates %v times, want 0", n)
	}
	x := &entryIndex{lim: DefaultLimits}
	hdr := &tar.Header{Name: "usr/lib/x86_64-linux-gnu/libc.so.6", Typeflag: tar.TypeReg, Size: 10, ModTime: time.Unix(1, 0)}
	if n := testing.AllocsPerRun(10000, func() { x.add(hdr, 0) }); n != 0 {
		t.Errorf("indexing a clean name allocates %v times per entry, want 0 (amortized)", n)
	}
}
