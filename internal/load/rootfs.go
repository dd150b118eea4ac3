package load

import (
	"github.com/strata-dev/strata/internal/image"
)

// resolveRootfs reads a root filesystem tarball (docker export, podman export, any tar of a
// filesystem) as an image of one layer and no config: the model every other input ends in,
// so every command works on it.
func resolveRootfs(st store, src image.Source, opts Options) (*image.Image, error) {
	src.Format = image.FormatRootfs
	b, open, ra, err := st.rootfs(parseOpts{lim: opts.Limits, hash: opts.Verify || opts.RootfsDigest})
	if err != nil {
		return nil, err
	}
	img := &image.Image{Source: src, Layers: []*image.Layer{{
		Compression: CompressionNone,
		TarSize:     b.storedSize,
		Entries:     b.entries,
		Open:        open,
		ReaderAt:    ra,
		Kept:        b.kept,
	}}}
	if l := img.Layers[0]; b.tarDigest != "" {
		// What docker import / podman import record: the sha256 of the tar as given. The
		// layer is the tar itself, so that is its digest too; with --verify every entry
		// was read through and the digest computed from every byte.
		l.DiffID, l.Digest, l.Verified = b.tarDigest, b.tarDigest, opts.Verify
	}
	return img, nil
}
