//go:build linux

package testgen

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// ErrNotRoot means unpacking an engine data root needs root: its files belong to other
// users, it holds device nodes (overlay whiteouts) and trusted.* extended attributes.
var ErrNotRoot = errors.New("unpacking an engine data root needs root (owners, 0/0 device whiteouts, trusted.overlay.* xattrs)")

// UnpackRoot extracts a data root captured by testdata/dataroot/make-fixtures.sh (a
// zstd-compressed POSIX tar with xattrs, device nodes and nanosecond mtimes) into dst, as
// GNU tar --xattrs --xattrs-include='*' -xp would: owners, modes, xattrs (trusted.overlay.*
// included), devices, hardlinks, and mtimes (directories' last).
func UnpackRoot(archive, dst string) error {
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f, zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return err
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	type stamp struct {
		path string
		t    time.Time
	}
	var dirs []stamp
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(hdr.Name)
		if name == "." {
			name = ""
		}
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			return fmt.Errorf("%s: escapes the root", hdr.Name)
		}
		p := filepath.Join(dst, name)
		mode := uint32(hdr.Mode) & 07777
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil { // a member listed without its parents
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			w, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(w, tr)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, p); err != nil {
				return err
			}
		case tar.TypeLink:
			if err := os.Link(filepath.Join(dst, filepath.Clean(hdr.Linkname)), p); err != nil {
				return err
			}
			continue // the link shares its target's inode: nothing else to set
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			kind := uint32(unix.S_IFCHR)
			switch hdr.Typeflag {
			case tar.TypeBlock:
				kind = unix.S_IFBLK
			case tar.TypeFifo:
				kind = unix.S_IFIFO
			}
			if err := unix.Mknod(p, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unsupported entry type %q", hdr.Name, hdr.Typeflag)
		}
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeSymlink {
			if err := unix.Chmod(p, mode); err != nil {
				return err
			}
		}
		var keys []string
		for k := range hdr.PAXRecords {
			if strings.HasPrefix(k, "SCHILY.xattr.") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := unix.Lsetxattr(p, strings.TrimPrefix(k, "SCHILY.xattr."), []byte(hdr.PAXRecords[k]), 0); err != nil {
				return fmt.Errorf("%s: xattr %s: %w", hdr.Name, k, err)
			}
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, stamp{p, hdr.ModTime})
			continue
		}
		ts := []unix.Timespec{unix.NsecToTimespec(hdr.ModTime.UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		ts := []unix.Timespec{unix.NsecToTimespec(dirs[i].t.UnixNano()), unix.NsecToTimespec(dirs[i].t.UnixNano())}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, dirs[i].path, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	return nil
}
