// Package regfile opens the files a user names beside an image — rules files,
// container-structure-test files, baseline locks — as regular files only: a FIFO, device or
// socket is refused at once, never waited on or read without end.
package regfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is a path that names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading (following symbolic links, as any file the user names), without
// blocking on a FIFO, and refuses it unless it is a regular file. Errors are *fs.PathError.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%s, %w (a file read whole must be one: write it to a file first)", kind(fi.Mode()), ErrNotRegular)}
	}
	return f, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO or pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}
