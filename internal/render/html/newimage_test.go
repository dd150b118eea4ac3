package html

import (
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/packages"
)

// NewImage is what the middle stage (analysis.Image.Browse and Packages) gives a page of an
// image the tests opened themselves: one logged merge feeding inspect, the index and the
// packages (an unreadable database is said in PackagesErr, as the report says it).
func NewImage(img *image.Image, opts inspect.Options, popts packages.Options) (*Image, error) {
	fs := fstree.MergeLogged(img.Layers)
	r, err := inspect.Of(img, fs.FS, opts)
	if err != nil {
		return nil, err
	}
	out := &Image{Inspect: r, History: history.Of(img), Index: explore.Of(img, fs)}
	if out.Packages, err = packages.Of(img, fs.FS, popts); err != nil {
		out.PackagesErr = err.Error()
	}
	return out, nil
}
