package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dirStore is an OCI image layout directory, opened through an os.Root: every member is
// looked up beneath the layout, a symbolic link is followed only when it is relative and
// resolves inside the layout, and anything else (a link out of it, an absolute link) is
// refused. Members are checked to be regular files before they are opened, and opened
// without blocking, so a FIFO or device cannot hang the read.
type dirStore struct {
	dir   string
	root  *os.Root
	lim   Limits
	bud   *budget
	cache blobCache
}

func openDirStore(dir string, lim Limits, bud *budget) (*dirStore, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirStore{dir: dir, root: root, lim: lim, bud: bud}, nil
}

func (s *dirStore) Close() error { return s.root.Close() }

// stat returns the member's name inside the root and its file info, following in-layout
// links, refusing what is not a regular file.
func (s *dirStore) stat(name string) (string, fs.FileInfo, error) {
	m := memberName(name)
	if m == "" {
		return "", nil, fmt.Errorf("%w: empty member name", ErrMalformed)
	}
	p := filepath.FromSlash(m)
	fi, err := s.root.Stat(p)
	if err != nil {
		return "", nil, s.openErr(m, err)
	}
	if !fi.Mode().IsRegular() {
		return "", nil, fmt.Errorf("%w: %s is a %s, not a regular file", ErrMalformed, m, fileKind(fi.Mode()))
	}
	return p, fi, nil
}

// fileKind names a file type for a message, without an article: "FIFO", "directory", …
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "special file"
}

func (s *dirStore) has(name string) bool {
	_, _, err := s.stat(name)
	return err == nil
}

// open opens a member and returns its size.
func (s *dirStore) open(name string) (*os.File, int64, error) {
	p, _, err := s.stat(name)
	if err != nil {
		return nil, 0, err
	}
	f, err := s.root.OpenFile(p, openFlags, 0)
	if err != nil {
		return nil, 0, s.openErr(memberName(name), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() { // replaced since the check
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is a %s, not a regular file", ErrMalformed, memberName(name), fileKind(fi.Mode()))
	}
	return f, fi.Size(), nil
}

func (s *dirStore) small(name string, max int64) ([]byte, error) {
	f, size, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if max > 0 && size > max {
		return nil, limitErr("json", max, "%s is %d bytes, more than %d allowed for a JSON document", name, size, max)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("reading %s: %w", memberName(name), classify(err))
	}
	return b, nil
}

// openErr classes a failed lookup: absent, or a link that leaves the layout.
func (s *dirStore) openErr(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s", ErrMissing, name)
	case strings.Contains(err.Error(), "escapes"):
		return fmt.Errorf("%w: %s is a symbolic link out of the layout (or an absolute one): not followed", ErrMalformed, name)
	}
	return fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
}

func (s *dirStore) blobs(names []string, opts parseOpts) ([]*blob, error) {
	opts.budget = s.bud
	return parseAll(names, s.bud, func(name string) (*blob, error) {
		key := fmt.Sprintf("%s|%v", memberName(name), opts.hash)
		return s.cache.get(key, func() (*blob, error) { return s.blob(name, opts) })
	})
}

func (s *dirStore) blob(name string, opts parseOpts) (*blob, error) {
	f, size, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseBlob(newSection(f, 0, size), size, opts)
}

func (s *dirStore) opener(name, compression string, lim Limits) func() (io.ReadCloser, error) {
	if !s.has(name) {
		return nil
	}
	return func() (io.ReadCloser, error) {
		f, _, err := s.open(name)
		if err != nil {
			return nil, err
		}
		return decompressOwning(f, f, compression, lim)
	}
}

func (s *dirStore) readerAt(string) io.ReaderAt { return nil }

func (s *dirStore) rootfs(parseOpts) (*blob, func() (io.ReadCloser, error), io.ReaderAt, error) {
	return nil, nil, nil, fmt.Errorf("%w: directory %s has no index.json: not an OCI image layout", ErrUnknownFormat, s.dir)
}

type closers []io.Closer

func (c closers) Close() error {
	var first error
	for _, x := range c {
		if err := x.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// memberSize is a file's size, without reading it.
func (s *dirStore) memberSize(name string) (int64, bool) {
	_, fi, err := s.stat(name)
	if err != nil {
		return 0, false
	}
	return fi.Size(), true
}
