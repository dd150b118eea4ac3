package testgen

import (
	"archive/tar"
	"fmt"
	"strings"
	"time"
)

// Wide returns the entries of one layer of n entries shaped like a real root filesystem: a
// directory entry per 100 files under usr/share/pkgNNNNN/, file names of a typical length,
// every 20th entry a symlink and every 50th a hardlink to the directory's first file, all
// empty (so the layer tar is about 512 bytes per entry plus the end-of-archive blocks).
func Wide(n int) []Entry {
	out := make([]Entry, 0, n)
	for i := 0; len(out) < n; i++ {
		dir := fmt.Sprintf("usr/share/pkg%05d/", i/100)
		if i%100 == 0 {
			out = append(out, Dir(dir))
			continue
		}
		name := fmt.Sprintf("%sfile-%07d.txt", dir, i)
		switch {
		case i%20 == 0:
			out = append(out, Symlink(name, "../common/target.txt"))
		case i%50 == 1 && i%100 != 1:
			out = append(out, Hardlink(name, fmt.Sprintf("%sfile-%07d.txt", dir, i/100*100+1)))
		default:
			out = append(out, Entry{Name: name, Type: tar.TypeReg, Mode: 0o644, Content: []byte{}})
		}
	}
	return out
}

// Deep returns count regular-file entries, each depth directories deep, in chains that share
// nothing but the root (chain k starts with a component of its own), with no directory
// entries: every directory is implied. Each directory name is nameLen bytes ("d" padded with
// the chain letter), so a path is about depth × (nameLen+1) bytes long.
func Deep(count, depth, nameLen int) []Entry {
	out := make([]Entry, 0, count)
	for k := 0; k < count; k++ {
		comp := fmt.Sprintf("%c", 'a'+k%26) + strings.Repeat("d", max(nameLen-1, 0))
		var b strings.Builder
		b.Grow(depth * (nameLen + 1))
		fmt.Fprintf(&b, "c%d/", k)
		for i := 1; i < depth; i++ {
			b.WriteString(comp)
			b.WriteByte('/')
		}
		b.WriteString("leaf")
		out = append(out, Entry{Name: b.String(), Type: tar.TypeReg, Mode: 0o644, Content: []byte("x")})
	}
	return out
}

// Flat returns a layer of one directory, data/, holding n-1 empty files: the widest
// directory a layer of n entries can have.
func Flat(n int) []Entry {
	out := make([]Entry, 0, n)
	out = append(out, Dir("data/"))
	for i := 1; i < n; i++ {
		out = append(out, Entry{Name: fmt.Sprintf("data/file-%07d.txt", i), Type: tar.TypeReg, Mode: 0o644, Content: []byte{}})
	}
	return out
}

// Touched returns entries with every modification time set to mtime: a rebuild of the same
// files, each of which a diff reports changed (mtime).
func Touched(entries []Entry, mtime time.Time) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.ModTime = mtime
		out[i] = e
	}
	return out
}
