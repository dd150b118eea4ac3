package load

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/therootcompany/xz"
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
	if zstdSkippable(b) {
		return CompressionZstd
	}
	return CompressionNone
}

// decompressOwning is decompress of r, a reader of c, that owns c: closing the stream closes
// c too, and c is closed at once when decompress fails.
func decompressOwning(r io.Reader, c io.Closer, alg string, lim Limits) (io.ReadCloser, error) {
	dr, err := decompress(r, alg, lim, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{dr, closers{dr, c}}, nil
}

// decompress wraps r in a decompressor for alg. The returned reader's Close releases
// decoder resources; it does not close r. Output is capped (a decompression-bomb guard) by
// the input's shared budget when bud is not nil, by lim for this stream alone otherwise;
// exceeding it reads as ErrLimit.
func decompress(r io.Reader, alg string, lim Limits, bud *budget) (io.ReadCloser, error) {
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
			return nil, decoderErr(CompressionGzip, err)
		}
		rc = zr
	case CompressionZstd:
		// The window a frame declares is allocated up front: cap it (real layers use ≤ 8 MiB;
		// --long=27 gives 128 MiB).
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(maxWindow))
		if err != nil {
			return nil, decoderErr(CompressionZstd, err)
		}
		rc = zstdCloser{zr}
	case CompressionXz:
		// The dictionary a stream declares is allocated up front: cap it (xz -9 uses 64 MiB).
		zr, err := xz.NewReader(bufio.NewReader(r), maxWindow)
		if errors.Is(err, xz.ErrMemlimit) {
			return nil, fmt.Errorf("%w: xz stream asks for a dictionary over %d MiB", ErrLimit, maxWindow>>20)
		}
		if err != nil {
			return nil, decoderErr(CompressionXz, err)
		}
		rc = io.NopCloser(zr)
	case CompressionBzip2:
		rc = io.NopCloser(bzip2.NewReader(r))
	default:
		return nil, fmt.Errorf("%w: compression %q", ErrUnknownFormat, alg)
	}
	return &corruptReader{rc: rc, alg: alg, in: in, lim: lim, bud: bud}, nil
}

// maxWindow caps the history window (zstd) or dictionary (xz) a stream may ask the decoder
// to allocate.
const maxWindow = 128 << 20

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
	bud *budget
	// bytes of in and of the output already counted in bud
	inCounted, outCounted int64
}

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	ops.inflated.Add(int64(n))
	if c.bud != nil {
		in, out := c.in.n-c.inCounted, c.n-c.outCounted
		c.inCounted, c.outCounted = c.in.n, c.n
		if err := c.bud.inflated(c.alg, in, out); err != nil {
			return n, err
		}
	} else if err := c.lim.checkInflate(c.alg, c.in.n, c.n); err != nil {
		return n, err
	}
	if err != nil && err != io.EOF {
		switch {
		case err == io.ErrUnexpectedEOF:
			return n, fmt.Errorf("%w: %s stream ends early", ErrTruncated, c.alg)
		case errors.Is(err, xz.ErrMemlimit), errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
			return n, fmt.Errorf("%w: %s stream asks for a window over %d MiB", ErrLimit, c.alg, maxWindow>>20)
		}
		return n, decoderErr(c.alg, err)
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

// decoderErr classes a decoder's error as corrupt, naming the algorithm once (decoders'
// messages often start with it already: "gzip: invalid header").
func decoderErr(alg string, err error) error {
	msg := strings.TrimPrefix(err.Error(), alg+": ")
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, alg, msg)
}

// zstdSkippable reports whether b starts with a zstd skippable frame (magic 0x184D2A50 to
// 0x184D2A5F, little-endian), which a zstd stream may begin with (pzstd, seekable zstd).
func zstdSkippable(b []byte) bool {
	return len(b) >= 4 && b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18
}
