package load

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// tarStore is a seekable uncompressed tar archive: one pass over the headers records each
// member's offset, and members are then read through sections, in parallel.
type tarStore struct {
	ra      io.ReaderAt
	size    int64
	members map[string]*member
	lim     Limits

	root  *blob // the archive read as a root filesystem
	bud   *budget
	cache blobCache
}

// indexTar records the members of the seekable archive ra of size bytes.
func indexTar(ra io.ReaderAt, size int64, lim Limits, bud *budget) (*tarStore, error) {
	s := &tarStore{ra: ra, size: size, members: map[string]*member{}, lim: lim, bud: bud}
	root, err := scanOuter(newTarScan(newSection(ra, 0, size)), lim, "", nil, func(hdr *tar.Header, m *member, _ io.Reader) error {
		if !m.sparse && m.size > size-m.off {
			return memberErr(m.name, fmt.Errorf("%w: member claims %d bytes, the file ends %d bytes after its start", ErrTruncated, m.size, size-m.off))
		}
		s.members[m.name] = m // duplicates: the last one wins, as on extraction
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

func (s *tarStore) has(name string) bool {
	_, err := resolveMember(s.members, name, s.lim)
	return err == nil
}

func (s *tarStore) small(name string, max int64) ([]byte, error) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil, err
	}
	if max > 0 && m.size > max {
		return nil, limitErr("json", max, "member %s is %d bytes, more than %d allowed for a JSON document", name, m.size, max)
	}
	b := make([]byte, m.size)
	if _, err := s.ra.ReadAt(b, m.off); err != nil {
		return nil, fmt.Errorf("reading member %s: %w", name, classify(err))
	}
	return b, nil
}

func (s *tarStore) blobs(names []string, opts parseOpts) ([]*blob, error) {
	opts.budget = s.bud
	return parseAll(names, s.bud, func(name string) (*blob, error) { return s.blob(name, opts) })
}

func (s *tarStore) blob(name string, opts parseOpts) (*blob, error) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%v", m.name, opts.hash)
	return s.cache.get(key, func() (*blob, error) { return parseBlob(newSection(s.ra, m.off, m.size), m.size, opts) })
}

func (s *tarStore) opener(name, compression string, lim Limits) func() (io.ReadCloser, error) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil
	}
	return func() (io.ReadCloser, error) {
		return decompress(newSection(s.ra, m.off, m.size), compression, lim, nil)
	}
}

func (s *tarStore) readerAt(name string) io.ReaderAt {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil
	}
	return newSection(s.ra, m.off, m.size)
}

func (s *tarStore) rootfs(opts parseOpts) (*blob, func() (io.ReadCloser, error), io.ReaderAt, error) {
	if s.root.err != nil {
		return nil, nil, nil, s.root.err
	}
	if opts.hash && s.root.tarDigest == "" {
		// The diff_id docker import and podman import give the tarball: sha256 of its bytes.
		h := sha256.New()
		if _, err := io.Copy(h, newSection(s.ra, 0, s.size)); err != nil {
			return nil, nil, nil, classify(err)
		}
		s.root.tarDigest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	// The closure holds the file only, not the store: its member index (as large as the
	// entries of a root filesystem) is not needed once the archive is read as one.
	ra, size := s.ra, s.size
	open := func() (io.ReadCloser, error) { return io.NopCloser(newSection(ra, 0, size)), nil }
	return s.root, open, newSection(ra, 0, size), nil
}

// memberErr names the member an error concerns, unless it already does.
func memberErr(name string, err error) error {
	var me *memberError
	if errors.As(err, &me) {
		return err
	}
	return &memberError{name: name, err: err}
}

type memberError struct {
	name string
	err  error
}

func (e *memberError) Error() string { return fmt.Sprintf("%s: %v", e.name, e.err) }
func (e *memberError) Unwrap() error { return e.err }

// memberSize is a member's stored size, without reading it.
func (s *tarStore) memberSize(name string) (int64, bool) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return 0, false
	}
	return m.size, true
}

// eachName calls fn with every member's name, in no order.
func (s *tarStore) eachName(fn func(string)) {
	for n := range s.members {
		fn(n)
	}
}

// lister is a store that can list its members (an archive; a directory cannot cheaply). A
// root filesystem's members are its entries, possibly millions: listing them allocates nothing.
type lister interface{ eachName(fn func(string)) }
