package testgen

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ContentReader returns the deterministic content of e: Content when set, otherwise Size bytes
// generated from Seed (or Name). Tests use it to know what a generated file holds.
func ContentReader(e Entry) io.Reader {
	if e.Content != nil {
		return bytes.NewReader(e.Content)
	}
	seed := e.Seed
	if seed == "" {
		seed = e.Name
	}
	return newContent(seed, e.Size, e.Compressible)
}

type contentReader struct {
	c    *rand.ChaCha8
	left int64
	text bool
}

func newContent(seed string, size int64, text bool) *contentReader {
	s := sha256.Sum256([]byte("strata-testgen\x00" + seed))
	return &contentReader{c: rand.NewChaCha8(s), left: size, text: text}
}

const textAlphabet = "etaoinshrdlucmfw"

func (r *contentReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	_, _ = r.c.Read(p)
	if r.text {
		for i, b := range p {
			if b >= 0xf0 {
				p[i] = '\n'
			} else {
				p[i] = textAlphabet[b&15]
			}
		}
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// header converts an Entry to the tar header written for it.
func (e *Entry) header() (*tar.Header, error) {
	typ := e.Type
	if typ == 0 {
		typ = tar.TypeReg
	}
	mode := e.Mode
	switch {
	case mode == ModeZero:
		mode = 0
	case mode == 0:
		switch typ {
		case tar.TypeDir:
			mode = 0o755
		case tar.TypeSymlink:
			mode = 0o777
		default:
			mode = 0o644
		}
	case mode < 0:
		return nil, fmt.Errorf("testgen: entry %q: negative mode %d", e.Name, mode)
	}
	mt := e.ModTime
	if mt.IsZero() {
		mt = Epoch
	}
	h := &tar.Header{
		Typeflag: typ,
		Name:     e.Name,
		Linkname: e.Link,
		Mode:     mode,
		Uid:      e.UID,
		Gid:      e.GID,
		Uname:    e.Uname,
		Gname:    e.Gname,
		ModTime:  mt,
		Devmajor: e.Devmajor,
		Devminor: e.Devminor,
		Format:   e.Format,
	}
	if typ == tar.TypeReg {
		if e.Content != nil {
			if e.Size != 0 && e.Size != int64(len(e.Content)) {
				return nil, fmt.Errorf("testgen: entry %q: Size %d but %d bytes of Content", e.Name, e.Size, len(e.Content))
			}
			h.Size = int64(len(e.Content))
		} else {
			h.Size = e.Size
		}
	}
	if len(e.Xattrs) > 0 {
		h.PAXRecords = make(map[string]string, len(e.Xattrs))
		for k, v := range e.Xattrs {
			h.PAXRecords["SCHILY.xattr."+k] = v
		}
	}
	return h, nil
}

// WriteLayerTar writes the uncompressed layer tar of entries to w.
func WriteLayerTar(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tar.NewWriter(bw)
	buf := make([]byte, 256<<10)
	for i := range entries {
		e := &entries[i]
		h, err := e.header()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("testgen: entry %q: %w", e.Name, err)
		}
		if h.Size > 0 {
			n, err := io.CopyBuffer(tw, ContentReader(*e), buf)
			if err != nil {
				return fmt.Errorf("testgen: entry %q: %w", e.Name, err)
			}
			if n != h.Size {
				return fmt.Errorf("testgen: entry %q: wrote %d of %d bytes", e.Name, n, h.Size)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// spillAt is the size past which a spool moves from memory to a temporary file.
const spillAt = 4 << 20

// spool holds one blob: in memory while small, in a temporary file past spillAt.
type spool struct {
	dir string
	buf bytes.Buffer
	f   *os.File
	n   int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.buf.Len()+len(p) > spillAt {
		f, err := os.CreateTemp(s.dir, "testgen-blob-*")
		if err != nil {
			return 0, err
		}
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			f.Close()
			os.Remove(f.Name())
			return 0, err
		}
		s.f = f
		s.buf = bytes.Buffer{}
	}
	var n int
	var err error
	if s.f != nil {
		n, err = s.f.Write(p)
	} else {
		n, err = s.buf.Write(p)
	}
	s.n += int64(n)
	return n, err
}

func (s *spool) reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n)
	}
	return bytes.NewReader(s.buf.Bytes())
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}

// blob is one content-addressed blob ready to be copied into an archive.
type blob struct {
	Digest    v1.Hash
	Size      int64
	MediaType types.MediaType
	data      []byte // small JSON blobs
	sp        *spool // layer blobs

	// layers only
	DiffID      v1.Hash
	TarSize     int64  // bytes of the uncompressed tar
	Compression string // none, gzip, zstd
}

func (b *blob) reader() io.Reader {
	if b.sp != nil {
		return b.sp.reader()
	}
	return bytes.NewReader(b.data)
}

func sha(p []byte) v1.Hash {
	s := sha256.Sum256(p)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

func jsonBlob(mt types.MediaType, p []byte) *blob {
	return &blob{Digest: sha(p), Size: int64(len(p)), MediaType: mt, data: p}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// LayerInfo describes a generated layer blob.
type LayerInfo struct {
	DiffID      v1.Hash // sha256 of the uncompressed tar
	Digest      v1.Hash // sha256 of the blob as stored
	Size        int64   // bytes of the blob as stored
	TarSize     int64   // bytes of the uncompressed tar
	Compression string  // none, gzip or zstd
}

// WriteLayer writes the layer blob of entries, compressed with comp ("none", "gzip" or
// "zstd"), to w and returns its digests and sizes.
func WriteLayer(w io.Writer, entries []Entry, comp string) (LayerInfo, error) {
	if comp == "" {
		comp = None
	}
	dh := sha256.New()
	dc := &countWriter{}
	var zw io.WriteCloser
	stored := io.MultiWriter(w, dh, dc)
	if comp == None {
		zw = nopCloser{stored}
	} else {
		var err error
		if zw, err = Compress(stored, comp); err != nil {
			return LayerInfo{}, err
		}
	}
	uh := sha256.New()
	uc := &countWriter{}
	if err := WriteLayerTar(io.MultiWriter(zw, uh, uc), entries); err != nil {
		return LayerInfo{}, err
	}
	if err := zw.Close(); err != nil {
		return LayerInfo{}, err
	}
	return LayerInfo{DiffID: hashOf(uh), Digest: hashOf(dh), Size: dc.n, TarSize: uc.n, Compression: comp}, nil
}

// session holds the blobs of one Write call and removes their temporary files at the end.
type session struct {
	dir   string
	blobs []*blob
	// layers built so far, by the identity of their Entries slice and compression, so that an
	// image list sharing a Layer value generates it once.
	byEntries map[entriesKey]*blob
	byDigest  map[string]*blob
}

type entriesKey struct {
	first *Entry
	n     int
	comp  string
}

func newSession() *session {
	return &session{dir: os.TempDir(), byEntries: map[entriesKey]*blob{}, byDigest: map[string]*blob{}}
}

func (s *session) close() {
	for _, b := range s.blobs {
		if b.sp != nil {
			b.sp.close()
		}
	}
}

// layer generates (or reuses) the blob of l stored with compression comp.
func (s *session) layer(l *Layer, comp string) (*blob, error) {
	var key entriesKey
	if len(l.Entries) > 0 {
		key = entriesKey{&l.Entries[0], len(l.Entries), comp}
		if b, ok := s.byEntries[key]; ok {
			return b, nil
		}
	}
	sp := &spool{dir: s.dir}
	info, err := WriteLayer(sp, l.Entries, comp)
	if err != nil {
		sp.close()
		return nil, err
	}
	if b, ok := s.byDigest[info.Digest.String()]; ok {
		sp.close()
		if len(l.Entries) > 0 {
			s.byEntries[key] = b
		}
		return b, nil
	}
	b := &blob{Digest: info.Digest, Size: info.Size, DiffID: info.DiffID, TarSize: info.TarSize, Compression: info.Compression, sp: sp}
	s.blobs = append(s.blobs, b)
	s.byDigest[b.Digest.String()] = b
	if len(l.Entries) > 0 {
		s.byEntries[key] = b
	}
	return b, nil
}

// layerComp resolves a Layer.Compression against a format default.
func layerComp(c, def string) (string, error) {
	switch c {
	case "":
		return def, nil
	case None, Gzip, Zstd:
		return c, nil
	}
	return "", fmt.Errorf("testgen: unsupported layer compression %q", c)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
