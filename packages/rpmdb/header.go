package rpmdb

import (
	"bytes"
	"path"
	"strconv"
)

// Header is what strata reads of one package's rpm header.
type Header struct {
	Name, Version, Release, Arch string
	Epoch                        string // "" when the header has none
	License, SourceRPM, Vendor   string
	ModularityLabel              string
	Size                         int64 // installed size (SIZE or LONGSIZE); -1 when absent
	Files                        []string
}

// Tags read (rpm's lib/rpmtag.h).
const (
	tagName            = 1000
	tagVersion         = 1001
	tagRelease         = 1002
	tagEpoch           = 1003
	tagSize            = 1009
	tagVendor          = 1011
	tagLicense         = 1014
	tagArch            = 1022
	tagOldFilenames    = 1027
	tagSourceRPM       = 1044
	tagDirIndexes      = 1116
	tagBasenames       = 1117
	tagDirNames        = 1118
	tagLongSize        = 5009
	tagModularityLabel = 5096
)

// readTags are the tags ParseHeader reads.
var readTags = map[uint32]bool{tagName: true, tagVersion: true, tagRelease: true, tagEpoch: true, tagSize: true,
	tagVendor: true, tagLicense: true, tagArch: true, tagOldFilenames: true, tagSourceRPM: true, tagDirIndexes: true,
	tagBasenames: true, tagDirNames: true, tagLongSize: true, tagModularityLabel: true}

// Data types (rpm's rpmTagType).
const (
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

// ParseHeader reads a header blob as the database stores it: the index count il and data
// length dl (big-endian), il 16-byte index entries (tag, type, offset, count), then dl
// bytes of data. rpm's own bounds apply (il ≤ 65535, dl < 256 MiB); each entry's data must
// lie in the data area, and a tag read may appear once (rpm's headers never repeat a tag;
// repeats would let one entry's data be parsed 65535 times). maxFiles bounds the file list.
func ParseHeader(blob []byte, maxFiles int) (*Header, error) {
	if len(blob) < 8 {
		return nil, corrupt("header: %d bytes", len(blob))
	}
	il, dl := int64(be32(blob)), int64(be32(blob[4:]))
	if il < 1 || il > 0xffff || dl > 0x0fffffff {
		return nil, corrupt("header: %d entries, %d data bytes", il, dl)
	}
	if 8+16*il+dl > int64(len(blob)) {
		return nil, corrupt("header: %d entries and %d data bytes in a blob of %d", il, dl, len(blob))
	}
	store := blob[8+16*il : 8+16*il+dl]
	h := &Header{Size: -1}
	var dirIdx []int64
	var dirs, bases, old []string
	seen := map[uint32]bool{}
	for i := int64(0); i < il; i++ {
		e := blob[8+16*i:]
		tag, typ, off, count := be32(e), be32(e[4:]), int64(be32(e[8:])), int64(be32(e[12:]))
		if off < 0 || off > dl || count > dl+1 {
			return nil, corrupt("header: tag %d: offset %d, count %d", tag, off, count)
		}
		if readTags[tag] {
			if seen[tag] {
				return nil, corrupt("header: tag %d twice", tag)
			}
			seen[tag] = true
		}
		d := store[off:]
		switch tag {
		case tagName, tagVersion, tagRelease, tagArch, tagLicense, tagSourceRPM, tagVendor, tagModularityLabel:
			if typ != typeString && typ != typeI18NString {
				continue
			}
			s, ok := cstring(d)
			if !ok {
				return nil, corrupt("header: tag %d: unterminated string", tag)
			}
			switch tag {
			case tagName:
				h.Name = s
			case tagVersion:
				h.Version = s
			case tagRelease:
				h.Release = s
			case tagArch:
				h.Arch = s
			case tagLicense:
				h.License = s
			case tagSourceRPM:
				h.SourceRPM = s
			case tagVendor:
				h.Vendor = s
			case tagModularityLabel:
				h.ModularityLabel = s
			}
		case tagEpoch, tagSize:
			if typ != typeInt32 || count < 1 || len(d) < 4 {
				continue
			}
			if tag == tagEpoch {
				h.Epoch = strconv.Itoa(int(int32(be32(d))))
			} else if h.Size < 0 {
				h.Size = int64(be32(d))
			}
		case tagLongSize:
			if typ == typeInt64 && count >= 1 && len(d) >= 8 {
				h.Size = int64(uint64(be32(d))<<32 | uint64(be32(d[4:])))
			}
		case tagDirIndexes:
			if typ != typeInt32 || count*4 > int64(len(d)) {
				continue
			}
			if count > int64(maxFiles) {
				return nil, ErrTooMany
			}
			dirIdx = make([]int64, count)
			for k := range dirIdx {
				dirIdx[k] = int64(be32(d[4*k:]))
			}
		case tagBasenames, tagDirNames, tagOldFilenames:
			if typ != typeStringArray {
				continue
			}
			if count > int64(maxFiles) {
				return nil, ErrTooMany
			}
			list, ok := cstrings(d, count)
			if !ok {
				return nil, corrupt("header: tag %d: %d strings do not fit", tag, count)
			}
			switch tag {
			case tagBasenames:
				bases = list
			case tagDirNames:
				dirs = list
			default:
				old = list
			}
		}
	}
	if h.Name == "" {
		return nil, corrupt("header: no name")
	}
	switch {
	case len(bases) > 0:
		if len(dirIdx) != len(bases) {
			return nil, corrupt("header: %s: %d base names, %d directory indexes", h.Name, len(bases), len(dirIdx))
		}
		h.Files = make([]string, len(bases))
		for k, b := range bases {
			if dirIdx[k] < 0 || dirIdx[k] >= int64(len(dirs)) {
				return nil, corrupt("header: %s: directory index %d of %d", h.Name, dirIdx[k], len(dirs))
			}
			h.Files[k] = path.Clean("/" + dirs[dirIdx[k]] + b)
		}
	case len(old) > 0:
		for _, f := range old {
			h.Files = append(h.Files, path.Clean("/"+f))
		}
	}
	return h, nil
}

func cstring(b []byte) (string, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", false
	}
	return string(b[:i]), true
}

func cstrings(b []byte, count int64) ([]string, bool) {
	out := make([]string, 0, min(count, 1<<16))
	for k := int64(0); k < count; k++ {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, false
		}
		out = append(out, string(b[:i]))
		b = b[i+1:]
	}
	return out, true
}
