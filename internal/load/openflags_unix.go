//go:build unix

package load

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openFlags open a layout member without blocking: a FIFO put where a blob should be
// cannot hang the open (its type is refused right after).
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

// openNoFollow opens name in directory dir for reading, without blocking (a FIFO) and
// without following a symbolic link (ELOOP): an entry of the --cache directory.
func openNoFollow(dir *os.File, name string) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
