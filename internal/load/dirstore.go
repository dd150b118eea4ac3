package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// dirStore is an OCI image layout directory. Member names are slash paths relative to it;
// names come from the layout's own index, so they are confined to the directory.
type dirStore struct {
	dir string
	lim Limits
}

func (s *dirStore) file(name string) (string, error) {
	name = memberName(name)
	if name == "" {
		return "", fmt.Errorf("%w: empty member name", ErrMalformed)
	}
	return filepath.Join(s.dir, filepath.FromSlash(name)), nil
}

func (s *dirStore) has(name string) bool {
	p, err := s.file(name)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// open opens a member and returns its size.
func (s *dirStore) open(name string) (*os.File, int64, error) {
	p, err := s.file(name)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, s.openErr(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is not a regular file", ErrMalformed, memberName(name))
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
	return io.ReadAll(f)
}

func (s *dirStore) openErr(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrMissing, memberName(name))
	}
	return err
}

func (s *dirStore) blobs(names []string, opts parseOpts) ([]*blob, error) {
	return parseAll(names, func(name string) (*blob, error) { return s.blob(name, opts) })
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
	p, err := s.file(name)
	if err != nil {
		return nil
	}
	return func() (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		dr, err := decompress(f, compression, lim)
		if err != nil {
			f.Close()
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{dr, closers{dr, f}}, nil
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
