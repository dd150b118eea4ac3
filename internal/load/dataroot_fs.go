package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// rootFS reads an engine's data root through an os.Root: no path, symbolic link or ".." in
// the root's metadata can reach outside it. Every read is read-only; files are opened
// without blocking and checked to be regular before they are read.
type rootFS struct {
	dir  string
	root *os.Root
	lim  Limits

	mu      sync.Mutex
	closers []io.Closer
}

func openRootFS(dir string, lim Limits) (*rootFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &rootFS{dir: dir, root: r, lim: lim}, nil
}

// Close releases the root and every file the readers it made keep open.
func (r *rootFS) Close() error {
	r.mu.Lock()
	cs := r.closers
	r.closers = nil
	r.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
	return r.root.Close()
}

func (r *rootFS) onClose(c io.Closer) {
	r.mu.Lock()
	r.closers = append(r.closers, c)
	r.mu.Unlock()
}

func rel(name string) string {
	p, _ := cleanPath(name)
	if p == "/" {
		return "."
	}
	return filepath.FromSlash(strings.TrimPrefix(p, "/"))
}

// fsErr classes a failed lookup: absent, or a link that leaves the root.
func (r *rootFS) fsErr(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s", ErrMissing, name)
	case strings.Contains(err.Error(), "escapes"), strings.Contains(err.Error(), "path escapes"):
		return fmt.Errorf("%w: %s is a symbolic link out of the data root (or an absolute one): not followed", ErrMalformed, name)
	case errors.Is(err, syscall.ELOOP):
		return fmt.Errorf("%w: %s: a symbolic link where a file or directory is expected: not followed", ErrMalformed, name)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%w: %s: a path component is not a directory", ErrMalformed, name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (r *rootFS) lstat(name string) (fs.FileInfo, error) {
	fi, err := r.root.Lstat(rel(name))
	if err != nil {
		return nil, r.fsErr(name, err)
	}
	return fi, nil
}

func (r *rootFS) exists(name string) bool {
	_, err := r.root.Lstat(rel(name))
	return err == nil
}

func (r *rootFS) isDir(name string) bool {
	fi, err := r.root.Lstat(rel(name))
	return err == nil && fi.IsDir()
}

// openFile opens a regular file (never following a symbolic link in its last component) and
// returns its size.
func (r *rootFS) openFile(name string) (*os.File, int64, error) {
	f, err := r.root.OpenFile(rel(name), openFlags|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, 0, r.fsErr(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, r.fsErr(name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is a %s, not a regular file", ErrMalformed, name, fileKind(fi.Mode()))
	}
	return f, fi.Size(), nil
}

func (r *rootFS) open(name string) (io.ReadCloser, error) {
	f, _, err := r.openFile(name)
	return f, err
}

// small reads a metadata file of at most max bytes (ErrLimit beyond).
func (r *rootFS) small(name string, max int64) ([]byte, error) {
	f, size, err := r.openFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if max > 0 && size > max {
		return nil, limitErr("json", max, "%s is %d bytes, more than %d allowed for a metadata file", name, size, max)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, classify(err))
	}
	return b, nil
}

// readDirNames lists a directory's names, sorted, at most max of them (0: no bound).
func (r *rootFS) readDirNames(name string, max int) ([]string, error) {
	d, err := r.root.OpenFile(rel(name), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, r.fsErr(name, err)
	}
	defer d.Close()
	var names []string
	for {
		batch, err := d.Readdirnames(1024)
		names = append(names, batch...)
		if max > 0 && len(names) > max {
			return nil, limitErr("entries", int64(max), "directory %s holds more than %d entries", name, max)
		}
		if err == io.EOF || len(batch) == 0 {
			break
		}
		if err != nil {
			return nil, r.fsErr(name, err)
		}
	}
	sort.Strings(names)
	return names, nil
}

// subdirs lists the names of a directory's subdirectories; an absent directory has none.
func (r *rootFS) subdirs(name string, max int) ([]string, error) {
	if !r.isDir(name) {
		return nil, nil
	}
	names, err := r.readDirNames(name, max)
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if r.isDir(path.Join(name, n)) {
			out = append(out, n)
		}
	}
	return out, nil
}

// readLink reads a symbolic link's target.
func (r *rootFS) readLink(name string) (string, error) {
	t, err := r.root.Readlink(rel(name))
	if err != nil {
		return "", r.fsErr(name, err)
	}
	return t, nil
}

// requireDir checks that name is a directory of the root (not a symbolic link to one).
func (r *rootFS) requireDir(name string) error {
	fi, err := r.root.Lstat(rel(name))
	if err != nil {
		return r.fsErr(name, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is a %s, not a directory: not followed", ErrMalformed, name, fileKind(fi.Mode()))
	}
	return nil
}
