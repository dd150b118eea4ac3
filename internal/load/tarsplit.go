package load

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/strata-dev/strata/internal/image"
)

// A layer an engine stores unpacked (Docker's layerdb, containers/storage's layers) keeps its
// tar-split: the layer tar's headers and padding as raw segments, and for each file only its
// name, size and CRC-64 — the file bodies are the files of the layer's directory. Joined
// again they are the layer tar byte for byte, whose sha256 is the diff_id (vbatts/tar-split,
// the JSON-lines format that `docker save` and `podman push` reassemble layers from).

// tarSplitRecord is one line of a tar-split stream.
type tarSplitRecord struct {
	Type     int    `json:"type"` // 1: a file's payload, 2: raw segment bytes
	Name     string `json:"name"`
	NameRaw  []byte `json:"name_raw"` // the name, when it is not valid UTF-8
	Size     int64  `json:"size"`
	Payload  []byte `json:"payload"` // segment bytes, or a file's CRC-64 (ISO), big-endian
	Position int    `json:"position"`
}

const (
	tarSplitFile    = 1
	tarSplitSegment = 2
	// maxTarSplitLine bounds one JSON line: a segment holds a header block or a few (long
	// names and PAX records: at most MaxPathLen bytes of name, base64'd), and padding.
	maxTarSplitLine = 4 << 20
)

var crcTable = crc64.MakeTable(crc64.ISO)

// fileSpan is where a file's payload sits in the reassembled tar.
type fileSpan struct {
	off, size int64
	name      string // relative to the layer's directory, cleaned
}

// tarSplitLayer is a layer held as a tar-split beside a directory of its files.
type tarSplitLayer struct {
	fs    *rootFS
	split string // the tar-split member, gzip'd JSON lines
	dir   string // the layer's files, relative to the root
	spans []fileSpan
	size  int64 // bytes of the reassembled tar
	lim   Limits
}

// readTarSplit indexes a tar-split: the layer's entries, exactly as a tar reader sees the
// reassembled layer, and where each file's payload lies. No file of dir is read.
func readTarSplit(fs *rootFS, split, dir string, lim Limits) (*tarSplitLayer, []image.Entry, error) {
	l := &tarSplitLayer{fs: fs, split: split, dir: dir, lim: lim}
	rc, err := fs.open(split)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	st := newSplitStream(rc, lim, nil)
	entries, _, _, _, err := readTar(st, lim, "", nil)
	if err == nil {
		err = st.err
	}
	if err == nil {
		err = st.drain()
	}
	if err != nil {
		return nil, nil, memberErr(split, err)
	}
	l.spans, l.size = st.spans, st.off
	return l, entries, nil
}

// splitStream turns tar-split records into the tar stream they describe. A file's payload is
// read from content when it is set (reassembly); otherwise it reads as zeros (indexing, where
// the tar reader only skips it).
type splitStream struct {
	dec     *bufio.Reader
	gz      *gzip.Reader
	lim     Limits
	content func(name string, size int64) (io.ReadCloser, error)

	seen  map[string]bool
	pos   int // next expected position
	buf   []byte
	file  io.ReadCloser // the payload being read, with content
	left  int64         // payload bytes still to give
	name  string
	crc   []byte // the record's CRC-64
	hash  interface{ Sum64() uint64 }
	hw    io.Writer
	off   int64 // bytes given so far
	spans []fileSpan
	done  bool
	err   error // sticky
}

func newSplitStream(r io.Reader, lim Limits, content func(string, int64) (io.ReadCloser, error)) *splitStream {
	return &splitStream{dec: bufio.NewReaderSize(r, 64<<10), lim: lim, content: content, seen: map[string]bool{}}
}

func (s *splitStream) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if len(s.buf) > 0 {
			n := copy(p, s.buf)
			s.buf = s.buf[n:]
			s.off += int64(n)
			return n, nil
		}
		if s.left > 0 {
			return s.readPayload(p)
		}
		if s.done {
			return 0, io.EOF
		}
		if err := s.next(); err != nil {
			s.err = err
		}
	}
}

func (s *splitStream) readPayload(p []byte) (int, error) {
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	if s.file == nil {
		clear(p)
		s.left -= int64(len(p))
		s.off += int64(len(p))
		return len(p), nil
	}
	n, err := s.file.Read(p)
	s.hw.Write(p[:n])
	s.left -= int64(n)
	s.off += int64(n)
	if err == io.EOF && s.left > 0 {
		err = fmt.Errorf("%w: file %s is shorter than the %d bytes the tar-split records", ErrCorrupt, s.name, s.spans[len(s.spans)-1].size)
	} else if err == io.EOF {
		err = nil
	}
	if err == nil && s.left == 0 {
		s.file.Close()
		s.file = nil
		var sum [8]byte
		v := s.hash.Sum64()
		for i := range sum {
			sum[i] = byte(v >> (56 - 8*i))
		}
		if !bytes.Equal(sum[:], s.crc) {
			err = fmt.Errorf("%w: file %s does not have the CRC-64 the tar-split records: it changed since the layer was stored", ErrCorrupt, s.name)
		}
	}
	if err != nil {
		s.err = err
	}
	return n, nil
}

// next reads one record.
func (s *splitStream) next() error {
	line, err := s.readLine()
	if err == io.EOF {
		s.done = true
		return nil
	}
	if err != nil {
		return err
	}
	var r tarSplitRecord
	if !parseSplitRecord(line, &r) {
		r = tarSplitRecord{}
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("%w: tar-split record %d is not valid JSON: %v", ErrMalformed, s.pos, err)
		}
	}
	if r.Position != s.pos {
		return fmt.Errorf("%w: tar-split record %d says it is at position %d", ErrMalformed, s.pos, r.Position)
	}
	s.pos++
	switch r.Type {
	case tarSplitSegment:
		s.buf = r.Payload
	case tarSplitFile:
		name := r.Name
		if len(r.NameRaw) > 0 {
			name = string(r.NameRaw)
		}
		clean, _ := cleanPath(name)
		if s.seen[clean] {
			return fmt.Errorf("%w: tar-split names %s twice", ErrMalformed, clean)
		}
		if s.lim.MaxEntries > 0 && len(s.seen) >= s.lim.MaxEntries {
			return limitErr("entries", int64(s.lim.MaxEntries), "the tar-split records more than %d files", s.lim.MaxEntries)
		}
		s.seen[clean] = true
		if r.Size < 0 {
			return fmt.Errorf("%w: tar-split file %s has a negative size", ErrMalformed, clean)
		}
		if r.Size == 0 {
			return nil
		}
		rel := strings.TrimPrefix(clean, "/")
		s.spans = append(s.spans, fileSpan{off: s.off, size: r.Size, name: rel})
		s.left, s.name = r.Size, rel
		if s.content != nil {
			if len(r.Payload) != 8 {
				return fmt.Errorf("%w: tar-split file %s has no CRC-64", ErrMalformed, clean)
			}
			f, err := s.content(rel, r.Size)
			if err != nil {
				return err
			}
			h := crc64.New(crcTable)
			s.file, s.hash, s.hw, s.crc = f, h, h, r.Payload
		}
	default:
		return fmt.Errorf("%w: tar-split record %d has unknown type %d", ErrMalformed, s.pos-1, r.Type)
	}
	return nil
}

func (s *splitStream) readLine() ([]byte, error) {
	if s.gz == nil {
		gz, err := gzip.NewReader(s.dec)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: empty tar-split", ErrTruncated)
			}
			return nil, fmt.Errorf("%w: tar-split is not gzip: %v", ErrCorrupt, err)
		}
		s.gz = gz
		s.dec = bufio.NewReaderSize(gz, 64<<10)
	}
	var line []byte
	for {
		chunk, err := s.dec.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxTarSplitLine {
			return nil, limitErr("json", maxTarSplitLine, "a tar-split record is longer than %d bytes", maxTarSplitLine)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(bytes.TrimSpace(line)) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return line, nil
		case err != nil:
			return nil, classify(err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			line = line[:0]
			continue
		}
		return line, nil
	}
}

// drain reads the records after the tar's end (tar-split keeps the padding after the
// end-of-archive blocks as segments too), so the span list and size are complete. A file
// recorded after the end, or more than maxTrailer bytes of segments, is malformed.
func (s *splitStream) drain() error {
	files := len(s.spans)
	start := s.off
	for {
		if s.err != nil {
			return s.err
		}
		if len(s.spans) > files || s.left > 0 {
			return fmt.Errorf("%w: the tar-split records a file after the tar's end", ErrMalformed)
		}
		if s.off-start > maxTrailer {
			return fmt.Errorf("%w: the tar-split goes on for more than %d bytes after the tar's end", ErrMalformed, maxTrailer)
		}
		s.off += int64(len(s.buf))
		s.buf = nil
		if s.done {
			return nil
		}
		if err := s.next(); err != nil {
			s.err = err
		}
	}
}

// Seek moves forward in the stream: over a file payload without producing it (indexing
// skips bodies so: a tar-split that claims a file of 8 EiB costs nothing), through segments by
// reading them. Only whence io.SeekCurrent and io.SeekStart forward, and io.SeekEnd to learn
// the size, which a tar-split does not know before its end: it answers as if unbounded.
func (s *splitStream) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekEnd:
		return math.MaxInt64, nil
	case io.SeekCurrent:
		offset += s.off
	}
	if offset < s.off {
		return s.off, fmt.Errorf("tar-split stream: cannot seek back")
	}
	for s.off < offset {
		if s.err != nil {
			return s.off, s.err
		}
		switch {
		case s.left > 0 && s.file == nil:
			n := min(s.left, offset-s.off)
			s.left -= n
			s.off += n
		case len(s.buf) > 0 || s.left > 0:
			var tmp [4096]byte
			want := min(int64(len(tmp)), offset-s.off)
			if _, err := s.Read(tmp[:want]); err != nil {
				return s.off, err
			}
		case s.done:
			return s.off, io.ErrUnexpectedEOF
		default:
			if err := s.next(); err != nil {
				s.err = err
			}
		}
	}
	return s.off, nil
}

func (s *splitStream) Close() error {
	if s.file != nil {
		s.file.Close()
	}
	return nil
}

// open reassembles the layer tar: what Layer.Open gives, and what --verify hashes.
func (l *tarSplitLayer) open() (io.ReadCloser, error) {
	rc, err := l.fs.open(l.split)
	if err != nil {
		return nil, err
	}
	st := newSplitStream(rc, l.lim, func(name string, size int64) (io.ReadCloser, error) {
		f, n, err := l.fs.openFile(path.Join(l.dir, name))
		if err != nil {
			return nil, err
		}
		if n != size {
			f.Close()
			return nil, fmt.Errorf("%w: file %s is %d bytes, the tar-split records %d: it changed since the layer was stored", ErrCorrupt, name, n, size)
		}
		return f, nil
	})
	return struct {
		io.Reader
		io.Closer
	}{st, closers{st, rc}}, nil
}

// digest reassembles the layer and returns the sha256 of the tar.
func (l *tarSplitLayer) digest() (string, error) {
	rc, err := l.open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// spanReader reads file payloads at their offsets in a layer's tar (the entries' Offset): a
// Layer.ReaderAt for layers whose files lie in a directory. Bytes outside a file's payload
// are not served.
type spanReader struct {
	fs    *rootFS
	dir   string
	spans []fileSpan // sorted by off

	mu     sync.Mutex
	cached *os.File
	cname  string
}

func newSpanReader(fs *rootFS, dir string, spans []fileSpan) *spanReader {
	sort.Slice(spans, func(i, j int) bool { return spans[i].off < spans[j].off })
	return &spanReader{fs: fs, dir: dir, spans: spans}
}

func (r *spanReader) ReadAt(p []byte, off int64) (int, error) {
	i := sort.Search(len(r.spans), func(i int) bool { return r.spans[i].off+r.spans[i].size > off })
	if i == len(r.spans) || r.spans[i].off > off {
		return 0, fmt.Errorf("%w: no file's content at offset %d", ErrCorrupt, off)
	}
	sp := r.spans[i]
	rel := off - sp.off
	want := p
	short := false
	if rest := sp.size - rel; int64(len(want)) > rest {
		want, short = want[:rest], true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := path.Join(r.dir, sp.name)
	if r.cname != name {
		if r.cached != nil {
			r.cached.Close()
			r.cached = nil
		}
		f, _, err := r.fs.openFile(name)
		if err != nil {
			return 0, err
		}
		r.cached, r.cname = f, name
	}
	n, err := r.cached.ReadAt(want, rel)
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// Close closes the file the reader keeps open.
func (r *spanReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cached != nil {
		r.cached.Close()
		r.cached, r.cname = nil, ""
	}
	return nil
}

// parseSplitRecord reads a tar-split line as the tar-split packer writes it (a flat object of
// the keys type, name, name_raw, size, payload, position), much faster than encoding/json;
// it reports false for anything else — another key, an escape it does not take, a nested
// value, trailing bytes — and the caller then asks encoding/json, whose answer is the rule.
func parseSplitRecord(b []byte, r *tarSplitRecord) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		key, j, ok := splitString(b, i)
		if !ok {
			return false
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == 'n' { // null leaves the field as it is
			if len(b) < i+4 || string(b[i:i+4]) != "null" {
				return false
			}
			i += 4
		} else {
			switch string(key) {
			case "type", "size", "position":
				n, j, ok := splitInt(b, i)
				if !ok {
					return false
				}
				switch string(key) {
				case "type":
					r.Type = int(n)
				case "size":
					r.Size = n
				default:
					r.Position = int(n)
				}
				i = j
			case "name":
				v, j, ok := splitString(b, i)
				if !ok {
					return false
				}
				r.Name, i = string(v), j
			case "payload", "name_raw":
				v, j, ok := splitString(b, i)
				if !ok {
					return false
				}
				d := make([]byte, base64.StdEncoding.DecodedLen(len(v)))
				n, err := base64.StdEncoding.Decode(d, v)
				if err != nil {
					return false
				}
				if string(key) == "payload" {
					r.Payload = d[:n]
				} else {
					r.NameRaw = d[:n]
				}
				i = j
			default:
				return false
			}
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return skipWS(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// splitString reads a JSON string without escapes or control characters, valid UTF-8.
func splitString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			v := b[i+1 : j]
			return v, j + 1, utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// splitInt reads a JSON integer that fits an int64 (no fraction, no exponent).
func splitInt(b []byte, i int) (int64, int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	start := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == start || (b[start] == '0' && j-start > 1) || j-start > 18 {
		return 0, 0, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	return n, j, err == nil
}
