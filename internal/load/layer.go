package load

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// blob is what strata learned from one layer blob.
type blob struct {
	compression string
	entries     []image.Entry
	storedSize  int64
	// Set only when hashing was asked for: sha256 of the stored bytes and of the tar.
	storedDigest string
	tarDigest    string
	err          error // why the blob cannot be used, when it was read only in passing
	// noEnd: the tar ends after a complete entry but without the end-of-archive blocks
	// (umoci insert writes such layers). Set only for uncompressed blobs: a compressed
	// one is accepted when its compressed stream ends with a valid trailer.
	noEnd bool
	kept  map[int64][]byte // content kept while streaming (parseOpts.keep), by entry offset
}

// parseOpts say how much of a blob to read.
type parseOpts struct {
	lim       Limits
	hash      bool    // read every byte and compute both digests
	hashFiles string  // digest algorithm for every regular file's content (streamed input, read once)
	keep      *keeper // regular files whose content a streamed input keeps (Options.Keep)
	budget    *budget
	progress  *Progress
}

// parseBlob indexes the tar headers of a layer blob of storedSize bytes. When r is an
// io.ReadSeeker, the blob is uncompressed and no hashing is asked for, file bodies are
// skipped by seeking, so the cost follows the headers, not the bytes.
func parseBlob(r io.Reader, storedSize int64, opts parseOpts) (*blob, error) {
	head, r, err := peek(r, 16)
	if err != nil {
		return nil, err
	}
	b, err := parseSniffed(r, head, storedSize, opts)
	if err != nil {
		return nil, &blobError{compression: sniffCompression(head), head: head, err: err}
	}
	return b, nil
}

// blobError is a layer blob that could not be read, with what its first bytes are: the
// caller knows what the manifest declared it to be.
type blobError struct {
	compression string // sniffed
	head        []byte // up to 16 first bytes
	err         error
}

func (e *blobError) Error() string { return e.err.Error() }
func (e *blobError) Unwrap() error { return e.err }

// parseSniffed is parseBlob once the first bytes (head) are known.
func parseSniffed(r io.Reader, head []byte, storedSize int64, opts parseOpts) (*blob, error) {
	var storedHash, tarHash hash.Hash
	b := &blob{compression: sniffCompression(head), storedSize: storedSize}
	if opts.hash {
		storedHash = sha256.New()
		r = io.TeeReader(r, storedHash)
	}
	ops.blobs.Add(1)
	dr, err := decompress(r, b.compression, opts.lim, opts.budget)
	if err != nil {
		return nil, err
	}
	defer dr.Close()
	src := io.Reader(dr)
	if b.compression == CompressionNone && !opts.hash {
		src = r // keep the seeker, if any
	}
	if opts.hash {
		tarHash = sha256.New()
		src = io.TeeReader(src, tarHash)
	}
	entries, kept, pos, noEnd, err := readTar(src, opts.lim, opts.hashFiles, opts.keep)
	if err != nil {
		return nil, err
	}
	// Without the end-of-archive blocks, a compressed layer ends cleanly when its
	// decompressor reaches a valid trailer (checked below: the rest is read through it);
	// an uncompressed one only when its declared size says so (addLayers checks).
	b.noEnd = noEnd && b.compression == CompressionNone
	if b.compression != CompressionNone && !opts.hash {
		// The decompressor checks its checksum at the end of the stream.
		if _, err := io.Copy(io.Discard, dr); err != nil {
			return nil, classify(err)
		}
	}
	if opts.hash {
		// The digests cover the whole stream, padding after the trailer included.
		if _, err := io.Copy(io.Discard, pos); err != nil {
			return nil, classify(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, classify(err)
		}
		b.storedDigest = "sha256:" + hex.EncodeToString(storedHash.Sum(nil))
		b.tarDigest = "sha256:" + hex.EncodeToString(tarHash.Sum(nil))
	}
	b.entries, b.kept = entries, kept
	return b, nil
}

// readTar indexes the entries of the tar stream r and returns r as read so far, and whether
// it ended without the end-of-archive blocks. An uncompressed member of a seekable file is
// read at random, bodies skipped.
func readTar(r io.Reader, lim Limits, hashFiles string, keep *keeper) ([]image.Entry, map[int64][]byte, io.Reader, bool, error) {
	b, err := scanOuter(newTarScan(r), lim, hashFiles, keep, nil)
	if err != nil {
		return nil, nil, nil, false, err
	}
	if b.err != nil {
		return nil, nil, nil, false, b.err
	}
	return b.entries, b.kept, r, b.noEnd, nil
}

// entryErr names the entry an error concerns.
func entryErr(hdr *tar.Header, err error) error {
	if hdr == nil {
		return err
	}
	return &entryError{name: hdr.Name, err: err}
}

type entryError struct {
	name string
	err  error
}

func (e *entryError) Error() string { return fmt.Sprintf("entry %s: %v", clipName(e.name), e.err) }

// clipName shortens a name too long to read in a one-line error (a path can be 64 KB),
// keeping its start and end.
func clipName(name string) string {
	const head, tail = 120, 60
	if len(name) <= head+tail+32 {
		return name
	}
	return fmt.Sprintf("%s…(%d bytes)…%s", name[:head], len(name), name[len(name)-tail:])
}
func (e *entryError) Unwrap() error { return e.err }

// classify gives plain I/O and tar errors an error class.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt), errors.Is(err, ErrLimit),
		errors.Is(err, ErrMalformed), errors.Is(err, ErrUnknownFormat):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: unexpected end of data", ErrTruncated)
	case errors.Is(err, tar.ErrHeader), errors.Is(err, tar.ErrFieldTooLong), errors.Is(err, errSparseTooLong),
		errors.Is(err, errMissData), errors.Is(err, errUnrefData),
		strings.HasPrefix(err.Error(), "archive/tar: "): // also its unexported sparse-map errors
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

// peek returns the first n bytes of r (fewer at EOF) and a reader that still yields them.
// A seeker stays a seeker.
func peek(r io.Reader, n int) ([]byte, io.Reader, error) {
	buf := make([]byte, n)
	if rs, ok := r.(io.ReadSeeker); ok {
		k, err := io.ReadFull(rs, buf)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, nil, err
		}
		if _, err := rs.Seek(int64(-k), io.SeekCurrent); err != nil {
			return nil, nil, err
		}
		return buf[:k], rs, nil
	}
	k, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, nil, err
	}
	return buf[:k], io.MultiReader(bytes.NewReader(buf[:k]), r), nil
}
