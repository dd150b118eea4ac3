//go:build !unix

package load

import (
	"errors"
	"os"
)

const openFlags = os.O_RDONLY

// openNoFollow opens name in directory dir for reading; a symbolic link is refused by the
// caller's Lstat beforehand (no O_NOFOLLOW here).
func openNoFollow(dir *os.File, name string) (*os.File, error) {
	fi, err := os.Lstat(dir.Name() + string(os.PathSeparator) + name)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: name, Err: errSymlink}
	}
	return os.Open(dir.Name() + string(os.PathSeparator) + name)
}

var errSymlink = errors.New("a symbolic link")
