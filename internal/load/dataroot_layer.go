package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/strata-dev/strata/internal/image"
)

// A layer that has no tar-split (a container's writable layer, Docker's init layer, a
// containerd snapshot) is read from its directory: each file's lstat becomes an entry, as
// the engine's own diff would put it in a layer tar (`docker commit`), and its content is
// read from the file on demand.

var errXattrSize = errors.New("extended attributes larger than 64 KiB")

// ErrOverlayFeature means an overlay upper directory uses a feature whose content lives
// elsewhere than the directory itself (a renamed directory's redirect, a metadata-only copy
// up): strata refuses it rather than guess.
var ErrOverlayFeature = errors.New("unsupported overlay feature")

// diskLayer is a layer read from a directory.
type diskLayer struct {
	dir     string
	entries []image.Entry
	spans   []fileSpan
	off     int64
	sizeRw  int64 // bytes of non-directories, hardlinks once (docker ps -s, podman ps --size)
	links   map[[2]uint64]string
	lim     Limits
	fs      *rootFS
	overlay bool // an overlay upper directory: whiteouts, opaque directories, redirects
}

func newDiskLayer(fs *rootFS, dir string, overlay bool, lim Limits) *diskLayer {
	return &diskLayer{fs: fs, dir: dir, overlay: overlay, lim: lim, links: map[[2]uint64]string{}}
}

// layer makes the image layer.
func (d *diskLayer) layer(index int, member string) *image.Layer {
	l := &image.Layer{Index: index, Member: member, Compression: CompressionNone, Entries: d.entries, TarSize: d.off}
	r := newSpanReader(d.fs, d.dir, d.spans) // a layer of empty files has content too: none
	d.fs.onClose(r)
	l.ReaderAt = r
	return l
}

// stat is one path's lstat in a layer directory.
type stat struct {
	fi fs.FileInfo
	st *syscall.Stat_t
}

func (d *diskLayer) lstat(dir, p string) (stat, bool, error) {
	name := path.Join(dir, p)
	fi, err := d.fs.root.Lstat(rel(name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return stat{}, false, nil
		}
		return stat{}, false, d.fs.fsErr(name, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stat{}, false, fmt.Errorf("%s: no stat", name)
	}
	return stat{fi: fi, st: st}, true, nil
}

// xattrs reads the overlay and capability xattrs of a directory or regular file (others
// carry none strata reads).
func (d *diskLayer) xattrs(dir, p string, s stat) (map[string]string, error) {
	if !s.fi.IsDir() && !s.fi.Mode().IsRegular() {
		return nil, nil
	}
	name := path.Join(dir, p)
	flags := openFlags | syscall.O_NOFOLLOW
	f, err := d.fs.root.OpenFile(rel(name), flags, 0)
	if err != nil {
		return nil, d.fs.fsErr(name, err)
	}
	defer f.Close()
	x, err := fileXattrs(f)
	if err != nil {
		return nil, fmt.Errorf("%s: reading extended attributes: %w", name, err)
	}
	return x, nil
}

// entry makes the model entry of path p (absolute in the layer) from its lstat.
func (d *diskLayer) entry(dir, p string, s stat, x map[string]string) (image.Entry, error) {
	if d.lim.MaxPathLen > 0 && len(p) > d.lim.MaxPathLen {
		return image.Entry{}, limitErr("path-len", int64(d.lim.MaxPathLen), "path of %d bytes (max %d)", len(p), d.lim.MaxPathLen)
	}
	if d.lim.MaxEntries > 0 && len(d.entries) >= d.lim.MaxEntries {
		return image.Entry{}, limitErr("entries", int64(d.lim.MaxEntries), "more than %d entries in one layer", d.lim.MaxEntries)
	}
	e := image.Entry{Path: p, Mode: uint32(s.st.Mode) & 07777, UID: int(s.st.Uid), GID: int(s.st.Gid),
		MTime: s.st.Mtim.Nano()}
	m := s.fi.Mode()
	switch {
	case m.IsDir():
		e.Type = image.TypeDir
	case m.IsRegular():
		e.Type = image.TypeFile
		e.Size = s.fi.Size()
	case m&fs.ModeSymlink != 0:
		e.Type = image.TypeSymlink
		t, err := d.fs.readLink(path.Join(dir, p))
		if err != nil {
			return e, err
		}
		e.SetLink(t)
	case m&fs.ModeCharDevice != 0:
		e.Type = image.TypeChar
	case m&fs.ModeDevice != 0:
		e.Type = image.TypeBlock
	case m&fs.ModeNamedPipe != 0:
		e.Type = image.TypeFifo
	default:
		return e, errSocket
	}
	if e.Type == image.TypeChar || e.Type == image.TypeBlock {
		e.SetDevice(devNumbers(uint64(s.st.Rdev)))
	}
	if c, ok := x["security.capability"]; ok {
		e.SetCaps(c)
	}
	if e.Type != image.TypeDir && s.st.Nlink > 1 {
		key := [2]uint64{uint64(s.st.Dev), uint64(s.st.Ino)}
		if first, ok := d.links[key]; ok {
			e.Type, e.Size = image.TypeHardlink, 0
			e.SetLink(first)
			return e, nil
		}
		d.links[key] = p
	}
	switch e.Type {
	case image.TypeFile:
		if e.Size > 0 {
			e.Offset = d.off
			d.spans = append(d.spans, fileSpan{off: d.off, size: e.Size, name: strings.TrimPrefix(p, "/")})
			d.off += e.Size
		}
		d.sizeRw += e.Size
	case image.TypeSymlink:
		d.sizeRw += s.fi.Size()
	}
	return e, nil
}

// errSocket marks a socket: a layer tar cannot hold one, so the engines skip them.
var errSocket = errors.New("socket")

func (d *diskLayer) push(e image.Entry) {
	d.entries = append(d.entries, e)
}

// names lists a layer directory's names, sorted.
func (d *diskLayer) names(dir, p string) ([]string, error) {
	return d.fs.readDirNames(path.Join(dir, p), d.lim.MaxEntries)
}

func depthOK(p string, lim Limits) error {
	if lim.MaxPathDepth > 0 && strings.Count(p, "/") > lim.MaxPathDepth {
		return limitErr("path-depth", int64(lim.MaxPathDepth), "path deeper than %d components", lim.MaxPathDepth)
	}
	return nil
}

// readUpper reads an overlay upper directory (or any layer directory, overlay=false) into
// entries, in tree order. Overlay's own marks become the model's: a 0/0 character device or
// a zero-size file with trusted.overlay.whiteout is a whiteout, a directory with
// trusted.overlay.opaque "y" is opaque (user.overlay.* as well: overlay under a user
// namespace); `.wh.` names are whiteouts as in a layer tar (fuse-overlayfs writes them). A
// renamed directory (trusted.overlay.redirect) or a metadata-only copy-up
// (trusted.overlay.metacopy) keep content in the lower layers: refused (ErrOverlayFeature).
func readUpper(fs *rootFS, dir string, overlay bool, lim Limits) (*diskLayer, error) {
	d := newDiskLayer(fs, dir, overlay, lim)
	if err := fs.requireDir(dir); err != nil {
		return nil, err
	}
	if err := d.walkUpper("/"); err != nil {
		return nil, memberErr(dir, err)
	}
	return d, nil
}

func overlayXattr(x map[string]string, name string) (string, bool) {
	if v, ok := x["trusted.overlay."+name]; ok {
		return v, true
	}
	v, ok := x["user.overlay."+name]
	return v, ok
}

func (d *diskLayer) walkUpper(p string) error {
	names, err := d.names(d.dir, p)
	if err != nil {
		return err
	}
	for _, n := range names {
		cp := path.Join(p, n)
		if err := depthOK(cp, d.lim); err != nil {
			return err
		}
		s, ok, err := d.lstat(d.dir, cp)
		if err != nil {
			return err
		}
		if !ok {
			continue // removed while being read
		}
		if d.overlay {
			done, err := d.overlayMark(p, n, cp, s)
			if err != nil {
				return &entryError{name: cp, err: err}
			}
			if done {
				continue
			}
		}
		x, err := d.xattrs(d.dir, cp, s)
		if err != nil {
			return err
		}
		if d.overlay {
			if v, ok := overlayXattr(x, "redirect"); ok {
				return &entryError{name: cp, err: fmt.Errorf("%w: a renamed directory (overlay redirect to %q): its content stays in a lower layer under its old name, which strata does not follow", ErrOverlayFeature, v)}
			}
			if _, ok := overlayXattr(x, "metacopy"); ok {
				return &entryError{name: cp, err: fmt.Errorf("%w: a metadata-only copy-up (overlay metacopy): its content is in a lower layer", ErrOverlayFeature)}
			}
			if _, ok := overlayXattr(x, "whiteout"); ok && s.fi.Mode().IsRegular() && s.fi.Size() == 0 {
				d.push(image.Entry{Path: cp, Type: image.TypeFile, Whiteout: image.WhiteoutDelete})
				continue
			}
		}
		e, err := d.entry(d.dir, cp, s, x)
		if errors.Is(err, errSocket) {
			continue
		}
		if err != nil {
			return &entryError{name: cp, err: err}
		}
		d.push(e)
		if e.Type != image.TypeDir {
			continue
		}
		if v, ok := overlayXattr(x, "opaque"); d.overlay && ok && v == "y" {
			d.push(image.Entry{Path: cp, Type: image.TypeDir, Whiteout: image.WhiteoutOpaque, Mode: e.Mode, UID: e.UID, GID: e.GID, MTime: e.MTime})
		}
		if err := d.walkUpper(cp); err != nil {
			return err
		}
	}
	return nil
}

// overlayMark turns overlay's whiteouts and `.wh.` names into the model's whiteouts; done
// reports that the name was one.
func (d *diskLayer) overlayMark(dir, name, p string, s stat) (bool, error) {
	m := s.fi.Mode()
	if m&fs.ModeCharDevice != 0 && s.st.Rdev == 0 {
		d.push(image.Entry{Path: p, Type: image.TypeFile, Whiteout: image.WhiteoutDelete})
		return true, nil
	}
	switch {
	case name == whiteoutOpaque:
		d.push(image.Entry{Path: dir, Type: image.TypeDir, Whiteout: image.WhiteoutOpaque})
		return true, nil
	case strings.HasPrefix(name, whiteoutMeta):
		return true, nil // AUFS bookkeeping, skipped as a layer tar's is
	case strings.HasPrefix(name, whiteoutPrefix):
		target := name[len(whiteoutPrefix):]
		d.push(image.Entry{Path: path.Join(dir, target), Type: image.TypeFile, Whiteout: image.WhiteoutDelete})
		return true, nil
	}
	return false, nil
}

// naiveLayer computes a layer as the engines' naive diff driver does for vfs (moby's and
// containers/storage's ChangesDirs, then ExportChanges): the paths of newDir that differ
// from oldDir by stat (type and mode, owner, device number; size and mtime for
// non-directories) or security.capability, whole added subtrees, a whiteout for each path
// removed (its subtree with it), and every directory holding a change.
func naiveLayer(fs *rootFS, oldDir, newDir string, lim Limits) (*diskLayer, error) {
	d := newDiskLayer(fs, newDir, false, lim)
	if err := fs.requireDir(newDir); err != nil {
		return nil, err
	}
	if oldDir != "" {
		if err := fs.requireDir(oldDir); err != nil {
			return nil, err
		}
	}
	out, _, err := d.naive(oldDir, "/", oldDir != "")
	if err != nil {
		return nil, memberErr(newDir, err)
	}
	d.entries = out
	return d, nil
}

// naive compares directory p of both trees (hasOld: p is a directory in the old tree) and
// returns the entries of what changed below it, in tree order.
func (d *diskLayer) naive(oldDir, p string, hasOld bool) ([]image.Entry, bool, error) {
	newNames, err := d.names(d.dir, p)
	if err != nil {
		return nil, false, err
	}
	var oldNames []string
	if hasOld {
		if oldNames, err = d.names(oldDir, p); err != nil {
			return nil, false, err
		}
	}
	var out []image.Entry
	i, j := 0, 0
	for i < len(oldNames) || j < len(newNames) {
		var name string
		inOld, inNew := false, false
		switch {
		case j >= len(newNames) || (i < len(oldNames) && oldNames[i] < newNames[j]):
			name, inOld = oldNames[i], true
			i++
		case i >= len(oldNames) || newNames[j] < oldNames[i]:
			name, inNew = newNames[j], true
			j++
		default:
			name, inOld, inNew = newNames[j], true, true
			i++
			j++
		}
		cp := path.Join(p, name)
		if err := depthOK(cp, d.lim); err != nil {
			return nil, false, err
		}
		var so, sn stat
		if inOld {
			if so, inOld, err = d.lstat(oldDir, cp); err != nil {
				return nil, false, err
			}
		}
		if inNew {
			if sn, inNew, err = d.lstat(d.dir, cp); err != nil {
				return nil, false, err
			}
		}
		switch {
		case !inNew && !inOld:
			continue
		case !inNew:
			out = append(out, image.Entry{Path: cp, Type: image.TypeFile, Whiteout: image.WhiteoutDelete})
			continue
		}
		if inOld && so.st.Dev == sn.st.Dev && so.st.Ino == sn.st.Ino {
			continue // the same inode: unchanged (the walker prunes it)
		}
		xn, err := d.xattrs(d.dir, cp, sn)
		if err != nil {
			return nil, false, err
		}
		changed := !inOld
		if inOld {
			xo, err := d.xattrs(oldDir, cp, so)
			if err != nil {
				return nil, false, err
			}
			changed = statDifferent(so, sn) || xo["security.capability"] != xn["security.capability"]
		}
		var below []image.Entry
		if sn.fi.IsDir() {
			var sub bool
			below, sub, err = d.naive(oldDir, cp, inOld && so.fi.IsDir())
			if err != nil {
				return nil, false, err
			}
			changed = changed || sub
		}
		if !changed {
			continue
		}
		e, err := d.entry(d.dir, cp, sn, xn)
		if errors.Is(err, errSocket) {
			continue
		}
		if err != nil {
			return nil, false, &entryError{name: cp, err: err}
		}
		out = append(out, e)
		out = append(out, below...)
	}
	return out, len(out) > 0, nil
}

// statDifferent is moby's: mode (type and permissions), owner and device number; size and
// mtime too for non-directories (mtimes equal when their seconds are and either has no
// nanoseconds).
func statDifferent(a, b stat) bool {
	if a.st.Mode != b.st.Mode || a.st.Uid != b.st.Uid || a.st.Gid != b.st.Gid || a.st.Rdev != b.st.Rdev {
		return true
	}
	if a.st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return false
	}
	sameTime := a.st.Mtim.Sec == b.st.Mtim.Sec &&
		(a.st.Mtim.Nsec == b.st.Mtim.Nsec || a.st.Mtim.Nsec == 0 || b.st.Mtim.Nsec == 0)
	return !sameTime || a.st.Size != b.st.Size
}

// sizeOfTree sums the non-directories of a directory (hardlinks once), without entries.
func sizeOfTree(fs *rootFS, dir string, lim Limits) (int64, error) {
	d, err := readUpper(fs, dir, false, lim)
	if err != nil {
		return 0, err
	}
	return d.sizeRw, nil
}

var _ = io.EOF
var _ = sort.Strings
var _ = os.O_RDONLY
