// Package load reads every supported image input — docker save archives (legacy and
// Docker 25+), OCI archives and layouts, rootfs tarballs, whole-file compressed, or
// stdin — into one image.Image, reading tar headers only.
package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/image"
)

// Options select an image and bound the work.
type Options struct {
	Image    string   // --image: tag, image-ID or manifest-digest prefix, for archives holding several images
	Platform Platform // --platform, for multi-platform indexes
	Verify   bool     // hash every layer and check it against the digests the archive claims
	// HashFiles names a digest algorithm (see content.Algorithms) to compute every regular
	// file's digest with while reading streamed input (stdin, a compressed file), which cannot
	// be read again; seekable inputs are read on demand instead. "" computes none.
	HashFiles string
	// Keep names absolute paths whose regular-file content a streamed input keeps in memory
	// as it passes, in every layer (Layer.Kept), so content rules can read them (at most 64
	// MiB a file, 256 MiB in all); seekable inputs are read on demand instead.
	Keep []string
	// KeepMatch, when set, also keeps (within the same bounds) each regular file it
	// accepts: the files a reader finds by name rather than by path (package databases).
	KeepMatch func(*image.Entry) bool
	// RootfsDigest computes a root filesystem tarball's diff_id (the sha256 of the tar, what
	// docker import records): a read of every byte, so only when asked (always with Verify).
	RootfsDigest bool
	Limits       Limits
	// Progress, when set, counts the input bytes read and names the member being read.
	Progress *Progress
	Remote   RemoteOptions // registry input: transport, credentials, retries
	// Layers says which layer blobs are read; the zero value reads them all.
	Layers LayerReading
	// Container picks a container of an engine's data root (ID, unique ID prefix or name):
	// the image is then the container's (its image, the init layer, the writable layer).
	Container string
	// Warn, when set, is told what a reader read in a way the user should know of but that
	// does not stop reading (an engine database locked by a running daemon, read from a copy;
	// a --cache entry that is not used); nil drops it.
	Warn func(msg string)

	collect          *[]candidate // List: every selectable candidate, instead of choosing one
	collectArtifacts *[]*Artifact // List: what indexes list that is not an image
	configs          *configCache // each distinct config parsed once (set by resolve)
}

// LayerReading says which layer blobs the loader reads.
type LayerReading uint8

const (
	// ReadLayers reads every layer's tar headers (the default).
	ReadLayers LayerReading = iota
	// SkipLayers reads no layer blob: every layer of an image is Unread, known only by its
	// descriptor (diff_id, digest, media type, stored size). A registry image costs its
	// manifest and config requests only. A root filesystem tarball is still read (it has
	// no descriptor: the tarball is the layer).
	SkipLayers
	// SkipRemoteLayers reads no layer blob of a registry image, except from the --cache
	// index when it holds the layer (then the layer is read, and exact); a local input's
	// layers are read as with ReadLayers (headers are cheap there).
	SkipRemoteLayers
)

// Stdin is the argument that names standard input.
const Stdin = "-"

// Open reads the image that arg names: a file, an OCI layout directory, or Stdin (read
// from stdin, once). The returned image's Close releases the input. Errors are *Error.
func Open(ctx context.Context, arg string, stdin io.Reader, opts Options) (*image.Image, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.HashFiles != "" {
		if _, err := content.NewHash(opts.HashFiles); err != nil {
			return nil, err
		}
	}
	img, closer, err := open(ctx, arg, stdin, opts)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, locate(arg, err)
	}
	img.Closer = closer
	bound(img, opts.Limits)
	return img, nil
}

// bound gives each layer the limits its content reads keep to: those it was read under.
func bound(img *image.Image, lim Limits) {
	for _, l := range img.Layers {
		l.MaxSparse = lim.MaxSparse
	}
}

func open(ctx context.Context, arg string, stdin io.Reader, opts Options) (*image.Image, io.Closer, error) {
	src := image.Source{Path: arg, Compression: CompressionNone}
	bud := newBudget(ctx, opts.Limits)
	// stream reads r once. A compressed regular file (reopen != nil) can be read again from
	// its start for content, decompressing up to the member wanted.
	stream := func(r io.Reader, closer io.Closer, reopen func() (io.ReadCloser, error)) (*image.Image, io.Closer, error) {
		st, comp, err := openStream(bufio.NewReaderSize(opts.Progress.reader(r), 1<<20), opts, bud)
		if err != nil {
			return nil, closer, err
		}
		if ss, ok := st.(*streamStore); ok && reopen != nil {
			ss.reopen = func() (io.ReadCloser, error) { return reopenStream(reopen, comp, opts.Limits) }
		}
		src.Compression = comp
		img, err := resolve(st, src, false, opts)
		return img, closer, err
	}
	if arg == Stdin {
		return stream(stdin, nil, nil)
	}
	if strings.HasPrefix(arg, RegistryScheme) {
		return resolveRemote(arg, opts, bud)
	}
	fi, err := os.Stat(arg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && looksLikeReference(arg) {
			img, closer, rerr := resolveRemote(arg, opts, bud)
			if rerr != nil {
				return nil, closer, notFileNorImage(arg, rerr)
			}
			return img, closer, nil
		}
		return nil, nil, err
	}
	streamed := opts
	opts.HashFiles = "" // seekable inputs are read again on demand
	opts.Keep = nil
	opts.KeepMatch = nil
	if fi.IsDir() {
		if r, format, err := detectRoot(ctx, arg, opts); err != nil || r != nil {
			if err != nil {
				return nil, nil, err
			}
			img, err := openDataRoot(r, format, arg, opts)
			return img, rootCloser{r}, err
		}
		if opts.Container != "" {
			return nil, nil, notARoot(arg)
		}
		st, err := openDirStore(arg, opts.Limits, bud)
		if err != nil {
			return nil, nil, err
		}
		if _, _, err := st.stat("index.json"); err != nil && !errors.Is(err, ErrMissing) {
			return nil, st, memberErr("index.json", err) // there, but a link out, a FIFO, …
		}
		img, err := resolve(st, src, true, opts)
		return img, st, err
	}
	if opts.Container != "" {
		return nil, nil, notARoot(arg)
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, err
	}
	opts.Progress.setTotal(fi.Size())
	if !fi.Mode().IsRegular() {
		// A pipe, FIFO or device (/dev/stdin, <(…)): read once, as a stream.
		opts = streamed
		return stream(f, f, nil)
	}
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, f, err
	}
	head = head[:n]
	if comp := sniffCompression(head); comp != CompressionNone {
		opts = streamed
		return stream(f, f, func() (io.ReadCloser, error) { return os.Open(arg) })
	}
	if err := checkTar(head); err != nil {
		return nil, f, err
	}
	st, err := indexTar(opts.Progress.readerAt(f), fi.Size(), opts.Limits, bud)
	if err != nil {
		return nil, f, err
	}
	opts.Progress.locateIn(st)
	img, err := resolve(st, src, false, opts)
	return img, f, err
}

// reopenStream opens a compressed file again and returns its decompressed tar stream.
func reopenStream(open func() (io.ReadCloser, error), comp string, lim Limits) (io.ReadCloser, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	return decompressOwning(bufio.NewReaderSize(f, 1<<20), f, comp, lim)
}

// maxTrailer is how much a stream may go on after its end-of-archive marker: the padding
// of a tar record (10 KiB by default, 1 MiB at `tar -b 2048`) and a compression trailer.
const maxTrailer = 1 << 20

// openStream sniffs a stream's compression and reads the (decompressed) tar once.
func openStream(br *bufio.Reader, opts Options, bud *budget) (store, string, error) {
	head, _ := br.Peek(512)
	comp := sniffCompression(head)
	var r io.Reader = br
	if comp != CompressionNone {
		dr, err := decompress(br, comp, opts.Limits, bud)
		if err != nil {
			return nil, comp, err
		}
		defer dr.Close()
		inner := bufio.NewReaderSize(dr, 1<<20)
		head, _ = inner.Peek(512)
		r = inner
		if len(head) == 0 {
			if _, err := inner.ReadByte(); err != nil && err != io.EOF {
				return nil, comp, classify(err)
			}
		}
	}
	if err := checkTar(head); err != nil {
		if comp != CompressionNone {
			return nil, comp, fmt.Errorf("%w: %s-compressed data that is not a tar archive", ErrUnknownFormat, comp)
		}
		return nil, comp, err
	}
	// The (decompressed) tar is hashed as it passes: if it is a root filesystem, that is its
	// diff_id, as docker import and podman import record it. An archive whose first member
	// belongs to an image archive is not hashed (it would cost a sha256 of every byte).
	var tarHash hash.Hash
	if (opts.Verify || opts.RootfsDigest) && !imageArchiveHead(head) {
		tarHash = sha256.New()
		r = io.TeeReader(r, tarHash)
	}
	st, err := indexStream(r, parseOpts{lim: opts.Limits, hash: opts.Verify, hashFiles: opts.HashFiles, keep: newKeeper(opts.Keep, opts.KeepMatch), budget: bud, progress: opts.Progress})
	if err != nil {
		return nil, comp, err
	}
	// After the end-of-archive marker, read on to the end of a compressed stream (its
	// checksum is checked there, and a stream that goes wrong after the marker is still a
	// bad input), but only so far: an archive followed by endless data (`cat a.tar
	// /dev/zero`) is not read for ever. Uncompressed, what follows is ignored, as it is in
	// a file; compressed, it must end within maxTrailer.
	n, err := io.Copy(io.Discard, io.LimitReader(r, maxTrailer+1))
	switch {
	case err != nil:
		return nil, comp, classify(err)
	case n > maxTrailer && comp != CompressionNone:
		return nil, comp, fmt.Errorf("%w: the %s stream goes on for more than %d bytes after the tar archive's end-of-archive marker", ErrCorrupt, comp, maxTrailer)
	}
	if tarHash != nil && st.root != nil && st.root.err == nil && n <= maxTrailer { // a digest of the whole stream
		st.root.tarDigest = "sha256:" + hex.EncodeToString(tarHash.Sum(nil))
	}
	return st, comp, nil
}

// checkTar explains why head is not the start of a tar archive, or returns nil.
func checkTar(head []byte) error {
	switch {
	case len(head) == 0:
		return fmt.Errorf("%w: empty input", ErrUnknownFormat)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return fmt.Errorf("%w: a zip archive, not a tar archive", ErrUnknownFormat)
	case len(head) < 512:
		if len(head) >= 262 && string(head[257:262]) == "ustar" {
			return fmt.Errorf("%w: tar archive ends inside its first header", ErrTruncated)
		}
		return fmt.Errorf("%w: not a tar archive (nor gzip, zstd, xz or bzip2)", ErrUnknownFormat)
	case !isTarHeader(head):
		return fmt.Errorf("%w: not a tar archive (nor gzip, zstd, xz or bzip2)", ErrUnknownFormat)
	}
	return nil
}

// locate turns any error into an *Error naming the input, member and entry at fault.
func locate(arg string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	e = &Error{File: arg, Err: err}
	if arg == Stdin {
		e.File = "<stdin>"
	}
	var h *hinted
	if errors.As(err, &h) {
		e.Hint = h.hint
	}
	var le *limitError
	if errors.As(err, &le) {
		e.Hint = fmt.Sprintf("if the input is trusted, raise the limit with --limit %s=N (it is %d)", le.key, le.max)
	}
	var me *memberError
	if errors.As(err, &me) {
		e.Member = me.name
	}
	var ee *entryError
	if errors.As(err, &ee) {
		e.Entry = ee.name
	}
	if errors.Is(err, os.ErrNotExist) {
		e.Err = fmt.Errorf("%w: no such file or directory", ErrMissing)
	}
	return e
}
