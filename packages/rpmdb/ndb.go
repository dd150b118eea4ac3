package rpmdb

// NDB (rpm's lib/backend/ndb/rpmpkg.c), little-endian: a 32-byte header ("RpmP", version
// 0, generation, slot page count), then slot pages of 16-byte slots ("Slot", package
// index, block offset, block count; the first two slots are the header); a slot's blob
// starts at block offset × 16 with a 16-byte head ("BlbS", package index, checksum,
// length). A blob must lie within its slot's blocks, and no two slots' blocks overlap (rpm's
// own check): the blobs add up to at most the file's size.

import "sort"

const (
	ndbMagic     = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbBlock     = 16
	ndbPage      = 4096
)

func ndbBlobs(data []byte, max int) ([][]byte, error) {
	if len(data) < 32 {
		return nil, corrupt("ndb: header truncated")
	}
	if v := le32(data[4:]); v != 0 {
		return nil, corrupt("ndb: version %d", v)
	}
	pages := int64(le32(data[12:]))
	if pages == 0 || pages*ndbPage > int64(len(data)) {
		return nil, corrupt("ndb: %d slot pages in %d bytes", pages, len(data))
	}
	var out [][]byte
	type extent struct{ from, to int64 }
	var used []extent
	idxs := map[uint32]bool{}
	for off := int64(32); off+16 <= pages*ndbPage; off += 16 {
		s := data[off:]
		if le32(s) != ndbSlotMagic {
			return nil, corrupt("ndb: slot at %d: bad magic", off)
		}
		idx, blk, cnt := le32(s[4:]), int64(le32(s[8:])), int64(le32(s[12:]))
		if idx == 0 {
			continue
		}
		if idxs[idx] {
			return nil, corrupt("ndb: package %d has two slots", idx)
		}
		idxs[idx] = true
		at := blk * ndbBlock
		if at < pages*ndbPage || at+16 > int64(len(data)) {
			return nil, corrupt("ndb: package %d: blob at %d outside the file", idx, at)
		}
		h := data[at:]
		if le32(h) != ndbBlobMagic || le32(h[4:]) != idx {
			return nil, corrupt("ndb: package %d: bad blob head", idx)
		}
		n := int64(le32(h[12:]))
		if at+16+n > int64(len(data)) || 16+n > cnt*ndbBlock {
			return nil, corrupt("ndb: package %d: blob of %d bytes past the end of the file or of its %d blocks", idx, n, cnt)
		}
		used = append(used, extent{blk, blk + cnt})
		if len(out) >= max {
			return nil, ErrTooMany
		}
		out = append(out, data[at+16:at+16+n])
	}
	sort.Slice(used, func(i, j int) bool { return used[i].from < used[j].from })
	for i := 1; i < len(used); i++ {
		if used[i].from < used[i-1].to {
			return nil, corrupt("ndb: blocks %d..%d in two slots", used[i].from, used[i-1].to)
		}
	}
	return out, nil
}
