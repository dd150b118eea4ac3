package html

import (
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// NewImage is what the middle stage (analysis.Image.Browse) gives a page of an image the
// tests opened themselves: one logged merge feeding inspect and the index.
func NewImage(img *image.Image, opts inspect.Options) (*Image, error) {
	fs := fstree.MergeLogged(img.Layers)
	r, err := inspect.Of(img, fs.FS, opts)
	if err != nil {
		return nil, err
	}
	return &Image{Inspect: r, History: history.Of(img), Index: explore.Of(img, fs)}, nil
}
