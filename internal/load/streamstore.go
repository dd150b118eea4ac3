package load

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// streamStore is an archive read once from a stream (stdin, a compressed file): metadata
// arrives after the blobs in every Docker format, so each member that may be a layer is
// indexed as it passes, JSON-sized members are kept, and everything else is dropped.
type streamStore struct {
	members map[string]*member
	data    map[string][]byte // small members' bytes
	parsed  map[string]*blob  // layer candidates, indexed
	failed  map[string]error  // layer candidates that did not parse (reported only if used)
	heads   map[string][]byte // the first bytes of members that are neither tar nor compressed
	kept    int64             // bytes held in data (a repeated name counts once)
	root    *blob             // the archive read as a root filesystem
	lim     Limits
	// reopen, when set (a compressed file, not a pipe), reads the archive's decompressed tar
	// again from its start: content is reached by reading up to the member that holds it.
	reopen func() (io.ReadCloser, error)
}

// indexStream reads the tar stream r once.
func indexStream(r io.Reader, opts parseOpts) (*streamStore, error) {
	s := &streamStore{
		members: map[string]*member{}, data: map[string][]byte{},
		parsed: map[string]*blob{}, failed: map[string]error{}, heads: map[string][]byte{}, lim: opts.lim,
	}
	root, err := scanOuter(newTarScan(r), opts.lim, opts.hashFiles, opts.keep, func(hdr *tar.Header, m *member, body io.Reader) error {
		s.members[m.name] = m
		opts.progress.setMember(m.name)
		if m.sparse {
			s.forget(m.name)
			s.failed[m.name] = errSparseMember
			return nil
		}
		if m.typeflag == tar.TypeReg || m.typeflag == tar.TypeRegA {
			if err := s.keep(m.name, m.size, body, opts); err != nil {
				return memberErr(m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

// keep decides what to hold of a regular member from its name and first bytes.
func (s *streamStore) keep(name string, size int64, r io.Reader, opts parseOpts) error {
	s.forget(name)
	if !blobCandidate(name) && !strings.HasSuffix(name, ".json") {
		return nil
	}
	head, r, err := peek(r, 512)
	if err != nil {
		return classify(err)
	}
	if sniffCompression(head) != CompressionNone || (len(head) == 512 && isTarHeader(head)) {
		b, err := parseBlob(r, size, opts)
		if err != nil {
			s.failed[name] = err
			return nil
		}
		s.parsed[name] = b
		return nil
	}
	s.heads[name] = append([]byte(nil), head[:min(len(head), 16)]...) // neither tar nor compressed: say what it is if asked
	if looksJSON(head) && (size <= opts.lim.MaxJSON || opts.lim.MaxJSON == 0) {
		if max := 4 * opts.lim.MaxJSON; max > 0 && s.kept+size > max {
			return limitErr("json", opts.lim.MaxJSON, "JSON documents in the stream add up to more than %d bytes (4 × the json limit)", max)
		}
		s.kept += size
		var buf bytes.Buffer
		if _, err := io.CopyN(&buf, r, size); err != nil {
			return classify(err)
		}
		s.data[name] = buf.Bytes()
	}
	return nil
}

// forget drops what was kept of an earlier member of the same name (the last one wins).
func (s *streamStore) forget(name string) {
	s.kept -= int64(len(s.data[name]))
	delete(s.data, name)
	delete(s.parsed, name)
	delete(s.failed, name)
	delete(s.heads, name)
}

// looksJSON reports whether a member starts like a JSON document (manifests, indexes,
// configs, `oci-layout`); other members are not kept in memory.
func looksJSON(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[' || bytes.HasPrefix(t, []byte("null")))
}

// blobCandidate says whether a member may hold an image's metadata or layer: a top-level
// file, `<dir>/layer.tar` or `<dir>/json` (legacy saves), or `blobs/<alg>/<hex>`. Deeper
// members belong to a root filesystem and are never layers.
func blobCandidate(name string) bool {
	parts := strings.Split(name, "/")
	switch len(parts) {
	case 1:
		return true
	case 2:
		return parts[1] == "layer.tar" || parts[1] == "json" || parts[1] == "VERSION"
	case 3:
		return parts[0] == "blobs"
	}
	return false
}

func (s *streamStore) has(name string) bool {
	_, err := resolveMember(s.members, name, s.lim)
	return err == nil
}

func (s *streamStore) small(name string, max int64) ([]byte, error) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil, err
	}
	if max > 0 && m.size > max {
		return nil, limitErr("json", max, "member %s is %d bytes, more than %d allowed for a JSON document", m.name, m.size, max)
	}
	if err, ok := s.failed[m.name]; ok {
		return nil, err
	}
	b, ok := s.data[m.name]
	if !ok {
		return nil, fmt.Errorf("%w: member %s is not a JSON document", ErrMalformed, m.name)
	}
	return b, nil
}

func (s *streamStore) blobs(names []string, opts parseOpts) ([]*blob, error) {
	out := make([]*blob, len(names))
	for i, name := range names {
		m, err := resolveMember(s.members, name, s.lim)
		if err != nil {
			return nil, memberErr(name, err)
		}
		if err, ok := s.failed[m.name]; ok {
			return nil, memberErr(name, err)
		}
		b, ok := s.parsed[m.name]
		if !ok {
			err := fmt.Errorf("%w: not a tar archive (nor a compressed one)", ErrCorrupt)
			head := s.heads[m.name]
			if d, ok := s.data[m.name]; ok {
				head = d[:min(len(d), 16)]
			}
			return nil, memberErr(name, &blobError{compression: CompressionNone, head: head, err: err})
		}
		out[i] = b
	}
	return out, nil
}

func (s *streamStore) opener(name, compression string, lim Limits) func() (io.ReadCloser, error) {
	if s.reopen == nil {
		return nil
	}
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return nil
	}
	return func() (io.ReadCloser, error) {
		rc, err := s.reopen()
		if err != nil {
			return nil, err
		}
		pos := &byteCounter{r: rc}
		tr := tar.NewReader(pos)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				rc.Close()
				return nil, fmt.Errorf("%w: member %s not found again in the archive", ErrMissing, m.name)
			}
			if err != nil {
				rc.Close()
				return nil, fmt.Errorf("reading the archive again for member %s: %w", m.name, classify(err))
			}
			// The member itself, at the offset it was indexed at (a repeated name: the last).
			if memberName(hdr.Name) == m.name && pos.n == m.off {
				return decompressOwning(io.LimitReader(tr, m.size), rc, compression, lim)
			}
		}
	}
}

func (s *streamStore) readerAt(string) io.ReaderAt { return nil }

func (s *streamStore) rootfs(parseOpts) (*blob, func() (io.ReadCloser, error), io.ReaderAt, error) {
	if s.root.err != nil {
		return nil, nil, nil, s.root.err
	}
	return s.root, s.reopen, nil, nil
}

// memberSize is a member's stored size.
func (s *streamStore) memberSize(name string) (int64, bool) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return 0, false
	}
	return m.size, true
}

// compressionOf is the compression of a member read as a layer blob as it passed.
func (s *streamStore) compressionOf(name string) (string, bool) {
	m, err := resolveMember(s.members, name, s.lim)
	if err != nil {
		return "", false
	}
	b, ok := s.parsed[m.name]
	if !ok || b == nil {
		return "", false
	}
	return b.compression, true
}

// byteCounter counts the bytes read through it: archive/tar reads a header's blocks and no
// further, so after Next the count is the offset of the member's body.
type byteCounter struct {
	r io.Reader
	n int64
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// eachName calls fn with every member's name, in no order.
func (s *streamStore) eachName(fn func(string)) {
	for n := range s.members {
		fn(n)
	}
}

// hashMembers reads the archive again (a compressed file can be) and returns the sha256 of
// each named member's uncompressed content, by member name: the diff_ids of layers that were
// indexed without hashing. One pass, whatever the number of members.
func (s *streamStore) hashMembers(names []string, lim Limits) (map[string]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		m, err := resolveMember(s.members, n, s.lim)
		if err != nil {
			return nil, memberErr(n, err)
		}
		want[m.name] = true
	}
	rc, err := s.reopen()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	out := map[string]string{}
	pos := &byteCounter{r: rc}
	tr := tar.NewReader(pos)
	for len(out) < len(want) {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive again: %w", classify(err))
		}
		name := memberName(hdr.Name)
		m := s.members[name]
		if !want[name] || m == nil || pos.n != m.off {
			continue
		}
		head, r, err := peek(io.LimitReader(tr, m.size), 6)
		if err != nil {
			return nil, memberErr(name, err)
		}
		dr, err := decompress(r, sniffCompression(head), lim, nil)
		if err != nil {
			return nil, memberErr(name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, dr)
		dr.Close()
		if err != nil {
			return nil, memberErr(name, classify(err))
		}
		out[name] = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	for n := range want {
		if _, ok := out[n]; !ok {
			return nil, memberErr(n, fmt.Errorf("%w: not found again in the archive", ErrMissing))
		}
	}
	return out, nil
}
