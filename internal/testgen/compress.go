package testgen

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compress wraps w in a deterministic compressor: "gzip" (no name, zero mtime), "zstd"
// (single-threaded), "xz", or "none"/"" (a pass-through). Close flushes the compressor but not w.
// bzip2 is not supported (the standard library only reads it); the gensynth command pipes
// through the bzip2 program instead.
func Compress(w io.Writer, alg string) (io.WriteCloser, error) {
	switch alg {
	case "", None:
		return nopCloser{w}, nil
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.DefaultCompression)
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	case Xz:
		return xz.NewWriter(w)
	case Bzip2:
		return nil, fmt.Errorf("testgen: bzip2 writing is not supported in-process; pipe through the bzip2 program")
	}
	return nil, fmt.Errorf("testgen: unknown compression %q", alg)
}
