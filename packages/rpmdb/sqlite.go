package rpmdb

import "encoding/binary"

// SQLite (https://www.sqlite.org/fileformat.html), read-only and in memory: the schema
// table on page 1 names the root page of the Packages table, whose B-tree of rows
// (hnum INTEGER PRIMARY KEY, blob BLOB) is walked leaf by leaf, overflow chains followed.
// rpm keeps the database in WAL mode: committed frames of rpmdb.sqlite-wal replace the
// pages they hold (a frame is taken only when its salts match the log's and its checksum
// chain holds, up to the last commit frame), as SQLite itself reads them.

type sqlite struct {
	data     []byte
	pageSize int
	usable   int
	pages    int
	wal      map[uint32][]byte // page number → newest committed frame's page
	// owned marks every page read so far, tree or overflow: a page belongs to one
	// B-tree node or one overflow chain, so one reached twice is a loop or a page shared
	// by two owners, and the whole read costs at most one pass over the pages.
	owned map[uint32]bool
}

// own marks page n read; false when it was already.
func (d *sqlite) own(n uint32) bool {
	if d.owned[n] {
		return false
	}
	d.owned[n] = true
	return true
}

func (d *sqlite) page(n uint32) ([]byte, error) {
	if n == 0 || int64(n) > int64(d.pages) {
		return nil, corrupt("sqlite: page %d of %d", n, d.pages)
	}
	if p, ok := d.wal[n]; ok {
		return p, nil
	}
	off := int64(n-1) * int64(d.pageSize)
	if off+int64(d.pageSize) > int64(len(d.data)) {
		return nil, corrupt("sqlite: page %d past the end of the file", n)
	}
	return d.data[off : off+int64(d.pageSize)], nil
}

func sqliteBlobs(data, wal []byte, max int) ([][]byte, error) {
	if len(data) < 100 {
		return nil, corrupt("sqlite: header truncated")
	}
	d := &sqlite{data: data, pageSize: int(be16(data[16:])), owned: map[uint32]bool{}}
	if d.pageSize == 1 {
		d.pageSize = 65536
	}
	if d.pageSize < 512 || d.pageSize > 65536 || d.pageSize&(d.pageSize-1) != 0 {
		return nil, corrupt("sqlite: page size %d", d.pageSize)
	}
	d.usable = d.pageSize - int(data[20])
	if d.usable < 480 {
		return nil, corrupt("sqlite: usable page size %d", d.usable)
	}
	d.pages = len(data) / d.pageSize
	if n := int(be32(data[28:])); n > 0 && be32(data[24:]) == be32(data[92:]) && n < d.pages {
		d.pages = n // the header's count is valid and the file is longer (SQLite reads that many)
	}
	if len(wal) > 0 {
		if err := d.readWAL(wal); err != nil {
			return nil, err
		}
	}
	root, err := d.tableRoot("Packages")
	if err != nil {
		return nil, err
	}
	var out [][]byte
	err = d.walk(root, func(rec []byte) error {
		cols, err := d.columns(rec, 2)
		if err != nil {
			return err
		}
		if len(cols) < 2 || cols[1] == nil {
			return corrupt("sqlite: Packages row without a blob")
		}
		if len(out) >= max {
			return ErrTooMany
		}
		out = append(out, cols[1])
		return nil
	})
	return out, err
}

// tableRoot finds a table's root page in the schema table (page 1).
func (d *sqlite) tableRoot(name string) (uint32, error) {
	var root uint32
	err := d.walk(1, func(rec []byte) error {
		cols, err := d.columns(rec, 4)
		if err != nil {
			return err
		}
		if len(cols) >= 4 && string(cols[0]) == "table" && string(cols[1]) == name && root == 0 {
			n, ok := intValue(cols[3])
			if !ok || n <= 0 || n > int64(d.pages) {
				return corrupt("sqlite: table %s: root page %v", name, cols[3])
			}
			root = uint32(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if root == 0 {
		return 0, corrupt("sqlite: no %s table", name)
	}
	return root, nil
}

// intValue is an integer column as columns returns it (a big-endian value with a type tag).
func intValue(b []byte) (int64, bool) {
	if len(b) < 1 || b[0] != 'i' {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(append(make([]byte, 8-min(8, len(b)-1)), b[1:]...))), true
}

// walk calls fn with the payload of every row of the table B-tree rooted at root, in key
// order. Each page is visited at most once in the whole read (see owned), and the cells of
// a leaf page may not hold more bytes than the page: the payloads fn gets add up to at most
// the database's size.
func (d *sqlite) walk(root uint32, fn func([]byte) error) error {
	var visit func(n uint32, depth int) error
	visit = func(n uint32, depth int) error {
		if depth > 64 || !d.own(n) {
			return corrupt("sqlite: B-tree page %d reached twice or too deep", n)
		}
		p, err := d.page(n)
		if err != nil {
			return err
		}
		h := 0
		if n == 1 {
			h = 100
		}
		if h+8 > len(p) {
			return corrupt("sqlite: page %d: header truncated", n)
		}
		typ, cells := p[h], int(be16(p[h+3:]))
		hdr := 8
		if typ == 0x05 {
			hdr = 12
		} else if typ != 0x0d {
			return corrupt("sqlite: page %d is of type %#x, not a table page", n, typ)
		}
		if h+hdr+2*cells > len(p) {
			return corrupt("sqlite: page %d: %d cells", n, cells)
		}
		room := d.usable - (h + hdr + 2*cells) // what the cells may take together
		for i := 0; i < cells; i++ {
			off := int(be16(p[h+hdr+2*i:]))
			if off < h+hdr+2*cells || off >= d.usable {
				return corrupt("sqlite: page %d: cell %d at %d", n, i, off)
			}
			c := p[off:d.usable]
			if typ == 0x05 {
				if len(c) < 4 {
					return corrupt("sqlite: page %d: cell %d truncated", n, i)
				}
				if err := visit(be32(c), depth+1); err != nil {
					return err
				}
				continue
			}
			rec, size, err := d.leafPayload(n, c)
			if err != nil {
				return err
			}
			if room -= size; room < 0 {
				return corrupt("sqlite: page %d: cells of more bytes than the page holds (overlapping cells)", n)
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if typ == 0x05 {
			return visit(be32(p[h+8:]), depth+1)
		}
		return nil
	}
	return visit(root, 0)
}

// leafPayload reads a table leaf cell's payload, following its overflow chain; cell is the
// bytes the cell takes on its page.
func (d *sqlite) leafPayload(n uint32, c []byte) (payload []byte, cell int, err error) {
	size, k := varint(c)
	if k == 0 || size < 0 {
		return nil, 0, corrupt("sqlite: page %d: bad payload size", n)
	}
	_, k2 := varint(c[k:]) // rowid
	if k2 == 0 {
		return nil, 0, corrupt("sqlite: page %d: bad rowid", n)
	}
	c = c[k+k2:]
	u := int64(d.usable)
	x := u - 35
	if size <= x {
		if size > int64(len(c)) {
			return nil, 0, corrupt("sqlite: page %d: payload of %d bytes past the page", n, size)
		}
		return c[:size], k + k2 + int(size), nil
	}
	if size > int64(d.pages)*u {
		return nil, 0, corrupt("sqlite: page %d: payload of %d bytes", n, size)
	}
	m := (u-12)*32/255 - 23
	local := m + (size-m)%(u-4)
	if local > x {
		local = m
	}
	if local+4 > int64(len(c)) {
		return nil, 0, corrupt("sqlite: page %d: overflowing cell truncated", n)
	}
	out := make([]byte, 0, size)
	out = append(out, c[:local]...)
	next := be32(c[local:])
	for hops := 0; int64(len(out)) < size; hops++ {
		if next == 0 || hops > d.pages {
			return nil, 0, corrupt("sqlite: page %d: overflow chain ends after %d of %d bytes", n, len(out), size)
		}
		if !d.own(next) {
			return nil, 0, corrupt("sqlite: page %d: overflow page %d reached twice", n, next)
		}
		p, err := d.page(next)
		if err != nil {
			return nil, 0, err
		}
		take := min(size-int64(len(out)), u-4)
		out = append(out, p[4:4+take]...)
		next = be32(p)
	}
	return out, k + k2 + int(local) + 4, nil
}

// columns decodes up to want columns of a record: text and blobs as their bytes, NULL as
// nil, integers as 'i' followed by their big-endian bytes.
func (d *sqlite) columns(rec []byte, want int) ([][]byte, error) {
	hlen, k := varint(rec)
	if k == 0 || hlen < int64(k) || hlen > int64(len(rec)) {
		return nil, corrupt("sqlite: bad record header")
	}
	hdr, body := rec[k:hlen], rec[hlen:]
	var out [][]byte
	for len(hdr) > 0 && len(out) < want {
		t, n := varint(hdr)
		if n == 0 {
			return nil, corrupt("sqlite: bad serial type")
		}
		hdr = hdr[n:]
		var size int64
		switch {
		case t == 0, t == 8, t == 9:
		case t >= 1 && t <= 4:
			size = t
		case t == 5:
			size = 6
		case t == 6, t == 7:
			size = 8
		case t >= 12:
			size = (t - 12) / 2
		default:
			return nil, corrupt("sqlite: serial type %d", t)
		}
		if size > int64(len(body)) {
			return nil, corrupt("sqlite: column of %d bytes past the record", size)
		}
		v := body[:size]
		body = body[size:]
		switch {
		case t == 0:
			out = append(out, nil)
		case t >= 1 && t <= 6:
			out = append(out, append([]byte{'i'}, v...))
		case t == 8:
			out = append(out, []byte{'i', 0})
		case t == 9:
			out = append(out, []byte{'i', 1})
		default:
			out = append(out, v)
		}
	}
	return out, nil
}

// varint reads SQLite's big-endian variable-length integer; n is 0 when b is too short.
func varint(b []byte) (v int64, n int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | int64(b[i]), 9
		}
		v = v<<7 | int64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, 9
}

// readWAL takes the committed frames of a write-ahead log.
func (d *sqlite) readWAL(w []byte) error {
	if len(w) < 32 {
		return nil // an empty or torn header: SQLite ignores the log
	}
	magic := be32(w)
	if magic != 0x377f0682 && magic != 0x377f0683 {
		return nil
	}
	if int(be32(w[8:])) != d.pageSize {
		return corrupt("sqlite: WAL page size %d, database %d", be32(w[8:]), d.pageSize)
	}
	bigEndian := magic&1 == 1
	s0, s1 := walChecksum(bigEndian, w[:24], 0, 0)
	if s0 != be32(w[24:]) || s1 != be32(w[28:]) {
		return nil // the header's checksum fails: the log is not valid
	}
	salt1, salt2 := be32(w[16:]), be32(w[20:])
	frame := 24 + d.pageSize
	pending := map[uint32][]byte{}
	d.wal = map[uint32][]byte{}
	for off := 32; off+frame <= len(w); off += frame {
		fh := w[off : off+24]
		if be32(fh[8:]) != salt1 || be32(fh[12:]) != salt2 {
			break
		}
		s0, s1 = walChecksum(bigEndian, fh[:8], s0, s1)
		s0, s1 = walChecksum(bigEndian, w[off+24:off+frame], s0, s1)
		if s0 != be32(fh[16:]) || s1 != be32(fh[20:]) {
			break
		}
		pg := be32(fh)
		if pg == 0 {
			break
		}
		pending[pg] = w[off+24 : off+frame]
		if commit := be32(fh[4:]); commit != 0 {
			for k, v := range pending {
				d.wal[k] = v
			}
			clear(pending)
			// The database's size after the commit; its pages are in the file or the log.
			d.pages = min(int(commit), len(d.data)/d.pageSize+len(w)/frame)
		}
	}
	return nil
}

func walChecksum(bigEndian bool, b []byte, s0, s1 uint32) (uint32, uint32) {
	u := le32
	if bigEndian {
		u = be32
	}
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += u(b[i:]) + s1
		s1 += u(b[i+4:]) + s0
	}
	return s0, s1
}
