package load

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
)

// bbolt trusts its file: a page number past the end faults, a branch page that points back at
// an ancestor recurses for ever (a fatal stack overflow, which no recover stops). So before
// bbolt reads a database, checkBolt walks the tree bbolt will walk — the meta page bbolt would
// pick, the root bucket, every branch and leaf page, every nested bucket, inline or not — and
// refuses a page out of the file, a page reached twice, an element or key outside its page,
// or a tree deeper than any real one.

const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltElem       = 16
	boltBranch     = 0x01
	boltLeaf       = 0x02
	boltBucketFlag = 0x01
	boltMaxDepth   = 64
)

type boltMeta struct {
	pageSize   uint32
	root, high uint64
	txid       uint64
	ok         bool
}

func readBoltMeta(page []byte) boltMeta {
	if len(page) < boltPageHeader+64 {
		return boltMeta{}
	}
	m := page[boltPageHeader:]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(m[:56])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[56:]) != h.Sum64() {
		return boltMeta{}
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), high: le.Uint64(m[40:]), txid: le.Uint64(m[48:]), ok: true}
}

// checkBolt validates a bbolt file of size bytes read through r.
func checkBolt(r io.ReaderAt, size int64) error {
	head := make([]byte, 4096)
	if n, _ := r.ReadAt(head, 0); n < boltPageHeader+64 {
		return fmt.Errorf("%w: too short for a bbolt database", ErrCorrupt)
	}
	m0 := readBoltMeta(head)
	ps := int64(m0.pageSize)
	if !m0.ok {
		// bbolt then takes the page size from the second meta page, at the OS page size.
		ps = 4096
	}
	if ps < 512 || ps > 1<<16 || ps&(ps-1) != 0 {
		return fmt.Errorf("%w: bbolt page size %d", ErrCorrupt, ps)
	}
	p1 := make([]byte, ps)
	if _, err := r.ReadAt(p1, ps); err != nil && err != io.EOF {
		return fmt.Errorf("%w: reading the second meta page: %v", ErrCorrupt, err)
	}
	m1 := readBoltMeta(p1)
	m := m0
	if m1.txid > m0.txid || !m0.ok {
		m = m1
	}
	if !m.ok {
		if m = m0; !m.ok {
			return fmt.Errorf("%w: neither bbolt meta page is valid", ErrCorrupt)
		}
	}
	if int64(m.pageSize) != ps {
		return fmt.Errorf("%w: bbolt meta pages disagree on the page size", ErrCorrupt)
	}
	c := &boltChecker{r: r, size: size, ps: ps, high: m.high, seen: map[uint64]bool{}}
	if m.root == 0 {
		return fmt.Errorf("%w: bbolt root bucket at page 0", ErrCorrupt)
	}
	return c.page(m.root, 0)
}

type boltChecker struct {
	r     io.ReaderAt
	size  int64
	ps    int64
	high  uint64
	seen  map[uint64]bool
	pages int
}

func (c *boltChecker) page(id uint64, depth int) error {
	if depth > boltMaxDepth {
		return fmt.Errorf("%w: bbolt tree deeper than %d", ErrCorrupt, boltMaxDepth)
	}
	if id < 2 || id >= c.high || c.seen[id] {
		return fmt.Errorf("%w: bbolt page %d is out of the database or reached twice", ErrCorrupt, id)
	}
	c.seen[id] = true
	if c.pages++; c.pages > 1<<22 {
		return fmt.Errorf("%w: bbolt tree of more than %d pages", ErrCorrupt, 1<<22)
	}
	off := int64(id) * c.ps
	hdr := make([]byte, boltPageHeader)
	if off+c.ps > c.size {
		return fmt.Errorf("%w: bbolt page %d is past the end of the file", ErrCorrupt, id)
	}
	if _, err := c.r.ReadAt(hdr, off); err != nil {
		return fmt.Errorf("%w: reading bbolt page %d: %v", ErrCorrupt, id, err)
	}
	le := binary.LittleEndian
	if le.Uint64(hdr) != id {
		return fmt.Errorf("%w: bbolt page %d says it is page %d", ErrCorrupt, id, le.Uint64(hdr))
	}
	span := (1 + int64(le.Uint32(hdr[12:]))) * c.ps
	if span > c.size-off || span > 1<<30 {
		return fmt.Errorf("%w: bbolt page %d overflows the file", ErrCorrupt, id)
	}
	buf := make([]byte, span)
	if _, err := c.r.ReadAt(buf, off); err != nil {
		return fmt.Errorf("%w: reading bbolt page %d: %v", ErrCorrupt, id, err)
	}
	return c.elements(buf, depth)
}

// elements checks a page's (or an inline bucket's) elements and walks what they point at.
func (c *boltChecker) elements(buf []byte, depth int) error {
	le := binary.LittleEndian
	flags, count := le.Uint16(buf[8:]), int(le.Uint16(buf[10:]))
	if boltPageHeader+count*boltElem > len(buf) {
		return fmt.Errorf("%w: bbolt page of %d elements overflows", ErrCorrupt, count)
	}
	switch flags {
	case boltBranch:
		if count == 0 {
			return fmt.Errorf("%w: empty bbolt branch page", ErrCorrupt)
		}
		for i := 0; i < count; i++ {
			e := boltPageHeader + i*boltElem
			pos, ksize := int(le.Uint32(buf[e:])), int(le.Uint32(buf[e+4:]))
			if e+pos+ksize > len(buf) || e+pos < 0 {
				return fmt.Errorf("%w: bbolt branch key outside its page", ErrCorrupt)
			}
			if err := c.page(le.Uint64(buf[e+8:]), depth+1); err != nil {
				return err
			}
		}
	case boltLeaf:
		for i := 0; i < count; i++ {
			e := boltPageHeader + i*boltElem
			eflags, pos := le.Uint32(buf[e:]), int(le.Uint32(buf[e+4:]))
			ksize, vsize := int(le.Uint32(buf[e+8:])), int(le.Uint32(buf[e+12:]))
			start := e + pos
			if pos < 0 || ksize < 0 || vsize < 0 || start+ksize+vsize > len(buf) || start+ksize+vsize < start {
				return fmt.Errorf("%w: bbolt leaf key or value outside its page", ErrCorrupt)
			}
			if eflags&boltBucketFlag == 0 {
				continue
			}
			v := buf[start+ksize : start+ksize+vsize]
			if len(v) < 16 {
				return fmt.Errorf("%w: bbolt bucket header too short", ErrCorrupt)
			}
			if root := le.Uint64(v); root != 0 {
				if err := c.page(root, depth+1); err != nil {
					return err
				}
				continue
			}
			inline := v[16:]
			if len(inline) < boltPageHeader {
				return fmt.Errorf("%w: bbolt inline bucket too short", ErrCorrupt)
			}
			if le.Uint16(inline[8:]) != boltLeaf {
				return fmt.Errorf("%w: bbolt inline bucket is not a leaf", ErrCorrupt)
			}
			if depth+1 > boltMaxDepth {
				return fmt.Errorf("%w: bbolt tree deeper than %d", ErrCorrupt, boltMaxDepth)
			}
			if err := c.elements(inline, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%w: bbolt page of type %#x where a branch or leaf is expected", ErrCorrupt, flags)
	}
	return nil
}
