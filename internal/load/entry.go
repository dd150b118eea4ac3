package load

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// cleanPath turns a raw tar name into an absolute, cleaned path. escapes reports a name
// that climbs above the root with ".."; the result is clamped at the root.
func cleanPath(name string) (p string, escapes bool) {
	if !strings.Contains(name, "..") {
		return path.Clean("/" + name), false
	}
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth == 0 {
				escapes = true
			} else {
				depth--
			}
		default:
			depth++
		}
	}
	return path.Clean("/" + name), escapes
}

// isSparse reports a GNU sparse member (old GNU type 'S', or PAX GNU.sparse.* records).
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// entryIndex turns the tar headers of one layer into normalised entries. Entries are
// gathered in chunks and joined once (appending to one slice would copy it over and over).
type entryIndex struct {
	entries []image.Entry // the current chunk
	done    [][]image.Entry
	count   int
	lim     Limits
	paths   pathArena
	tree    pathBytes
}

// pathArena holds entry paths back to back in large strings, so that a path costs its bytes
// and no allocation of its own. Strings handed out are never changed: a strings.Builder only
// appends, and a full one is replaced, not grown.
type pathArena struct {
	b strings.Builder
}

const arenaChunk = 64 << 10

// internAbs interns "/" + rel.
func (a *pathArena) internAbs(rel string) string {
	if a.b.Cap()-a.b.Len() < len(rel)+1 {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaChunk, len(rel)+1))
	}
	start := a.b.Len()
	a.b.WriteByte('/')
	a.b.WriteString(rel)
	return a.b.String()[start:]
}

func (a *pathArena) intern(s string) string {
	if a.b.Cap()-a.b.Len() < len(s) {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaChunk, len(s)))
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}

const entryChunk = 4096

// all returns every entry, in order.
func (x *entryIndex) all() []image.Entry {
	if len(x.done) == 0 {
		return x.entries
	}
	out := make([]image.Entry, 0, x.count)
	for _, c := range x.done {
		out = append(out, c...)
	}
	return append(out, x.entries...)
}

// last returns the most recently added entry, or nil.
func (x *entryIndex) last() *image.Entry {
	if len(x.entries) == 0 {
		return nil
	}
	return &x.entries[len(x.entries)-1]
}

func (x *entryIndex) push(e image.Entry) error { return x.pushAs(e, false) }

// pushAs is push of an entry whose path is already in the arena when interned is set.
func (x *entryIndex) pushAs(e image.Entry, interned bool) error {
	if max := x.lim.MaxPathBytes; max > 0 && x.tree.add(e.Path, e.Whiteout != image.NotWhiteout) > max {
		return limitErr("path-bytes", max, "the layer's paths and the parent directories they imply exceed %d bytes", max)
	}
	if len(x.entries) == cap(x.entries) {
		if len(x.entries) >= entryChunk {
			x.done = append(x.done, x.entries)
			x.entries = make([]image.Entry, 0, entryChunk)
		} else {
			grown := make([]image.Entry, len(x.entries), min(max(64, 2*cap(x.entries)), entryChunk))
			copy(grown, x.entries)
			x.entries = grown
		}
	}
	if !interned {
		e.Path = x.paths.intern(e.Path)
	}
	x.entries = append(x.entries, e)
	x.count++
	return nil
}

// add normalises hdr, whose content starts at offset in the uncompressed stream.
// It skips headers that are not filesystem entries (pax globals, AUFS metadata).
func (x *entryIndex) add(hdr *tar.Header, offset int64) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	if x.lim.MaxEntries > 0 && x.count >= x.lim.MaxEntries {
		return limitErr("entries", int64(x.lim.MaxEntries), "more than %d entries in one layer", x.lim.MaxEntries)
	}
	if x.lim.MaxPathLen > 0 && len(hdr.Name) > x.lim.MaxPathLen {
		return limitErr("path-len", int64(x.lim.MaxPathLen), "path of %d bytes (max %d)", len(hdr.Name), x.lim.MaxPathLen)
	}
	// Most names are already clean ("usr/bin/x", "etc/"): their path is made once, in the
	// arena, with no string in between.
	var p string
	var escapes, interned bool
	if rel, ok := cleanRel(hdr.Name); ok {
		p, interned = x.paths.internAbs(rel), true
	} else {
		p, escapes = cleanPath(hdr.Name)
	}
	if x.lim.MaxPathDepth > 0 && strings.Count(p, "/") > x.lim.MaxPathDepth {
		return limitErr("path-depth", int64(x.lim.MaxPathDepth), "path deeper than %d components", x.lim.MaxPathDepth)
	}
	e := image.Entry{
		Path:    p,
		Size:    0,
		Mode:    uint32(hdr.Mode) & 07777,
		UID:     hdr.Uid,
		GID:     hdr.Gid,
		MTime:   hdr.ModTime.UnixNano(),
		Offset:  offset,
		Escapes: escapes,
	}
	if hdr.Devmajor != 0 || hdr.Devminor != 0 {
		e.SetDevice(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	}
	if c, ok := hdr.PAXRecords["SCHILY.xattr.security.capability"]; ok {
		e.SetCaps(c)
	}
	dir, base := path.Split(p)
	if strings.HasPrefix(p, "/"+whiteoutMeta) && p != "/"+whiteoutOpaque {
		// AUFS bookkeeping (.wh..wh.aufs, .wh..wh.orph/…, .wh..wh.plnk/…): Docker skips a
		// member whose name STARTS with .wh..wh. (the root's opaque marker excepted); deeper
		// names such as usr/.wh..wh.cache/f are extracted like any other (see
		// testdata/docker/whwh: the engine's answer).
		return nil
	}
	switch {
	case base == whiteoutOpaque:
		e.Path = path.Clean(dir)
		e.Whiteout = image.WhiteoutOpaque
		e.Type = image.TypeDir
		return x.push(e)
	case strings.HasPrefix(base, whiteoutPrefix):
		target := base[len(whiteoutPrefix):]
		if target == "" || target == "." || target == ".." {
			return fmt.Errorf("%w: invalid whiteout name %q", ErrMalformed, hdr.Name)
		}
		e.Path = path.Join(dir, target)
		e.Whiteout = image.WhiteoutDelete
		e.Type = image.TypeFile
		return x.push(e)
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
		e.Type = image.TypeFile
		e.Size = hdr.Size
		e.Sparse = isSparse(hdr)
		if e.Size < 0 {
			return fmt.Errorf("%w: negative size", ErrCorrupt)
		}
	case tar.TypeDir:
		e.Type = image.TypeDir
	case tar.TypeSymlink:
		e.Type = image.TypeSymlink
		e.SetLink(hdr.Linkname)
	case tar.TypeLink:
		e.Type = image.TypeHardlink
		target, _ := cleanPath(hdr.Linkname)
		if target == "/" {
			return fmt.Errorf("%w: hardlink to the root", ErrMalformed)
		}
		e.SetLink(target)
	case tar.TypeChar:
		e.Type = image.TypeChar
	case tar.TypeBlock:
		e.Type = image.TypeBlock
	case tar.TypeFifo:
		e.Type = image.TypeFifo
	default:
		return fmt.Errorf("%w: unsupported tar entry type %q", ErrMalformed, hdr.Typeflag)
	}
	if p == "/" && e.Type != image.TypeDir {
		return fmt.Errorf("%w: root entry is a %s", ErrMalformed, e.Type)
	}
	return x.pushAs(e, interned)
}

// cleanRel returns name without its trailing slashes (and a leading "./") when that is a
// clean relative path, whose cleanPath is "/" followed by it: no empty, "." or ".."
// component, no leading slash.
func cleanRel(name string) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	for len(name) > 0 && name[len(name)-1] == '/' {
		name = name[:len(name)-1]
	}
	if name == "" || name[0] == '/' {
		return "", false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '/' {
			continue
		}
		switch name[start:i] {
		case "", ".", "..":
			return "", false
		}
		start = i + 1
	}
	return name, true
}
