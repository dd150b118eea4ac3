package load

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/internal/image"
)

// layerCache keeps, per layer blob digest, the entry index strata read from it, so that a
// later read of an image sharing that layer fetches only its new layers. A cache file is
// written atomically (a temporary file renamed into place) and holds its own sha256: a
// file that is short, altered or of another version is ignored and rewritten, never trusted.
// It holds metadata only (tar headers), never file content.
type layerCache struct {
	dir string
}

const layerCacheMagic = "strata layer index v1\n"

// path is where the index of blob hex lives.
func (c *layerCache) path(hex string) string {
	return filepath.Join(c.dir, "layers", "sha256", hex)
}

// get returns the cached blob hex, or nil when there is none or it cannot be trusted.
//
// alg is the file-digest algorithm the caller needs every regular file's digest in ("" for
// none): an index made with another algorithm (or none) is a miss.
func (c *layerCache) get(hex, alg string, lim Limits) *blob {
	if c == nil {
		return nil
	}
	raw, err := os.ReadFile(c.path(hex))
	if err != nil {
		return nil
	}
	b, got, err := decodeLayerIndex(raw, hex, lim)
	if err != nil {
		os.Remove(c.path(hex)) // corrupt: rewritten after the blob is read again
		return nil
	}
	if alg != "" && got != alg {
		return nil
	}
	return b
}

// put stores b as the index of blob hex. Failing to write is not an error of the input:
// the cache is an optimisation, and the answer does not depend on it.
// alg names the algorithm of the file digests b's entries carry ("" for none).
func (c *layerCache) put(hex, alg string, b *blob) {
	if c == nil || b.err != nil {
		return
	}
	p := c.path(hex)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+hex[:12]+"-*")
	if err != nil {
		return
	}
	_, werr := f.Write(encodeLayerIndex(hex, alg, b))
	if cerr := f.Close(); werr != nil || cerr != nil {
		os.Remove(f.Name())
		return
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
	}
}

// The file: magic, then fields as length-prefixed byte strings and varints, then the
// sha256 of everything before it.
func encodeLayerIndex(hex, alg string, b *blob) []byte {
	var w bytes.Buffer
	w.WriteString(layerCacheMagic)
	str := func(s string) {
		w.Write(binary.AppendUvarint(nil, uint64(len(s))))
		w.WriteString(s)
	}
	num := func(n int64) { w.Write(binary.AppendVarint(nil, n)) }
	str(hex)
	str(b.compression)
	num(b.storedSize)
	flag := int64(0)
	if b.noEnd {
		flag = 1
	}
	num(flag)
	str(alg)
	num(int64(len(b.entries)))
	for i := range b.entries {
		e := &b.entries[i]
		str(e.Path)
		num(e.Size)
		num(e.Offset)
		num(e.MTime)
		num(int64(e.UID))
		num(int64(e.GID))
		num(int64(e.Mode))
		num(int64(e.Type))
		num(int64(e.Whiteout))
		var bits int64
		if e.Escapes {
			bits |= 1
		}
		if e.Sparse {
			bits |= 2
		}
		num(bits)
		str(e.Link())
		str(e.Caps())
		major, minor := e.Device()
		num(int64(major))
		num(int64(minor))
		str(e.Digest())
	}
	sum := sha256.Sum256(w.Bytes())
	w.Write(sum[:])
	return w.Bytes()
}

var errBadCache = errors.New("bad layer index")

func decodeLayerIndex(raw []byte, hex string, lim Limits) (*blob, string, error) {
	if len(raw) < len(layerCacheMagic)+sha256.Size || string(raw[:len(layerCacheMagic)]) != layerCacheMagic {
		return nil, "", errBadCache
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, "", errBadCache
	}
	r := bytes.NewReader(body[len(layerCacheMagic):])
	var bad error
	num := func() int64 {
		n, err := binary.ReadVarint(r)
		if err != nil && bad == nil {
			bad = errBadCache
		}
		return n
	}
	str := func() string {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			bad = errBadCache
			return ""
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			bad = errBadCache
		}
		return string(buf)
	}
	if str() != hex {
		return nil, "", errBadCache
	}
	b := &blob{compression: str(), storedSize: num(), noEnd: num() == 1}
	alg := str()
	n := num()
	if bad != nil || n < 0 || (lim.MaxEntries > 0 && n > int64(lim.MaxEntries)) {
		return nil, "", errBadCache
	}
	b.entries = make([]image.Entry, 0, min(n, 1<<16))
	for i := int64(0); i < n && bad == nil; i++ {
		e := image.Entry{Path: str(), Size: num(), Offset: num(), MTime: num()}
		e.UID, e.GID = int(num()), int(num())
		e.Mode = uint32(num())
		e.Type = image.Type(num())
		e.Whiteout = image.Whiteout(num())
		bits := num()
		e.Escapes, e.Sparse = bits&1 != 0, bits&2 != 0
		if s := str(); s != "" {
			e.SetLink(s)
		}
		if s := str(); s != "" {
			e.SetCaps(s)
		}
		if major, minor := num(), num(); major != 0 || minor != 0 {
			e.SetDevice(uint32(major), uint32(minor))
		}
		if s := str(); s != "" {
			e.SetDigest(s)
		}
		b.entries = append(b.entries, e)
	}
	if bad != nil {
		return nil, "", bad
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, "", fmt.Errorf("%w: trailing bytes", errBadCache)
	}
	return b, alg, nil
}
