package rpmdb

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// sqliteVarint encodes v as SQLite's big-endian variable-length integer (v < 2^56).
func sqliteVarint(v int64) []byte {
	var groups []byte
	for {
		groups = append([]byte{byte(v & 0x7f)}, groups...)
		v >>= 7
		if v == 0 {
			break
		}
	}
	for i := 0; i < len(groups)-1; i++ {
		groups[i] |= 0x80
	}
	return groups
}

// sqliteRecord encodes a record of text (string), blob ([]byte), integer (int < 128) and
// NULL (nil) columns.
func sqliteRecord(cols ...any) []byte {
	var types, body []byte
	for _, c := range cols {
		switch v := c.(type) {
		case nil:
			types = append(types, 0)
		case int:
			types = append(types, 1)
			body = append(body, byte(v))
		case string:
			types = append(types, sqliteVarint(int64(13+2*len(v)))...)
			body = append(body, v...)
		case []byte:
			types = append(types, sqliteVarint(int64(12+2*len(v)))...)
			body = append(body, v...)
		}
	}
	return append(append([]byte{byte(1 + len(types))}, types...), body...)
}

// rpmHeader is a minimal header blob naming a package.
func rpmHeader(name string) []byte {
	data := append([]byte(name), 0)
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	for _, v := range []uint32{tagName, typeString, 0, 1} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return append(b, data...)
}

// sqliteFile lays out a database of 512-byte pages: page 1 the schema naming the Packages
// table at page 2, page 2 a table leaf whose cell pointers are ptrs (nil: one per cell),
// cells placed from the page's end; extra pages follow.
func sqliteFile(cells [][]byte, ptrs []int, extra ...[]byte) []byte {
	const ps = 512
	page := func(h int, cells [][]byte, ptrs []int) []byte {
		p := make([]byte, ps)
		end := ps
		var offs []int
		for _, c := range cells {
			end -= len(c)
			copy(p[end:], c)
			offs = append(offs, end)
		}
		if ptrs == nil {
			ptrs = offs
		} else {
			for i := range ptrs {
				ptrs[i] = offs[ptrs[i]]
			}
		}
		p[h] = 0x0d
		binary.BigEndian.PutUint16(p[h+3:], uint16(len(ptrs)))
		binary.BigEndian.PutUint16(p[h+5:], uint16(end))
		for i, o := range ptrs {
			binary.BigEndian.PutUint16(p[h+8+2*i:], uint16(o))
		}
		return p
	}
	rec := sqliteRecord("table", "Packages", "Packages", 2, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
	schema := append(append(sqliteVarint(int64(len(rec))), 1), rec...)
	p1 := page(100, [][]byte{schema}, nil)
	copy(p1, "SQLite format 3\x00")
	binary.BigEndian.PutUint16(p1[16:], ps)
	p1[18], p1[19], p1[21], p1[22], p1[23] = 1, 1, 64, 32, 32
	binary.BigEndian.PutUint32(p1[28:], uint32(2+len(extra)))
	out := append(p1, page(0, cells, ptrs)...)
	for _, e := range extra {
		out = append(out, e...)
	}
	return out
}

func leafCell(rowid int64, payload []byte) []byte {
	return append(append(sqliteVarint(int64(len(payload))), sqliteVarint(rowid)...), payload...)
}

// TestSQLiteHostile: a database whose pages are shared or cells overlap is corrupt, not
// read as many packages (or as one blob read thousands of times: quadratic time and memory).
func TestSQLiteHostile(t *testing.T) {
	row := func(name string) []byte { return sqliteRecord(nil, rpmHeader(name)) }
	good := sqliteFile([][]byte{leafCell(1, row("a")), leafCell(2, row("b"))}, nil)
	if blobs, _, err := Blobs(good, nil, 10); err != nil || len(blobs) != 2 {
		t.Fatalf("the well-formed database: %d blobs, %v", len(blobs), err)
	}
	// 100 cell pointers to one cell.
	ptrs := make([]int, 100)
	if blobs, _, err := Blobs(sqliteFile([][]byte{leafCell(1, row("a"))}, ptrs), nil, 1000); !errors.Is(err, ErrCorrupt) {
		t.Errorf("overlapping cells: %d blobs, %v", len(blobs), err)
	}
	// A cell whose overflow chain is page 3 pointing to itself: the chain reaches page 3
	// twice.
	big := row(strings.Repeat("a", 980)) // two overflow pages
	u := 512
	m := (u-12)*32/255 - 23
	local := m + (len(big)-m)%(u-4)
	if local > u-35 {
		local = m
	}
	cell := append(append(sqliteVarint(int64(len(big))), 1), big[:local]...)
	cell = binary.BigEndian.AppendUint32(cell, 3)
	loop := make([]byte, 512)
	binary.BigEndian.PutUint32(loop, 3)
	if blobs, _, err := Blobs(sqliteFile([][]byte{cell}, nil, loop), nil, 10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("overflow loop: %d blobs, %v", len(blobs), err)
	}
	// Two cells sharing one (well-formed) overflow chain.
	end := make([]byte, 512)
	cell2 := append(append(sqliteVarint(int64(len(big))), 2), big[:local]...)
	cell2 = binary.BigEndian.AppendUint32(cell2, 3)
	chain := make([]byte, 512)
	binary.BigEndian.PutUint32(chain, 4)
	if blobs, _, err := Blobs(sqliteFile([][]byte{cell}, nil, chain, end), nil, 10); err != nil || len(blobs) != 1 {
		t.Fatalf("a well-formed overflow chain: %d blobs, %v", len(blobs), err)
	}
	if blobs, _, err := Blobs(sqliteFile([][]byte{cell, cell2}, nil, chain, end), nil, 10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("shared overflow chain: %d blobs, %v", len(blobs), err)
	}
}

// TestHeaderRepeatedTag: a header repeating a tag is corrupt (65535 entries pointing at one
// list of millions of names would be parsed 65535 times).
func TestHeaderRepeatedTag(t *testing.T) {
	data := []byte("x\x00")
	b := binary.BigEndian.AppendUint32(nil, 2)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	for i := 0; i < 2; i++ {
		for _, v := range []uint32{tagName, typeString, 0, 1} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
	}
	if _, err := ParseHeader(append(b, data...), 10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("NAME twice: %v", err)
	}
}

// bdbFile is a Berkeley DB hash database of 512-byte pages: one hash page of pairs whose
// data items are references to overflow chains starting at heads, then one overflow page
// holding a package header.
func bdbFile(heads ...uint32) []byte {
	const ps = 512
	blob := rpmHeader("a")
	meta := make([]byte, ps)
	binary.LittleEndian.PutUint32(meta[12:], hashMagic)
	binary.LittleEndian.PutUint32(meta[20:], ps)
	meta[25] = pHashMeta
	binary.LittleEndian.PutUint32(meta[32:], 2)
	hash := make([]byte, ps)
	hash[25] = pHash
	binary.LittleEndian.PutUint16(hash[20:], uint16(2*len(heads)))
	end := ps
	for i, h := range heads {
		end -= 5 // the key: H_KEYDATA and a 4-byte number
		hash[end] = hKeyData
		binary.LittleEndian.PutUint32(hash[end+1:], uint32(i+1))
		binary.LittleEndian.PutUint16(hash[pageHeaderSize+4*i:], uint16(end))
		end -= 12 // the data: H_OFFPAGE, page number, length
		hash[end] = hOffPage
		binary.LittleEndian.PutUint32(hash[end+4:], h)
		binary.LittleEndian.PutUint32(hash[end+8:], uint32(len(blob)))
		binary.LittleEndian.PutUint16(hash[pageHeaderSize+4*i+2:], uint16(end))
	}
	ov := make([]byte, ps)
	ov[25] = pOverflow
	binary.LittleEndian.PutUint16(ov[22:], uint16(len(blob)))
	copy(ov[pageHeaderSize:], blob)
	return append(append(meta, hash...), ov...)
}

// TestBDBSharedOverflow: two packages whose data is one chain of overflow pages is corrupt.
func TestBDBSharedOverflow(t *testing.T) {
	if blobs, _, err := Blobs(bdbFile(2), nil, 10); err != nil || len(blobs) != 1 {
		t.Fatalf("the well-formed database: %d blobs, %v", len(blobs), err)
	}
	if blobs, _, err := Blobs(bdbFile(2, 2), nil, 10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("shared chain: %d blobs, %v", len(blobs), err)
	}
}

// TestNDBSharedBlob: two slots naming one blob is corrupt.
func TestNDBSharedBlob(t *testing.T) {
	data := gunzip(t, "ndb.Packages.db.gz")
	var slots []int
	for off := 32; off+16 <= int(le32(data[12:]))*ndbPage; off += 16 {
		if le32(data[off+4:]) != 0 {
			slots = append(slots, off)
		}
	}
	if len(slots) < 2 {
		t.Fatalf("%d slots", len(slots))
	}
	copy(data[slots[1]+4:slots[1]+16], data[slots[0]+4:slots[0]+16])
	if blobs, _, err := Blobs(data, nil, 1<<20); !errors.Is(err, ErrCorrupt) {
		t.Errorf("shared blob: %d blobs, %v", len(blobs), err)
	}
}
