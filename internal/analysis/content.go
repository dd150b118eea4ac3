package analysis

import (
	"errors"
	"fmt"
	"io"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Open reads the regular file at p as the image showed it after layer: symbolic links
// followed inside the image, a hardlink read through its target (fstree.Resolve). With the
// index declared, the lookup is the index's (the explorer's viewer); otherwise the merge of
// the layers up to layer (cat). Errors are a *fstree.LookupError, or say the content cannot
// be read (a streamed input).
func (a *Image) Open(p string, layer int) (io.ReadCloser, error) {
	if a.opts.Needs&Index != 0 {
		x, err := a.Index()
		if err != nil {
			return nil, err
		}
		_, v, err := x.Lookup(p, layer, true)
		if err != nil {
			return nil, err
		}
		f, err := fstree.Content(p, layer, v.Entry, int(v.Layer), v.Target, int(v.TargetLayer))
		if err != nil {
			return nil, err
		}
		return openFile(a.img, f, p)
	}
	fs, err := a.TreeAsOf(layer)
	if err != nil {
		return nil, err
	}
	n, err := fs.Resolve(p, true)
	if err != nil {
		return nil, err
	}
	f, err := fs.Content(p, n)
	if err != nil {
		return nil, err
	}
	return openFile(a.img, f, p)
}

// openFile opens the bytes of file f of img, found at p.
func openFile(img *image.Image, f fstree.File, p string) (io.ReadCloser, error) {
	rc, err := content.Open(img.Layers[f.Layer], f.Entry)
	if errors.Is(err, content.ErrUnavailable) {
		return nil, fmt.Errorf("%s: content not available: the input was streamed (standard input or a compressed archive) and cannot be read again; decompress it to a file first", p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s in layer %d: %w", p, f.Layer, err)
	}
	return rc, nil
}
