package diff

import (
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// merged is img as a side of a comparison: the image and its merge.
func merged(img *image.Image) Side { return Side{Image: img, FS: fstree.Merge(img.Layers)} }

// prefixes merges img's first n layers, as Container's caller does.
func prefixes(img *image.Image) func(n int) *fstree.FS {
	return func(n int) *fstree.FS { return fstree.Merge(img.Layers[:n]) }
}
