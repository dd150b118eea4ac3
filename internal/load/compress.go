package load

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compression names, as reported in the JSON contract.
const (
	CompressionNone  = "none"
	CompressionGzip  = "gzip"
	CompressionZstd  = "zstd"
	CompressionXz    = "xz"
	CompressionBzip2 = "bzip2"
)

var magics = []struct {
	name  string
	magic []byte
}{
	{CompressionGzip, []byte{0x1f, 0x8b}},
	{CompressionZstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{CompressionXz, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{CompressionBzip2, []byte{'B', 'Z', 'h'}},
}

// sniffCompression names the compression whose magic starts b, or CompressionNone.
func sniffCompression(b []byte) string {
	for _, m := range magics {
		if bytes.HasPrefix(b, m.magic) {
			return m.name
		}
	}
	return CompressionNone
}

// decompress wraps r in a decompressor for alg. The returned reader's Close releases
// decoder resources; it does not close r. Output is capped by lim (a decompression-bomb
// guard); exceeding it reads as ErrLimit.
func decompress(r io.Reader, alg string, lim Limits) (io.ReadCloser, error) {
	if alg == CompressionNone {
		return io.NopCloser(r), nil
	}
	in := &countingReader{r: r}
	r = in
	var rc io.ReadCloser
	switch alg {
	case CompressionGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip header: %v", ErrCorrupt, err)
		}
		rc = zr
	case CompressionZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return nil, fmt.Errorf("%w: zstd header: %v", ErrCorrupt, err)
		}
		rc = zstdCloser{zr}
	case CompressionXz:
		zr, err := xz.NewReader(bufio.NewReader(r))
		if err != nil {
			return nil, fmt.Errorf("%w: xz header: %v", ErrCorrupt, err)
		}
		rc = io.NopCloser(zr)
	case CompressionBzip2:
		rc = io.NopCloser(bzip2.NewReader(r))
	default:
		return nil, fmt.Errorf("%w: compression %q", ErrUnknownFormat, alg)
	}
	return &corruptReader{rc: rc, alg: alg, in: in, lim: lim}, nil
}

type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }

// corruptReader marks decoder errors as ErrCorrupt (or ErrTruncated) so callers can
// class them, and enforces the decompression limits.
type corruptReader struct {
	rc  io.ReadCloser
	alg string
	in  *countingReader
	n   int64
	lim Limits
}

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	if err := c.lim.checkInflate(c.alg, c.in.n, c.n); err != nil {
		return n, err
	}
	if err != nil && err != io.EOF {
		if err == io.ErrUnexpectedEOF {
			return n, fmt.Errorf("%w: %s stream ends early", ErrTruncated, c.alg)
		}
		return n, fmt.Errorf("%w: %s: %v", ErrCorrupt, c.alg, err)
	}
	return n, err
}

func (c *corruptReader) Close() error { return c.rc.Close() }

// countingReader counts bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
