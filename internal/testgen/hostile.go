package testgen

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Hostile inputs: small archives that claim, repeat or nest their way into unbounded work.
// Each is built in memory from a few parameters; none is committed.

// RawLayer is a layer blob of an RawArchive: its stored bytes and,
// when known, the digest of its uncompressed tar (zeros when not).
type RawLayer struct {
	Blob   []byte
	DiffID string
}

// NewRawLayer is an uncompressed layer of these entries.
func NewRawLayer(entries []Entry) RawLayer {
	var buf bytes.Buffer
	if err := WriteLayerTar(&buf, entries); err != nil {
		panic(err)
	}
	return RawLayer{Blob: buf.Bytes(), DiffID: digest(buf.Bytes())}
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// RawArchive is a legacy docker save whose manifest lists, per image, the layers named by
// index (an index may repeat), every image sharing one config member per distinct layer
// list. ConfigPad bytes of padding (in a label) make each config that much bigger.
type RawArchive struct {
	Layers    []RawLayer
	Images    [][]int
	ConfigPad int
}

// Write writes the archive.
func (a RawArchive) Write(w io.Writer) error {
	layers, images, configPad := a.Layers, a.Images, a.ConfigPad
	tw := tar.NewWriter(w)
	add := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: Epoch}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	for i, l := range layers {
		if err := add(fmt.Sprintf("l%d/layer.tar", i), l.Blob); err != nil {
			return err
		}
	}
	type item struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var manifest []item
	configs := map[string]string{}
	for n, idx := range images {
		key := fmt.Sprint(idx)
		cfgName, ok := configs[key]
		if !ok {
			var diffIDs, hist []string
			for _, i := range idx {
				d := layers[i].DiffID
				if d == "" {
					d = "sha256:" + strings.Repeat("0", 64)
				}
				diffIDs = append(diffIDs, strconv.Quote(d))
				hist = append(hist, `{"created_by":"layer `+strconv.Itoa(i)+`"}`)
			}
			cfg := []byte(`{"architecture":"amd64","os":"linux","config":{"Labels":{"pad":"` + strings.Repeat("x", configPad) +
				`"}},"rootfs":{"type":"layers","diff_ids":[` + strings.Join(diffIDs, ",") + `]},"history":[` + strings.Join(hist, ",") + `]}`)
			cfgName = strings.TrimPrefix(digest(cfg), "sha256:") + ".json"
			configs[key] = cfgName
			if err := add(cfgName, cfg); err != nil {
				return err
			}
		}
		it := item{Config: cfgName, RepoTags: []string{fmt.Sprintf("img%d:1", n)}}
		for _, i := range idx {
			it.Layers = append(it.Layers, fmt.Sprintf("l%d/layer.tar", i))
		}
		manifest = append(manifest, it)
	}
	mb, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := add("manifest.json", mb); err != nil {
		return err
	}
	return tw.Close()
}

// RawHeader is a tar header block written field by field, for headers archive/tar will not
// write (bad checksums, out-of-range sizes, sparse maps).
type RawHeader struct {
	Name     string
	Typeflag byte
	Size     string // the size field verbatim (octal digits, or "" for 0)
	Magic    string // "ustar\x0000" (default) or "ustar  \x00" (GNU)
	Extra    func(blk []byte)
	BadSum   bool // write a wrong checksum
}

// Block is the 512-byte header block of h.
func (h RawHeader) Block() []byte {
	blk := make([]byte, 512)
	copy(blk[0:100], h.Name)
	copy(blk[100:], "0000644\x00")
	copy(blk[108:], "0000000\x00")
	copy(blk[116:], "0000000\x00")
	size := h.Size
	if size == "" {
		size = "00000000000"
	}
	copy(blk[124:136], size)
	copy(blk[136:], fmt.Sprintf("%011o\x00", 1700000000))
	blk[156] = h.Typeflag
	if blk[156] == 0 {
		blk[156] = tar.TypeReg
	}
	magic := h.Magic
	if magic == "" {
		magic = "ustar\x0000"
	}
	copy(blk[257:], magic)
	if h.Extra != nil {
		h.Extra(blk)
	}
	copy(blk[148:156], "        ")
	var sum int64
	for _, c := range blk {
		sum += int64(c)
	}
	if h.BadSum {
		sum++
	}
	copy(blk[148:], fmt.Sprintf("%06o\x00 ", sum))
	return blk
}

// PAXMember is a member preceded by a PAX extended header with these records (written in
// key order), its data padded to 512 bytes.
func PAXMember(h RawHeader, records [][2]string, data []byte) []byte {
	var rec bytes.Buffer
	for _, kv := range records {
		line := " " + kv[0] + "=" + kv[1] + "\n"
		n := len(line) + 1
		for n != len(line)+len(strconv.Itoa(n)) {
			n = len(line) + len(strconv.Itoa(n))
		}
		rec.WriteString(strconv.Itoa(n) + line)
	}
	x := RawHeader{Name: "PaxHeaders/" + h.Name, Typeflag: tar.TypeXHeader, Size: fmt.Sprintf("%011o", rec.Len())}
	out := append(x.Block(), pad(rec.Bytes())...)
	out = append(out, h.Block()...)
	return append(out, pad(data)...)
}

func pad(b []byte) []byte {
	out := append([]byte{}, b...)
	if r := len(b) % 512; r != 0 {
		out = append(out, make([]byte, 512-r)...)
	}
	return out
}

// EndOfArchive is the two zero blocks that end a tar archive.
func EndOfArchive() []byte { return make([]byte, 1024) }

// SparseHoles is a layer tar holding one GNU sparse file (PAX format 0.1) of logical bytes
// that stores one byte, at its very end: every other byte is a hole.
func SparseHoles(name string, logical int64) []byte {
	h := RawHeader{Name: "sparse-" + name, Size: fmt.Sprintf("%011o", 1)}
	out := PAXMember(h, [][2]string{
		{"GNU.sparse.map", fmt.Sprintf("%d,1", logical-1)},
		{"GNU.sparse.name", name},
		{"GNU.sparse.numblocks", "1"},
		{"GNU.sparse.size", strconv.FormatInt(logical, 10)},
	}, []byte("x"))
	return append(out, EndOfArchive()...)
}

// RepeatedLayer is one layer of files entries listed times times by one image (class 4).
func RepeatedLayer(files, times int) RawArchive {
	var entries []Entry
	for i := 0; i < files; i++ {
		entries = append(entries, File(fmt.Sprintf("d%d/f%d", i/100, i), "x"))
	}
	idx := make([]int, times)
	return RawArchive{Layers: []RawLayer{NewRawLayer(entries)}, Images: [][]int{idx}}
}

// SharedConfig is images manifest entries naming one config of about cfgBytes bytes (class 5).
func SharedConfig(images, cfgBytes int) RawArchive {
	idx := make([][]int, images)
	for i := range idx {
		idx[i] = []int{0}
	}
	return RawArchive{Layers: []RawLayer{NewRawLayer([]Entry{File("f", "x")})}, Images: idx, ConfigPad: cfgBytes}
}

// SHA256 is the raw sha256 of b.
func SHA256(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}
