package load

// tarScan reads the headers of a tar archive as archive/tar does (the same headers, the same
// errors, FuzzTarScan checks it differentially), but built for indexing: it never
// materialises a sparse file's holes (a sparse map is checked against the stored bytes by
// arithmetic), reuses one tar.Header, parses no more than the fields strata reads, and over
// random-access input reads headers with a few preads sized to how densely they are packed
// instead of buffering whole regions.
//
// The parsing below follows Go's archive/tar (reader.go, strconv.go, format.go, common.go),
// Copyright 2009 and 2016 The Go Authors, used under its BSD-style license.

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	blockSize          = 512
	maxSpecialFileSize = 1 << 20
	maxSparseEntries   = 1 << 20
	minWindow          = 1 << 10
	maxWindow64        = 64 << 10
)

// errHeaderAt is a header that cannot be read, with where it starts.
type headerError struct {
	off int64
	err error
}

func (e *headerError) Error() string { return fmt.Sprintf("tar header at offset %d: %v", e.off, e.err) }
func (e *headerError) Unwrap() error { return e.err }

var (
	errSparseTooLong = errors.New("archive/tar: sparse map too long") // as archive/tar's own
	errMissData      = errors.New("archive/tar: sparse file references non-existent data")
	errUnrefData     = errors.New("archive/tar: sparse file contains unreferenced data")
)

type sparseEntry struct{ off, n int64 }

func (s sparseEntry) end() int64 { return s.off + s.n }

// tarScan is a tar reader. Next returns the next header (valid until the following call to
// Next); Read reads the current member's logical content (holes as zeros).
type tarScan struct {
	// random access: bytes [0, size) of ra at base; else a stream r (s when it also seeks)
	ra         io.ReaderAt
	base, size int64
	win        []byte
	winOff     int64
	winSize    int
	r          io.Reader
	s          io.Seeker

	pos int64 // bytes consumed (relative)
	hdr tar.Header
	blk [blockSize]byte
	err error // sticky

	// the current member
	remaining int64         // stored bytes not yet read or skipped
	pad       int64         // padding after them
	data      []sparseEntry // a sparse member's data fragments (normalised); nil otherwise
	logical   int64         // sparse: logical size
	lpos      int64         // sparse: logical position read so far
	zeros     bool          // a zero block was read where a header was expected: the end-of-archive marker

	names recentNames // user and group names, few and repeated
}

// recentNames hands out the strings of the last few user and group names read, so that a
// layer of 70,000 files owned by root makes one "root", not 140,000.
type recentNames [4]string

func (r *recentNames) str(b []byte) string {
	if b[0] == 0 {
		return ""
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	for _, s := range r {
		if s == string(b) { // compared without allocating
			return s
		}
	}
	s := string(b)
	copy(r[1:], r[:])
	r[0] = s
	return s
}

// newTarScan reads r: at random when it is a section (an uncompressed member of a seekable
// file), as a stream otherwise (skipping bodies by seeking when r is an io.Seeker).
func newTarScan(r io.Reader) *tarScan {
	t := &tarScan{winSize: minWindow}
	if sec, ok := r.(*section); ok {
		t.ra, t.base, t.size = sec.ra, sec.off+sec.pos, sec.n-sec.pos
		return t
	}
	t.r = r
	t.s, _ = r.(io.Seeker)
	return t
}

// Offset is the number of bytes consumed: after Next, where the member's data starts.
func (t *tarScan) Offset() int64 { return t.pos }

// readFull reads len(b) bytes at the current position, as io.ReadFull does.
func (t *tarScan) readFull(b []byte) (int, error) {
	if t.ra == nil {
		n, err := io.ReadFull(t.r, b)
		t.pos += int64(n)
		return n, err
	}
	n := 0
	for n < len(b) {
		if t.pos >= t.size {
			break
		}
		if t.pos < t.winOff || t.pos >= t.winOff+int64(len(t.win)) {
			if err := t.fill(); err != nil {
				return n, err
			}
			if len(t.win) == 0 {
				break
			}
		}
		k := copy(b[n:], t.win[t.pos-t.winOff:])
		n += k
		t.pos += int64(k)
	}
	switch {
	case n == len(b):
		return n, nil
	case n == 0:
		return 0, io.EOF
	}
	return n, io.ErrUnexpectedEOF
}

// fill reads a window at pos: small where headers are far apart (large bodies), growing
// while they are dense.
func (t *tarScan) fill() error {
	if t.pos == t.winOff+int64(len(t.win)) && len(t.win) > 0 {
		t.winSize = min(2*t.winSize, maxWindow64) // reading on from the window's end: dense
	} else {
		t.winSize = max(t.winSize/2, minWindow)
	}
	if cap(t.win) < maxWindow64 {
		t.win = make([]byte, 0, maxWindow64)
	}
	w := int64(t.winSize)
	if rem := t.size - t.pos; rem < w {
		w = rem
	}
	t.win = t.win[:w]
	k, err := t.ra.ReadAt(t.win, t.base+t.pos)
	t.win = t.win[:k]
	t.winOff = t.pos
	if k == 0 && err != nil && err != io.EOF {
		return err
	}
	if k == 0 {
		return io.ErrUnexpectedEOF // the file is shorter than its index said
	}
	return nil
}

// skip discards n bytes, reporting io.ErrUnexpectedEOF if the input ends first.
func (t *tarScan) skip(n int64) error {
	if n <= 0 {
		return nil
	}
	if t.ra != nil {
		if n > t.size-t.pos {
			t.pos = t.size
			return io.ErrUnexpectedEOF
		}
		t.pos += n
		return nil
	}
	if t.s != nil && n > 1 {
		if cur, err := t.s.Seek(0, io.SeekCurrent); err == nil && cur >= 0 {
			end, err := t.s.Seek(0, io.SeekEnd)
			if err != nil {
				return err
			}
			if n > end-cur {
				t.pos += end - cur
				return io.ErrUnexpectedEOF
			}
			if _, err := t.s.Seek(cur+n, io.SeekStart); err != nil {
				return err
			}
			t.pos += n
			return nil
		}
	}
	k, err := io.CopyN(io.Discard, t.r, n)
	t.pos += k
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// finish skips what is left of the current member: its stored bytes and padding. A sparse
// member's map is checked against its stored bytes here, as archive/tar checks it when the
// content is read (errMissData, errUnrefData), without reading any hole.
func (t *tarScan) finish() error {
	if t.data != nil {
		var stored int64
		for _, d := range t.data[t.fragment():] {
			stored += d.n
		}
		if t.lpos > 0 {
			stored -= t.lpos - t.data[t.fragment()].off // part of the fragment already read
			stored = max(stored, 0)
		}
		skip := min(stored, t.remaining)
		if err := t.skip(skip); err != nil {
			return err
		}
		t.remaining -= skip
		switch {
		case stored > skip:
			return errMissData
		case t.remaining > 0:
			return errUnrefData
		}
	}
	if err := t.skip(t.remaining); err != nil {
		return err
	}
	t.remaining = 0
	if err := t.skip(t.pad); err != nil {
		if err == io.ErrUnexpectedEOF {
			return io.EOF // as archive/tar's tryReadFull of the padding
		}
		return err
	}
	t.pad = 0
	return nil
}

// fragment is the index of the data fragment at or after lpos.
func (t *tarScan) fragment() int {
	for i, d := range t.data {
		if t.lpos < d.end() || (d.n == 0 && t.lpos <= d.off) {
			return i
		}
	}
	return len(t.data) - 1
}

// Next advances to the next member and returns its header. At the end of the archive it
// returns io.EOF.
func (t *tarScan) Next() (*tar.Header, error) {
	if t.err != nil {
		return nil, t.err
	}
	hdr, err := t.next()
	t.err = err
	return hdr, err
}

func (t *tarScan) next() (*tar.Header, error) {
	var pax map[string]string
	var longName, longLink string
	var gotLongName, gotLongLink bool
	for {
		if err := t.finish(); err != nil {
			return nil, err
		}
		t.data = nil
		at := t.pos
		raw, err := t.readHeader()
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				err = &headerError{off: at, err: err}
			}
			return nil, err
		}
		hdr := &t.hdr
		if err := t.member(hdr.Size, hdr.Typeflag); err != nil {
			return nil, err
		}
		switch hdr.Typeflag {
		case tar.TypeXHeader, tar.TypeXGlobalHeader:
			pax, err = t.parsePAX()
			if err != nil {
				return nil, &headerError{off: at, err: err}
			}
			if hdr.Typeflag == tar.TypeXGlobalHeader {
				name := hdr.Name
				*hdr = tar.Header{Name: name, Typeflag: tar.TypeXGlobalHeader, PAXRecords: pax}
				return hdr, nil
			}
			continue
		case tar.TypeGNULongName, tar.TypeGNULongLink:
			b, err := t.readSpecial()
			if err != nil {
				return nil, &headerError{off: at, err: err}
			}
			s := cString(b)
			if hdr.Typeflag == tar.TypeGNULongName {
				longName, gotLongName = s, true
			} else {
				longLink, gotLongLink = s, true
			}
			continue
		}
		if err := mergePAX(hdr, pax); err != nil {
			return nil, &headerError{off: at, err: err}
		}
		if gotLongName && longName != "" {
			hdr.Name = longName
		}
		if gotLongLink && longLink != "" {
			hdr.Linkname = longLink
		}
		if hdr.Typeflag == tar.TypeRegA {
			if strings.HasSuffix(hdr.Name, "/") {
				hdr.Typeflag = tar.TypeDir
			} else {
				hdr.Typeflag = tar.TypeReg
			}
		}
		if err := t.member(hdr.Size, hdr.Typeflag); err != nil {
			return nil, &headerError{off: at, err: err}
		}
		if err := t.sparse(hdr, raw); err != nil {
			if err != io.ErrUnexpectedEOF && err != io.EOF {
				err = &headerError{off: at, err: err}
			}
			return nil, err
		}
		return hdr, nil
	}
}

// member sets up the current member's stored bytes, as archive/tar's handleRegularFile.
func (t *tarScan) member(size int64, flag byte) error {
	if headerOnly(flag) {
		size = 0
	}
	if size < 0 {
		return tar.ErrHeader
	}
	t.remaining = size
	t.pad = -size & (blockSize - 1)
	return nil
}

var zeroBlock [blockSize]byte

// readHeader reads one header block into t.hdr (returning the raw block), as archive/tar's
// readHeader: io.EOF at a clean end (nothing, one or two zero blocks).
func (t *tarScan) readHeader() (*[blockSize]byte, error) {
	if _, err := t.readFull(t.blk[:]); err != nil {
		return nil, err
	}
	if t.blk == zeroBlock {
		t.zeros = true
		if _, err := t.readFull(t.blk[:]); err != nil {
			return nil, err
		}
		if t.blk == zeroBlock {
			return nil, io.EOF
		}
		return nil, tar.ErrHeader
	}
	b := &t.blk
	format := blockFormat(b)
	if format == formatUnknown {
		return nil, fmt.Errorf("%w (bad checksum or magic)", tar.ErrHeader)
	}
	var p parser
	h := &t.hdr
	*h = tar.Header{}
	h.Typeflag = b[156]
	h.Name = p.str(b[0:100])
	h.Linkname = p.str(b[157:257])
	h.Size = p.numeric(b[124:136])
	h.Mode = p.numeric(b[100:108])
	h.Uid = int(p.numeric(b[108:116]))
	h.Gid = int(p.numeric(b[116:124]))
	h.ModTime = time.Unix(p.numeric(b[136:148]), 0)
	if format > formatV7 {
		h.Uname = t.names.str(b[265:297])
		h.Gname = t.names.str(b[297:329])
		h.Devmajor = p.numeric(b[329:337])
		h.Devminor = p.numeric(b[337:345])
		var prefix string
		switch format {
		case formatUSTAR:
			prefix = p.str(b[345:500])
		case formatSTAR:
			prefix = p.str(b[345:476])
			h.AccessTime = time.Unix(p.numeric(b[476:488]), 0)
			h.ChangeTime = time.Unix(p.numeric(b[488:500]), 0)
		case formatGNU:
			var p2 parser
			if b[345] != 0 {
				p2.numeric(b[345:357])
			}
			if b[357] != 0 {
				p2.numeric(b[357:369])
			}
			if p2.err != nil { // a pre-Go 1.8 writer's prefix in the GNU time fields
				if s := p.str(b[345:500]); isASCII(s) {
					prefix = s
				}
			}
		}
		if len(prefix) > 0 {
			h.Name = prefix + "/" + h.Name
		}
	}
	return b, p.err
}

const (
	formatUnknown = iota
	formatV7
	formatGNU
	formatSTAR
	formatUSTAR
)

// blockFormat checks the checksum and guesses the format from the magic, as archive/tar.
func blockFormat(b *[blockSize]byte) int {
	var p parser
	value := p.octal(b[148:156])
	// Sums of every byte, with the checksum field counted as eight spaces: the unsigned one
	// eight bytes at a time; the signed one (old tars) only when that does not match.
	unsigned := unsignedSum(b)
	for _, c := range b[148:156] {
		unsigned -= int64(c)
	}
	unsigned += 8 * ' '
	if p.err != nil {
		return formatUnknown
	}
	if value != unsigned {
		var signed int64
		for _, c := range b {
			signed += int64(int8(c))
		}
		for _, c := range b[148:156] {
			signed -= int64(int8(c))
		}
		if value != signed+8*' ' {
			return formatUnknown
		}
	}
	magic, version, trailer := string(b[257:263]), string(b[263:265]), string(b[508:512])
	switch {
	case magic == "ustar\x00" && trailer == "tar\x00":
		return formatSTAR
	case magic == "ustar\x00":
		return formatUSTAR
	case magic == "ustar " && version == " \x00":
		return formatGNU
	}
	return formatV7
}

// unsignedSum is the sum of the block's bytes, added eight at a time in four 16-bit lanes
// (64 words of at most 2×255 a lane fit in 16 bits).
func unsignedSum(b *[blockSize]byte) int64 {
	const lanes = 0x00ff00ff00ff00ff
	var acc uint64
	for i := 0; i < blockSize; i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		acc += w&lanes + (w>>8)&lanes
	}
	return int64(acc&0xffff + (acc>>16)&0xffff + (acc>>32)&0xffff + acc>>48)
}

// readSpecial reads the current member (a PAX header or GNU long name) whole, refusing one
// over 1 MiB as archive/tar does.
func (t *tarScan) readSpecial() ([]byte, error) {
	if t.remaining > maxSpecialFileSize {
		// archive/tar reads maxSpecialFileSize+1 bytes, then refuses.
		if err := t.skip(maxSpecialFileSize + 1); err != nil {
			return nil, err
		}
		t.remaining -= maxSpecialFileSize + 1
		return nil, tar.ErrFieldTooLong
	}
	b := make([]byte, t.remaining)
	n, err := t.readFull(b)
	t.remaining -= int64(n)
	if err == io.EOF && len(b) > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Read reads the current member's content: its stored bytes, or for a sparse member its
// logical content with holes read as zeros.
func (t *tarScan) Read(b []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if t.data == nil {
		if t.remaining == 0 {
			return 0, io.EOF
		}
		if int64(len(b)) > t.remaining {
			b = b[:t.remaining]
		}
		n, err := t.readFull(b)
		t.remaining -= int64(n)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			t.err = err
		}
		return n, err
	}
	return t.readSparse(b)
}

func (t *tarScan) readSparse(b []byte) (int, error) {
	if t.lpos >= t.logical {
		if t.remaining > 0 {
			t.err = errUnrefData
			return 0, t.err
		}
		return 0, io.EOF
	}
	if int64(len(b)) > t.logical-t.lpos {
		b = b[:t.logical-t.lpos]
	}
	d := t.data[t.fragment()]
	if t.lpos < d.off { // a hole
		k := min(int64(len(b)), d.off-t.lpos)
		clear(b[:k])
		t.lpos += k
		ops.holes.Add(k)
		return int(k), nil
	}
	k := min(int64(len(b)), d.end()-t.lpos)
	if k > t.remaining {
		t.err = errMissData
		return 0, t.err
	}
	n, err := t.readFull(b[:k])
	t.remaining -= int64(n)
	t.lpos += int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		t.err = err
	}
	return n, err
}

// sparse reads a sparse member's map (old GNU type 'S', or PAX GNU.sparse.* 0.0, 0.1, 1.0)
// and sets the member up for reading or skipping, as archive/tar's handleSparseFile.
func (t *tarScan) sparse(hdr *tar.Header, raw *[blockSize]byte) error {
	var spd []sparseEntry
	var err error
	if hdr.Typeflag == tar.TypeGNUSparse {
		spd, err = t.oldGNUSparse(hdr, raw)
	} else {
		spd, err = t.paxSparse(hdr)
	}
	if err != nil || spd == nil {
		return err
	}
	if headerOnly(hdr.Typeflag) || !validSparse(spd, hdr.Size) {
		return tar.ErrHeader
	}
	t.data = normaliseData(spd, hdr.Size)
	t.logical, t.lpos = hdr.Size, 0
	return nil
}

func validSparse(sp []sparseEntry, size int64) bool {
	if size < 0 {
		return false
	}
	var pre sparseEntry
	for _, cur := range sp {
		switch {
		case cur.off < 0 || cur.n < 0:
			return false
		case cur.off > math.MaxInt64-cur.n:
			return false
		case cur.end() > size:
			return false
		case pre.end() > cur.off:
			return false
		}
		pre = cur
	}
	return true
}

// normaliseData drops empty data fragments, as archive/tar's inversion to holes and back
// does (it reads the same bytes), and ends with an empty fragment at size.
func normaliseData(spd []sparseEntry, size int64) []sparseEntry {
	out := make([]sparseEntry, 0, len(spd)+1)
	for _, d := range spd {
		if d.n == 0 {
			continue
		}
		if k := len(out); k > 0 && out[k-1].end() == d.off {
			out[k-1].n += d.n // adjacent: coalesced
			continue
		}
		out = append(out, d)
	}
	return append(out, sparseEntry{off: size})
}

func (t *tarScan) oldGNUSparse(hdr *tar.Header, blk *[blockSize]byte) ([]sparseEntry, error) {
	if blockFormat(blk) != formatGNU {
		return nil, tar.ErrHeader
	}
	var p parser
	hdr.Size = p.numeric(blk[483:495])
	if p.err != nil {
		return nil, p.err
	}
	s := blk[386 : 386+24*4+1]
	var spd []sparseEntry
	total := len(s)
	for total < maxSpecialFileSize {
		max := len(s) / 24
		for i := 0; i < max; i++ {
			e := s[i*24:]
			if e[0] == 0 {
				break
			}
			off := p.numeric(e[0:12])
			n := p.numeric(e[12:24])
			if p.err != nil {
				return nil, p.err
			}
			if len(spd) >= maxSparseEntries {
				return nil, errSparseTooLong
			}
			spd = append(spd, sparseEntry{off, n})
		}
		if s[24*max] > 0 {
			var ext [blockSize]byte
			if _, err := t.readFull(ext[:]); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
			s = ext[:]
			total += len(s)
			continue
		}
		if spd == nil {
			spd = []sparseEntry{}
		}
		return spd, nil
	}
	return nil, errSparseTooLong
}

func (t *tarScan) paxSparse(hdr *tar.Header) ([]sparseEntry, error) {
	var is1x0 bool
	major, minor := hdr.PAXRecords["GNU.sparse.major"], hdr.PAXRecords["GNU.sparse.minor"]
	switch {
	case major == "0" && (minor == "0" || minor == "1"):
	case major == "1" && minor == "0":
		is1x0 = true
	case major != "" || minor != "":
		return nil, nil
	case hdr.PAXRecords["GNU.sparse.map"] != "":
	default:
		return nil, nil
	}
	if name := hdr.PAXRecords["GNU.sparse.name"]; name != "" {
		hdr.Name = name
	}
	size := hdr.PAXRecords["GNU.sparse.size"]
	if size == "" {
		size = hdr.PAXRecords["GNU.sparse.realsize"]
	}
	if size != "" {
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			return nil, tar.ErrHeader
		}
		hdr.Size = n
	}
	if is1x0 {
		return t.sparseMap1x0()
	}
	return sparseMap0x1(hdr.PAXRecords)
}

// sparseMap1x0 reads the map at the start of the member's data (GNU PAX sparse 1.0).
func (t *tarScan) sparseMap1x0() ([]sparseEntry, error) {
	var buf bytes.Buffer
	var newlines int64
	total := 0
	feed := func(n int64) error {
		for newlines < n {
			total += blockSize
			if total > maxSpecialFileSize {
				return errSparseTooLong
			}
			var blk [blockSize]byte
			k := int64(blockSize)
			if t.remaining < k {
				// archive/tar reads the map through the member's data: it ends there.
				got, err := t.readFull(blk[:t.remaining])
				t.remaining -= int64(got)
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
			if _, err := t.readFull(blk[:]); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
			t.remaining -= k
			buf.Write(blk[:])
			newlines += int64(bytes.Count(blk[:], []byte{'\n'}))
		}
		return nil
	}
	token := func() string {
		newlines--
		tok, _ := buf.ReadString('\n')
		return strings.TrimRight(tok, "\n")
	}
	if err := feed(1); err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(token(), 10, 0)
	if err != nil || n < 0 || int(2*n) < int(n) {
		return nil, tar.ErrHeader
	}
	if err := feed(2 * n); err != nil {
		return nil, err
	}
	spd := make([]sparseEntry, 0, min(n, 1024))
	for i := int64(0); i < n; i++ {
		off, err1 := strconv.ParseInt(token(), 10, 64)
		ln, err2 := strconv.ParseInt(token(), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, tar.ErrHeader
		}
		if len(spd) >= maxSparseEntries {
			return nil, errSparseTooLong
		}
		spd = append(spd, sparseEntry{off, ln})
	}
	return spd, nil
}

func sparseMap0x1(pax map[string]string) ([]sparseEntry, error) {
	n, err := strconv.ParseInt(pax["GNU.sparse.numblocks"], 10, 0)
	if err != nil || n < 0 || int(2*n) < int(n) {
		return nil, tar.ErrHeader
	}
	fields := strings.Split(pax["GNU.sparse.map"], ",")
	if len(fields) == 1 && fields[0] == "" {
		fields = fields[:0]
	}
	if int64(len(fields)) != 2*n {
		return nil, tar.ErrHeader
	}
	spd := make([]sparseEntry, 0, n)
	for len(fields) >= 2 {
		off, err1 := strconv.ParseInt(fields[0], 10, 64)
		ln, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, tar.ErrHeader
		}
		if len(spd) >= maxSparseEntries {
			return nil, errSparseTooLong
		}
		spd = append(spd, sparseEntry{off, ln})
		fields = fields[2:]
	}
	return spd, nil
}

// parsePAX reads the current member as PAX records (converting GNU sparse 0.0 records to a
// 0.1 map), as archive/tar's parsePAX.
func (t *tarScan) parsePAX() (map[string]string, error) {
	b, err := t.readSpecial()
	if err != nil {
		return nil, err
	}
	s := string(b)
	var sparseMap []string
	pax := make(map[string]string)
	for len(s) > 0 {
		k, v, rest, err := paxRecord(s)
		if err != nil {
			return nil, tar.ErrHeader
		}
		s = rest
		switch k {
		case "GNU.sparse.offset", "GNU.sparse.numbytes":
			if (len(sparseMap)%2 == 0 && k != "GNU.sparse.offset") ||
				(len(sparseMap)%2 == 1 && k != "GNU.sparse.numbytes") ||
				strings.Contains(v, ",") {
				return nil, tar.ErrHeader
			}
			sparseMap = append(sparseMap, v)
		default:
			pax[k] = v
		}
	}
	if len(sparseMap) > 0 {
		pax["GNU.sparse.map"] = strings.Join(sparseMap, ",")
	}
	return pax, nil
}

func paxRecord(s string) (k, v, r string, err error) {
	nStr, rest, ok := strings.Cut(s, " ")
	if !ok {
		return "", "", s, tar.ErrHeader
	}
	n, perr := strconv.ParseInt(nStr, 10, 0)
	if perr != nil || n < 5 || n > int64(len(s)) {
		return "", "", s, tar.ErrHeader
	}
	n -= int64(len(nStr) + 1)
	if n <= 0 {
		return "", "", s, tar.ErrHeader
	}
	rec, nl, rem := rest[:n-1], rest[n-1:n], rest[n:]
	if nl != "\n" {
		return "", "", s, tar.ErrHeader
	}
	k, v, ok = strings.Cut(rec, "=")
	if !ok || k == "" || strings.Contains(k, "=") {
		return "", "", s, tar.ErrHeader
	}
	switch k {
	case "path", "linkpath", "uname", "gname":
		if strings.IndexByte(v, 0) >= 0 {
			return "", "", s, tar.ErrHeader
		}
	default:
		if strings.IndexByte(k, 0) >= 0 {
			return "", "", s, tar.ErrHeader
		}
	}
	return k, v, rem, nil
}

// mergePAX applies PAX records to hdr, as archive/tar's mergePAX.
func mergePAX(hdr *tar.Header, pax map[string]string) error {
	var err error
	for k, v := range pax {
		if v == "" {
			continue
		}
		var id int64
		switch k {
		case "path":
			hdr.Name = v
		case "linkpath":
			hdr.Linkname = v
		case "uname":
			hdr.Uname = v
		case "gname":
			hdr.Gname = v
		case "uid":
			id, err = strconv.ParseInt(v, 10, 64)
			hdr.Uid = int(id)
		case "gid":
			id, err = strconv.ParseInt(v, 10, 64)
			hdr.Gid = int(id)
		case "atime":
			hdr.AccessTime, err = paxTime(v)
		case "mtime":
			hdr.ModTime, err = paxTime(v)
		case "ctime":
			hdr.ChangeTime, err = paxTime(v)
		case "size":
			hdr.Size, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return tar.ErrHeader
		}
	}
	hdr.PAXRecords = pax
	return nil
}

func paxTime(s string) (time.Time, error) {
	ss, sn, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(ss, 10, 64)
	if err != nil {
		return time.Time{}, tar.ErrHeader
	}
	if len(sn) == 0 {
		return time.Unix(secs, 0), nil
	}
	nano := [9]byte{'0', '0', '0', '0', '0', '0', '0', '0', '0'}
	for i := range len(sn) {
		switch c := sn[i]; {
		case c < '0' || c > '9':
			return time.Time{}, tar.ErrHeader
		case i < len(nano):
			nano[i] = c
		}
	}
	nsecs, _ := strconv.ParseInt(string(nano[:]), 10, 64)
	if len(ss) > 0 && ss[0] == '-' {
		return time.Unix(secs, -nsecs), nil
	}
	return time.Unix(secs, nsecs), nil
}

// parser parses header fields, keeping the first error, as archive/tar's.
type parser struct{ err error }

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func (*parser) str(b []byte) string {
	if b[0] == 0 {
		return ""
	}
	return cString(b)
}

func isASCII(s string) bool {
	for _, c := range []byte(s) {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

// numeric parses base-256 (high bit set) or octal.
func (p *parser) numeric(b []byte) int64 {
	if len(b) > 0 && b[0]&0x80 != 0 {
		var inv byte
		if b[0]&0x40 != 0 {
			inv = 0xff
		}
		var x uint64
		for i, c := range b {
			c ^= inv
			if i == 0 {
				c &= 0x7f
			}
			if x>>56 > 0 {
				p.err = tar.ErrHeader
				return 0
			}
			x = x<<8 | uint64(c)
		}
		if x>>63 > 0 {
			p.err = tar.ErrHeader
			return 0
		}
		if inv == 0xff {
			return ^int64(x)
		}
		return int64(x)
	}
	return p.octal(b)
}

// octal parses an octal field padded with spaces or NULs; the common case (digits, then
// NUL or space) without allocating.
func (p *parser) octal(b []byte) int64 {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == 0) {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == 0) {
		j--
	}
	b = b[i:j]
	if len(b) == 0 {
		return 0
	}
	if k := bytes.IndexByte(b, 0); k >= 0 {
		b = b[:k]
	}
	var x uint64
	for _, c := range b {
		if c < '0' || c > '7' || x>>61 != 0 {
			// not plain octal, or too big: as strconv.ParseUint(s, 8, 64) judges it
			v, err := strconv.ParseUint(string(b), 8, 64)
			if err != nil {
				p.err = tar.ErrHeader
			}
			return int64(v)
		}
		x = x<<3 | uint64(c-'0')
	}
	return int64(x)
}
