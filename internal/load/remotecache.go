package load

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/strata-dev/strata/internal/image"
)

// layerCache keeps, per layer blob digest, the entry index strata read from it, so that a
// later read of an image sharing that layer fetches only its new layers. A cache file is
// written atomically (a temporary file renamed into place) and holds its own sha256.
// It holds metadata only (tar headers), never file content.
//
// What a reader trusts, and what it checks (README, "--cache"): an entry is opened beneath
// dir through os.Root, without following a symbolic link and without blocking; it must be a
// regular file of at most Limits.MaxCacheIndex bytes, of this version, whole (its sha256),
// name the digest it is filed under, record the stored size the manifest declares for that
// layer, and hold entries as the tar reader makes them (clean absolute paths, known types,
// within the limits). Anything else is a miss, with a warning, and the layer is fetched. The
// checksum detects damage, not forgery: whoever may write to dir may make strata list files a
// layer does not hold.
type layerCache struct {
	dir  string
	key  []byte       // STRATA_CACHE_KEY: entries are sealed with HMAC-SHA256 under it; nil: sha256
	warn func(string) // nil: warnings dropped
}

// An index starts with one of these: a plain one ends with the sha256 of what precedes it, a
// keyed one with its HMAC-SHA256 under the cache key (the same length, 32 bytes).
const (
	layerCacheMagic      = "strata layer index v1\n"
	layerCacheMagicKeyed = "strata layer index k1\n"
)

// path is where the index of blob hex lives, relative to dir.
func (c *layerCache) path(hex string) string {
	return filepath.Join("layers", "sha256", hex)
}

func (c *layerCache) warnf(format string, args ...any) {
	if c.warn != nil {
		c.warn(fmt.Sprintf(format, args...))
	}
}

// get returns the cached blob hex, or nil when there is none or it cannot be trusted.
//
// alg is the file-digest algorithm the caller needs every regular file's digest in ("" for
// none): an index made with another algorithm (or none) is a miss. size is the stored size
// the manifest declares for the blob (< 0: unknown): an index recording another is a miss.
func (c *layerCache) get(hex, alg string, size int64, lim Limits) *blob {
	if c == nil {
		return nil
	}
	root, err := os.OpenRoot(c.dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warnf("--cache %s: %v: not used", c.dir, errors.Unwrap(err))
		}
		return nil
	}
	defer root.Close()
	name := c.path(hex)
	shown := filepath.Join(c.dir, name)
	dir, err := root.Open(filepath.Dir(name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warnf("--cache: %s: %v: not used (the layer is fetched)", filepath.Join(c.dir, filepath.Dir(name)), errors.Unwrap(err))
		}
		return nil
	}
	defer dir.Close()
	f, err := openNoFollow(dir, hex)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if fi, lerr := root.Lstat(name); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			c.warnf("--cache: %s is a symbolic link, not followed: not used (the layer is fetched)", shown)
		} else {
			c.warnf("--cache: %s: %v: not used (the layer is fetched)", shown, errors.Unwrap(err))
		}
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		c.warnf("--cache: %s: %v: not used (the layer is fetched)", shown, err)
		return nil
	}
	if !fi.Mode().IsRegular() {
		c.warnf("--cache: %s is %s, not a regular file: not used (the layer is fetched)", shown, "a "+fileKind(fi.Mode()))
		return nil
	}
	if max := lim.MaxCacheIndex; max > 0 && fi.Size() > max {
		c.warnf("--cache: %s is %d bytes, more than the %d a layer index may be (--limit cache-index): not used (the layer is fetched)", shown, fi.Size(), max)
		return nil
	}
	b, got, err := readLayerIndex(bufio.NewReaderSize(f, 64<<10), fi.Size(), hex, lim, c.key)
	if err == nil && size >= 0 && b.storedSize != size {
		err = fmt.Errorf("%w: it records a blob of %d bytes, the manifest declares %d", errBadCache, b.storedSize, size)
	}
	if err != nil {
		c.warnf("--cache: %s: %v: not used (the layer is fetched, and the entry rewritten)", shown, err)
		root.Remove(name) // a regular file: rewritten once the blob is read again
		return nil
	}
	if alg != "" && got != alg {
		return nil
	}
	return b
}

// put stores b as the index of blob hex. Failing to write is not an error of the input:
// the cache is an optimisation, and the answer does not depend on it. The file is written
// beneath dir through os.Root: a link in the cache cannot send it elsewhere.
// alg names the algorithm of the file digests b's entries carry ("" for none).
func (c *layerCache) put(hex, alg string, b *blob) {
	if c == nil || b.err != nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	root, err := os.OpenRoot(c.dir)
	if err != nil {
		return
	}
	defer root.Close()
	p := c.path(hex)
	if err := root.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	tmp := filepath.Join(filepath.Dir(p), fmt.Sprintf(".tmp-%s-%d-%d", hex[:12], os.Getpid(), tmpSeq.Add(1)))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return
	}
	_, werr := f.Write(sealLayerIndex(hex, alg, b, c.key))
	if cerr := f.Close(); werr != nil || cerr != nil {
		root.Remove(tmp)
		return
	}
	if err := root.Rename(tmp, p); err != nil {
		root.Remove(tmp)
	}
}

var tmpSeq atomic.Int64

// The file: magic, then fields as length-prefixed byte strings and varints, then the
// sha256 of everything before it.
func encodeLayerIndex(hex, alg string, b *blob) []byte { return sealLayerIndex(hex, alg, b, nil) }

// sealLayerIndex encodes b, ended by the sha256 of the encoding or, with a key, its
// HMAC-SHA256 under the key.
func sealLayerIndex(hex, alg string, b *blob, key []byte) []byte {
	var w bytes.Buffer
	if key != nil {
		w.WriteString(layerCacheMagicKeyed)
	} else {
		w.WriteString(layerCacheMagic)
	}
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
	w.Write(seal(key).sum(w.Bytes()))
	return w.Bytes()
}

var errBadCache = errors.New("bad layer index")

// decodeLayerIndex decodes a whole index held in memory (see readLayerIndex).
func decodeLayerIndex(raw []byte, hex string, lim Limits) (*blob, string, error) {
	return readLayerIndex(bufio.NewReader(bytes.NewReader(raw)), int64(len(raw)), hex, lim, nil)
}

// seal is how an index's last 32 bytes are made: sha256, or HMAC-SHA256 under a key.
type seal []byte

func (k seal) new() hash.Hash {
	if k == nil {
		return sha256.New()
	}
	return hmac.New(sha256.New, k)
}

func (k seal) sum(b []byte) []byte {
	h := k.new()
	h.Write(b)
	return h.Sum(nil)
}

// readLayerIndex decodes an index of size bytes from r, streaming: memory is what the
// entries take (bounded by the limits, as a layer read from its tar), never the file. Every
// entry is checked as the tar reader would have made it. The checksum is checked at the end;
// a file that fails it is refused whole.
func readLayerIndex(br *bufio.Reader, size int64, hex string, lim Limits, key []byte) (*blob, string, error) {
	if size < int64(len(layerCacheMagic)+sha256.Size) {
		return nil, "", fmt.Errorf("%w: too short", errBadCache)
	}
	h := seal(key).new()
	body := &indexReader{r: bufio.NewReaderSize(io.TeeReader(io.LimitReader(br, size-sha256.Size), h), 64<<10)}
	magic := make([]byte, len(layerCacheMagic))
	if _, err := io.ReadFull(body, magic); err != nil {
		return nil, "", fmt.Errorf("%w: too short", errBadCache)
	}
	switch {
	case string(magic) == layerCacheMagic && key != nil:
		return nil, "", fmt.Errorf("%w: not sealed with STRATA_CACHE_KEY (written by a run without the key)", errBadCache)
	case string(magic) == layerCacheMagicKeyed && key == nil:
		return nil, "", fmt.Errorf("%w: sealed with a STRATA_CACHE_KEY this run does not have", errBadCache)
	case string(magic) != layerCacheMagic && string(magic) != layerCacheMagicKeyed:
		return nil, "", fmt.Errorf("%w: not a strata layer index of this version", errBadCache)
	}
	var bad error
	fail := func(format string, args ...any) {
		if bad == nil {
			bad = fmt.Errorf("%w: "+format, append([]any{errBadCache}, args...)...)
		}
	}
	num := func() int64 {
		n, err := binary.ReadVarint(body)
		if err != nil {
			fail("truncated")
		}
		return n
	}
	maxStr := uint64(64 << 10)
	if lim.MaxPathLen > 0 {
		maxStr = uint64(max(lim.MaxPathLen, 4096))
	}
	str := func() string {
		n, err := binary.ReadUvarint(body)
		if err != nil || n > maxStr || int64(n) > body.left(size-sha256.Size) {
			fail("truncated or oversized field")
			return ""
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			fail("truncated")
		}
		return string(buf)
	}
	if got := str(); bad == nil && got != hex {
		fail("filed under %.12s but made for %.12s", hex, got)
	}
	b := &blob{compression: str(), storedSize: num(), noEnd: num() == 1}
	switch b.compression {
	case CompressionNone, CompressionGzip, CompressionZstd, CompressionXz, CompressionBzip2:
	default:
		fail("unknown compression %q", b.compression)
	}
	if b.storedSize < 0 {
		fail("negative blob size")
	}
	alg := str()
	n := num()
	if n < 0 || (lim.MaxEntries > 0 && n > int64(lim.MaxEntries)) {
		fail("%d entries", n)
	}
	x := &entryIndex{lim: lim}
	for i := int64(0); i < n && bad == nil; i++ {
		e := image.Entry{Path: str(), Size: num(), Offset: num(), MTime: num()}
		e.UID, e.GID = int(num()), int(num())
		mode := num()
		typ, wh := num(), num()
		e.Mode, e.Type, e.Whiteout = uint32(mode), image.Type(typ), image.Whiteout(wh)
		bits := num()
		e.Escapes, e.Sparse = bits&1 != 0, bits&2 != 0
		link, caps := str(), str()
		major, minor := num(), num()
		dig := str()
		if bad != nil {
			break
		}
		if msg := checkCachedEntry(&e, mode, typ, wh, bits, link, major, minor, dig, alg, lim); msg != "" {
			fail("entry %d: %s", i, msg)
			break
		}
		if link != "" {
			e.SetLink(link)
		}
		if caps != "" {
			e.SetCaps(caps)
		}
		if major != 0 || minor != 0 {
			e.SetDevice(uint32(major), uint32(minor))
		}
		if dig != "" {
			e.SetDigest(dig)
		}
		if err := x.push(e); err != nil {
			bad = err
		}
	}
	if bad != nil {
		return nil, "", bad
	}
	if _, err := body.ReadByte(); err != io.EOF {
		return nil, "", fmt.Errorf("%w: trailing bytes", errBadCache)
	}
	sum := make([]byte, sha256.Size)
	if _, err := io.ReadFull(br, sum); err != nil || !hmac.Equal(sum, h.Sum(nil)) {
		if key != nil {
			return nil, "", fmt.Errorf("%w: its seal does not match STRATA_CACHE_KEY (damaged, edited, or sealed with another key)", errBadCache)
		}
		return nil, "", fmt.Errorf("%w: its checksum does not match (damaged, or edited)", errBadCache)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, "", fmt.Errorf("%w: trailing bytes", errBadCache)
	}
	b.entries = x.all()
	return b, alg, nil
}

// checkCachedEntry says what is wrong with an entry read from an index that the tar reader
// would never have made (entryIndex.add), or "".
func checkCachedEntry(e *image.Entry, mode, typ, wh, bits int64, link string, major, minor int64, dig, alg string, lim Limits) string {
	switch {
	case !strings.HasPrefix(e.Path, "/") || path.Clean(e.Path) != e.Path || strings.IndexByte(e.Path, 0) >= 0:
		return fmt.Sprintf("path %q is not clean and absolute", e.Path)
	case lim.MaxPathLen > 0 && len(e.Path) > lim.MaxPathLen:
		return "path longer than the path-len limit"
	case lim.MaxPathDepth > 0 && strings.Count(e.Path, "/") > lim.MaxPathDepth:
		return "path deeper than the path-depth limit"
	case mode < 0 || mode > 0o7777:
		return fmt.Sprintf("mode %o", mode)
	case typ < int64(image.TypeFile) || typ > int64(image.TypeFifo):
		return fmt.Sprintf("type %d", typ)
	case wh < int64(image.NotWhiteout) || wh > int64(image.WhiteoutOpaque):
		return fmt.Sprintf("whiteout %d", wh)
	case wh == int64(image.WhiteoutDelete) && (e.Type != image.TypeFile || e.Path == "/"),
		wh == int64(image.WhiteoutOpaque) && e.Type != image.TypeDir:
		return "a whiteout of the wrong type"
	case bits < 0 || bits > 3:
		return "unknown flags"
	case e.Size < 0 || (e.Size != 0 && (e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout)):
		return fmt.Sprintf("size %d for a %s", e.Size, e.Type)
	case e.Offset < 0:
		return "negative offset"
	case e.Path == "/" && e.Type != image.TypeDir:
		return "the root is not a directory"
	case e.Type == image.TypeHardlink && (link == "/" || !strings.HasPrefix(link, "/") || path.Clean(link) != link):
		return fmt.Sprintf("hardlink target %q is not clean and absolute", link)
	case link != "" && e.Type != image.TypeSymlink && e.Type != image.TypeHardlink:
		return "a link target on a " + e.Type.String()
	case major < 0 || minor < 0 || major > math.MaxUint32 || minor > math.MaxUint32:
		return "device numbers out of range"
	case dig != "" && (alg == "" || !strings.HasPrefix(dig, alg+":")):
		return fmt.Sprintf("a digest %.20q not of the index's algorithm %q", dig, alg)
	}
	return ""
}

// indexReader counts the bytes read through it.
type indexReader struct {
	r *bufio.Reader
	n int64
}

func (c *indexReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *indexReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// left is what remains of a body of size bytes.
func (c *indexReader) left(size int64) int64 { return size - c.n }
