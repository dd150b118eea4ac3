package load

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/image"
)

// headerOnly reports the types that carry no data, as archive/tar treats them.
func headerOnly(flag byte) bool {
	switch flag {
	case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
		return true
	}
	return false
}

// scanOuter reads every header of a tar stream once and indexes them as filesystem
// entries. For an outer archive, each member is also passed to visit (when not nil) with the
// offset of its data, and an entry that does not index is kept in the blob's err rather
// than failing the scan: the archive may be an image archive, not a root filesystem.
// An outer archive that ends without the end-of-archive marker is reported truncated
// rather than taken as complete; a layer (visit nil) that ends so after a complete entry
// is returned with noEnd set, for the caller to judge. tr must read through pos.
//
// With a hashFiles algorithm, the content of every regular file is hashed as it passes (entries get a
// Digest); visit then receives the body through the hasher and need not read it all.
//
// With a keeper, the content of the regular files it wants is kept in the blob's kept, by
// offset; visit then receives the kept bytes as the body.
func scanOuter(tr *tarScan, lim Limits, hashFiles string, keep *keeper, visit func(hdr *tar.Header, m *member, body io.Reader) error) (*blob, error) {
	root := entryIndex{lim: lim}
	var kept map[int64][]byte
	var rootErr error
	var last string // the member being read when the stream fails
	var noEnd bool  // a layer that ends after a complete entry, without the marker
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if !tr.zeros {
				if visit == nil {
					// A layer: its last entry is complete (archive/tar read all its data);
					// whether the stream itself ended cleanly is for the caller to say.
					noEnd = true
					break
				}
				return nil, fmt.Errorf("%w: archive ends without its end-of-archive marker", ErrTruncated)
			}
			break
		}
		if err != nil {
			var he *headerError
			errors.As(err, &he)
			err = classify(err)
			if he != nil && last != "" {
				// A header that cannot be read belongs to no member yet: say where it is.
				err = fmt.Errorf("%w (after %s)", err, escape.String(last))
			}
			at := last
			switch {
			case at == "" || he != nil:
				return nil, err
			case visit != nil:
				return nil, memberErr(memberName(at), err)
			}
			return nil, &entryError{name: at, err: err}
		}
		last = hdr.Name
		if lim.MaxEntries > 0 && n >= lim.MaxEntries {
			return nil, limitErr("entries", int64(lim.MaxEntries), "more than %d archive members", lim.MaxEntries)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		added := root.count
		if rootErr == nil {
			rootErr = root.add(hdr, tr.Offset())
			if rootErr != nil {
				rootErr = entryErr(hdr, rootErr)
			}
		}
		var body io.Reader = tr
		var h hash.Hash
		var hashed *image.Entry
		if hashFiles != "" && rootErr == nil && root.count > added && root.last().Type == image.TypeFile {
			hashed = root.last()
			h, _ = content.NewHash(hashFiles) // checked by Open
			body = io.TeeReader(tr, h)
		}
		if keep != nil && rootErr == nil && root.count > added && keep.wants(root.last()) {
			e := root.last()
			buf := make([]byte, e.Size)
			if _, err := io.ReadFull(body, buf); err != nil {
				return nil, entryErr(hdr, classify(err))
			}
			if kept == nil {
				kept = map[int64][]byte{}
			}
			kept[e.Offset] = buf
			body = bytes.NewReader(buf)
		}
		name := memberName(hdr.Name)
		m := &member{name: name, typeflag: hdr.Typeflag, off: tr.Offset(), size: hdr.Size}
		switch {
		case hdr.Typeflag == tar.TypeSymlink || hdr.Typeflag == tar.TypeLink:
			m.link = linkTarget(name, hdr.Typeflag, hdr.Linkname)
			m.size = 0
		case isSparse(hdr):
			// hdr.Size is the logical size; the scanner checks the map against the stored
			// bytes as it skips them, without reading a hole.
			m.sparse = true
		case headerOnly(hdr.Typeflag):
			m.size = 0
		}
		if visit != nil {
			if err := visit(hdr, m, body); err != nil {
				return nil, err
			}
		}
		if h != nil {
			if m.sparse && lim.MaxSparse > 0 && hdr.Size > lim.MaxSparse {
				return nil, entryErr(hdr, limitErr("sparse", lim.MaxSparse, "sparse file of %d bytes (holes included) to hash, more than %d", hdr.Size, lim.MaxSparse))
			}
			if _, err := io.Copy(io.Discard, body); err != nil {
				return nil, entryErr(hdr, classify(err))
			}
		}
		if h != nil {
			hashed.SetDigest(content.Format(hashFiles, h))
		}
	}
	if rootErr != nil {
		return &blob{err: rootErr}, nil
	}
	return &blob{compression: CompressionNone, entries: root.all(), storedSize: tr.Offset(), noEnd: noEnd, kept: kept}, nil
}
