package rpmdb

// Berkeley DB hash databases (rpm < 4.16's Packages), read as rpm's own bdb_ro backend
// does not need to: every page of the file, in order. The meta page (page 0) holds the
// magic 0x061561 (its byte order is the database's), the page size and the last page
// number; every hash page (types 2 and 13) holds key/data item pairs, each data item
// either inline (H_KEYDATA) or the head of a chain of overflow pages (H_OFFPAGE: page
// number, total length). Package headers are the data items; the record under key 0 (a
// 4-byte counter) is not one.

const (
	hashMagic      = 0x061561
	pageHeaderSize = 26
	pHashUnsorted  = 2
	pOverflow      = 7
	pHashMeta      = 8
	pHash          = 13
	hKeyData       = 1
	hOffPage       = 3
)

type bdb struct {
	data     []byte
	be       bool
	pageSize int
	pages    int
	// owned marks the overflow pages read: each belongs to one item's chain, so the blobs
	// add up to at most the file's size.
	owned map[uint32]bool
}

func (d *bdb) u32(b []byte) uint32 {
	if d.be {
		return be32(b)
	}
	return le32(b)
}

func (d *bdb) u16(b []byte) uint16 {
	if d.be {
		return be16(b)
	}
	return le16(b)
}

func (d *bdb) page(n uint32) ([]byte, bool) {
	if int64(n) >= int64(d.pages) {
		return nil, false
	}
	off := int(n) * d.pageSize
	return d.data[off : off+d.pageSize], true
}

func bdbBlobs(data []byte, max int) ([][]byte, error) {
	if len(data) < 512 {
		return nil, corrupt("bdb: meta page truncated")
	}
	d := &bdb{data: data, owned: map[uint32]bool{}}
	switch {
	case le32(data[12:]) == hashMagic:
	case be32(data[12:]) == hashMagic:
		d.be = true
	}
	d.pageSize = int(d.u32(data[20:]))
	if d.pageSize < 512 || d.pageSize > 65536 || d.pageSize&(d.pageSize-1) != 0 {
		return nil, corrupt("bdb: page size %d", d.pageSize)
	}
	if data[24] != 0 {
		return nil, corrupt("bdb: encrypted")
	}
	if data[25] != pHashMeta {
		return nil, corrupt("bdb: page 0 is of type %d, not a hash meta page", data[25])
	}
	d.pages = len(data) / d.pageSize
	if last := int64(d.u32(data[32:])); last+1 < int64(d.pages) {
		d.pages = int(last + 1)
	}
	var out [][]byte
	for n := 1; n < d.pages; n++ {
		p, _ := d.page(uint32(n))
		if t := p[25]; t != pHash && t != pHashUnsorted {
			continue
		}
		entries := int(d.u16(p[20:]))
		if pageHeaderSize+2*entries > d.pageSize {
			return nil, corrupt("bdb: page %d: %d entries", n, entries)
		}
		offset := func(i int) int { return int(d.u16(p[pageHeaderSize+2*i:])) }
		// What the items may take together: overlapping items would let one blob be read
		// thousands of times.
		room := d.pageSize - pageHeaderSize - 2*entries
		for i := 1; i < entries; i += 2 { // data items follow their keys
			off := offset(i)
			end := offset(i - 1) // items are laid out downwards from the page's end
			if off < pageHeaderSize+2*entries || off >= end || end > d.pageSize {
				return nil, corrupt("bdb: page %d: item %d at %d..%d", n, i, off, end)
			}
			if room -= end - off; room < 0 {
				return nil, corrupt("bdb: page %d: items of more bytes than the page holds (overlapping items)", n)
			}
			var blob []byte
			switch p[off] {
			case hKeyData:
				if end-off-1 < 24 { // not a header: a counter (key 0's record)
					continue
				}
				blob = p[off+1 : end]
			case hOffPage:
				if off+12 > end {
					return nil, corrupt("bdb: page %d: item %d: short off-page reference", n, i)
				}
				var err error
				if blob, err = d.overflow(d.u32(p[off+4:]), int(d.u32(p[off+8:]))); err != nil {
					return nil, err
				}
			default:
				continue
			}
			if len(out) >= max {
				return nil, ErrTooMany
			}
			out = append(out, blob)
		}
	}
	return out, nil
}

// overflow reads a chain of overflow pages from page first, total bytes long.
func (d *bdb) overflow(first uint32, total int) ([]byte, error) {
	if total <= 0 || total > len(d.data) {
		return nil, corrupt("bdb: overflow item of %d bytes", total)
	}
	out := make([]byte, 0, total)
	seen := 0
	for n := first; n != 0; {
		p, ok := d.page(n)
		if !ok {
			return nil, corrupt("bdb: overflow page %d past the last page", n)
		}
		if p[25] != pOverflow {
			return nil, corrupt("bdb: page %d is of type %d, not overflow", n, p[25])
		}
		if seen++; seen > d.pages || d.owned[n] {
			return nil, corrupt("bdb: overflow chain from page %d loops or shares page %d", first, n)
		}
		d.owned[n] = true
		used := int(d.u16(p[22:]))
		if pageHeaderSize+used > d.pageSize {
			return nil, corrupt("bdb: overflow page %d claims %d bytes", n, used)
		}
		out = append(out, p[pageHeaderSize:pageHeaderSize+used]...)
		if len(out) >= total {
			return out[:total], nil
		}
		n = d.u32(p[16:])
	}
	return nil, corrupt("bdb: overflow chain from page %d ends after %d of %d bytes", first, len(out), total)
}
