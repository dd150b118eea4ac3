package files

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// layer builds a layer from short specs: "f /a 3" a 3-byte file, "d /a", "l /a t" a symlink,
// "h /a /t" a hardlink, "w /a" a whiteout.
func layer(index int, specs ...string) *image.Layer {
	l := &image.Layer{Index: index}
	for _, s := range specs {
		f := strings.Fields(s)
		e := image.Entry{Path: f[1], Mode: 0o644}
		switch f[0] {
		case "f":
			e.Type = image.TypeFile
			fmt.Sscan(f[2], &e.Size)
		case "d":
			e.Type, e.Mode = image.TypeDir, 0o755
		case "l":
			e.Type = image.TypeSymlink
			e.SetLink(f[2])
		case "h":
			e.Type = image.TypeHardlink
			e.SetLink(f[2])
		case "w":
			e.Whiteout = image.WhiteoutDelete
		}
		l.Entries = append(l.Entries, e)
	}
	return l
}

func paths(list []File) []string {
	var out []string
	for _, f := range list {
		out = append(out, fmt.Sprintf("%s %s %d L%d", f.Path, f.Type, f.Size, f.Layer))
	}
	return out
}

// TestMerged: the visible files in tree order (a directory's contents right after it), an
// implied parent as Docker creates it (0600, layer -1), a hardlink sized as its target, a
// deleted file gone; digests from the precomputed ones of streamed input.
func TestMerged(t *testing.T) {
	l0 := layer(0, "d /etc", "f /etc/passwd 10", "f /a-b 1", "f /a/x 2", "f /gone 5")
	l1 := layer(1, "h /a/link /etc/passwd", "w /gone", "l /etc/sh busybox")
	sum := sha256.Sum256([]byte("0123456789"))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	for i := range l0.Entries { // as a streamed input's files are hashed while they pass
		if l0.Entries[i].Type == image.TypeFile {
			l0.Entries[i].SetDigest("sha256:" + strings.Repeat(fmt.Sprint(i), 64))
		}
	}
	l0.Entries[1].SetDigest(digest)
	img := &image.Image{Layers: []*image.Layer{l0, l1}}
	list, err := Merged(img, fstree.Merge(img.Layers), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/a dir 0 L-1", "/a/link hardlink 10 L1", "/a/x file 2 L0", "/a-b file 1 L0",
		"/etc dir 0 L0", "/etc/passwd file 10 L0", "/etc/sh symlink 0 L1",
	}
	if diff := cmp.Diff(want, paths(list)); diff != "" {
		t.Errorf("Merged (-want +got):\n%s", diff)
	}
	if list[0].Mode != "0600" {
		t.Errorf("implied /a has mode %s, want 0600", list[0].Mode)
	}
	if list[1].Digest != digest || list[5].Digest != digest {
		t.Errorf("the hardlink and its target: digests %q and %q, want %q", list[1].Digest, list[5].Digest, digest)
	}
	if list[6].Link != "busybox" || list[6].Digest != "" {
		t.Errorf("symlink: link %q digest %q", list[6].Link, list[6].Digest)
	}
}

// TestLayer: one layer as stored, whiteouts included and named, a hardlink of size 0.
func TestLayer(t *testing.T) {
	l := layer(3, "f /b 1", "w /gone", "h /a /b", "d /")
	list, err := Layer(l, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/ dir 0 L3", "/a hardlink 0 L3", "/b file 1 L3", "/gone file 0 L3"}
	if diff := cmp.Diff(want, paths(list)); diff != "" {
		t.Errorf("Layer (-want +got):\n%s", diff)
	}
	if list[3].Whiteout != "delete" {
		t.Errorf("the whiteout: %q", list[3].Whiteout)
	}
}

// TestSelect: CleanPath, Under (with the roots that matched nothing), MaxDepth and
// SortBySize on a listing.
func TestSelect(t *testing.T) {
	for in, want := range map[string]string{"etc/": "/etc", "/etc/./": "/etc", "": "/", "../../x": "/x"} {
		if got := CleanPath(in); got != want {
			t.Errorf("CleanPath(%q) = %q, want %q", in, got, want)
		}
	}
	list := []File{
		{Path: "/etc", Type: image.TypeDir}, {Path: "/etc/a", Size: 5}, {Path: "/etc/d", Type: image.TypeDir},
		{Path: "/etc/d/b", Size: 9}, {Path: "/etc-x", Size: 1}, {Path: "/usr", Type: image.TypeDir},
	}
	kept, missing := Under(list, []string{"/etc", "/nope"})
	if diff := cmp.Diff([]string{"/etc", "/etc/a", "/etc/d", "/etc/d/b"}, pathsOnly(kept)); diff != "" {
		t.Errorf("Under (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/nope"}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/etc", "/etc/a", "/etc/d"}, pathsOnly(MaxDepth(kept, []string{"/etc"}, 1))); diff != "" {
		t.Errorf("MaxDepth 1 (-want +got):\n%s", diff)
	}
	SortBySize(kept)
	if diff := cmp.Diff([]string{"/etc/d/b", "/etc/a", "/etc", "/etc/d"}, pathsOnly(kept)); diff != "" {
		t.Errorf("SortBySize (-want +got):\n%s", diff)
	}
}

func pathsOnly(list []File) []string {
	var out []string
	for _, f := range list {
		out = append(out, f.Path)
	}
	return out
}

// TestTree: du-like sums (a hardlink counts 0 bytes: du counts an inode once), entries
// below each directory, implied directories, depth cut with the deeper sizes still counted.
func TestTree(t *testing.T) {
	list := []File{
		{Path: "/a", Type: image.TypeDir, Layer: 0}, {Path: "/a/big", Type: image.TypeFile, Size: 100, Layer: 1},
		{Path: "/a/link", Type: image.TypeHardlink, Size: 100, Layer: 2}, {Path: "/b/c/d", Type: image.TypeFile, Size: 7, Layer: 0},
		{Path: "/gone", Whiteout: "delete"},
	}
	rows := Tree(list, nil, 1, true)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s d%d %d/%d L%d", r.Path, r.Type, r.Depth, r.Size, r.Entries, r.Layer))
	}
	want := []string{"/ dir d0 107/6 L-1", "/a dir d1 100/2 L0", "/b dir d1 7/2 L-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tree (-want +got):\n%s", diff)
	}
}
