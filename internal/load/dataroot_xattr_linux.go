//go:build linux

package load

import (
	"errors"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxXattrs bounds the bytes of one file's extended-attribute names and of one value.
const maxXattrs = 64 << 10

// fileXattrs returns the extended attributes of an open file that strata reads: overlay's
// (trusted.overlay.* and user.overlay.*, as user.overlay.* under a user namespace) and
// security.capability. A file system without xattrs has none.
func fileXattrs(f *os.File) (map[string]string, error) {
	fd := int(f.Fd())
	buf := make([]byte, 1024)
	n, err := unix.Flistxattr(fd, buf)
	if errors.Is(err, unix.ERANGE) {
		sz, err2 := unix.Flistxattr(fd, nil)
		if err2 != nil {
			return nil, err2
		}
		if sz > maxXattrs {
			return nil, errXattrSize
		}
		buf = make([]byte, sz)
		n, err = unix.Flistxattr(fd, buf)
	}
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if !wantedXattr(name) {
			continue
		}
		v := make([]byte, 256)
		k, err := unix.Fgetxattr(fd, name, v)
		if errors.Is(err, unix.ERANGE) {
			sz, err2 := unix.Fgetxattr(fd, name, nil)
			if err2 != nil {
				return nil, err2
			}
			if sz > maxXattrs {
				return nil, errXattrSize
			}
			v = make([]byte, sz)
			k, err = unix.Fgetxattr(fd, name, v)
		}
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = string(v[:k])
	}
	return out, nil
}

func wantedXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.") ||
		name == "security.capability"
}

// devNumbers splits a device number.
func devNumbers(rdev uint64) (uint32, uint32) { return unix.Major(rdev), unix.Minor(rdev) }
