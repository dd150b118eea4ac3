package tui

import (
	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// merged is img as a side of a comparison: the image and its merge.
func merged(img *image.Image) diff.Side { return diff.Side{Image: img, FS: fstree.Merge(img.Layers)} }
