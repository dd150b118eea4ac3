package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
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

func (s *dirStore) small(name string, max int64) ([]byte, error) {
	p, err := s.file(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, s.openErr(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if max > 0 && fi.Size() > max {
		return nil, limitErr("json", max, "%s is %d bytes, more than %d allowed for a JSON document", name, fi.Size(), max)
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
	out := make([]*blob, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = s.blob(name, opts)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, memberErr(memberName(names[i]), err)
		}
	}
	return out, nil
}

func (s *dirStore) blob(name string, opts parseOpts) (*blob, error) {
	p, err := s.file(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, s.openErr(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return parseBlob(newSection(f, 0, fi.Size()), fi.Size(), opts)
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
