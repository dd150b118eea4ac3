package load

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// skipLayers reports whether opts leave img's layer blobs unread.
func skipLayers(img *image.Image, opts Options) bool {
	switch opts.Layers {
	case SkipLayers:
		return true
	case SkipRemoteLayers:
		return img.Source.Format == image.FormatRegistry
	}
	return false
}

// cachedStore is a store that may hold a layer's entry index without reading its blob.
type cachedStore interface {
	// cached returns the blob's index from a cache, or nil.
	cached(member string, lim Limits) *blob
}

// cachedBlobs returns, for each member, its blob when the options allow a cached index and
// the store has one, else nil (the layer stays unread).
func cachedBlobs(st store, members []string, opts Options) []*blob {
	blobs := make([]*blob, len(members))
	c, ok := st.(cachedStore)
	if opts.Layers != SkipRemoteLayers || !ok {
		return blobs
	}
	for i, m := range members {
		blobs[i] = c.cached(m, opts.Limits)
	}
	return blobs
}

// readBlobs returns the blobs that were read and their members, in order.
func readBlobs(blobs []*blob, members []string) ([]*blob, []string) {
	var bs []*blob
	var ms []string
	for i, b := range blobs {
		if b != nil {
			bs = append(bs, b)
			ms = append(ms, members[i])
		}
	}
	return bs, ms
}

// unreadLayer is layer i known by its descriptor only.
func unreadLayer(st store, img *image.Image, i int, member string, desc v1.Descriptor) *image.Layer {
	l := &image.Layer{
		Index:     i,
		DiffID:    img.Config.RootFS.DiffIDs[i].String(),
		Member:    memberName(member),
		MediaType: string(desc.MediaType),
		TarSize:   desc.Size,
		URLs:      desc.URLs,
		Unread:    true,
	}
	if desc.Digest.Hex != "" {
		l.Digest = desc.Digest.String()
	}
	if l.TarSize <= 0 {
		if sz, ok := st.(interface{ memberSize(string) (int64, bool) }); ok {
			if n, ok := sz.memberSize(member); ok {
				l.TarSize = n
			}
		}
	}
	// A docker save archive names no media type: the blob's first bytes tell its
	// compression, as they do when it is read (a 6-byte read in a seekable file).
	if l.MediaType == "" {
		comp, ok := "", false
		if ra := st.readerAt(member); ra != nil {
			head := make([]byte, 6)
			n, _ := ra.ReadAt(head, 0)
			comp, ok = sniffCompression(head[:n]), true
		} else if ss, isStream := st.(*streamStore); isStream {
			comp, ok = ss.compressionOf(member)
		}
		if ok {
			l.MediaType = layerMediaType(img.Source.Format, comp)
			if l.Digest == "" && comp == CompressionNone {
				l.Digest = l.DiffID // the stored blob is the uncompressed tar
			}
		}
	}
	mt := l.MediaType
	switch {
	case strings.Contains(mt, "gzip"):
		l.Compression = CompressionGzip
	case strings.Contains(mt, "zstd"):
		l.Compression = CompressionZstd
	case strings.HasSuffix(mt, ".tar"):
		l.Compression = CompressionNone
	}
	return l
}
