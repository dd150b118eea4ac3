package load

// Limits bound the work and memory an input can demand. The zero value of a field means
// "no limit"; DefaultLimits are generous enough for real images.
type Limits struct {
	MaxEntries   int // tar entries in one layer, and members of the archive
	MaxPathLen   int // bytes in one entry path
	MaxPathDepth int // components in one entry path
	// MaxPathBytes bounds the bytes of the paths a layer's entries and the directories they
	// imply add up to (see pathBytes), per layer and over an image's layers.
	MaxPathBytes    int64
	MaxJSON         int64 // bytes of one manifest, index or config document
	MaxUncompressed int64 // bytes all compressed streams of one input may inflate to, together
	MaxRatio        int64 // inflated:compressed ratio of the input, enforced once past RatioFloor bytes
	RatioFloor      int64
	MaxLinkHops     int   // symlink/hardlink hops between archive members
	MaxLayers       int   // layers one image lists (a repeated layer counts each time)
	MaxImageEntries int   // entries of all the layers one image lists, together
	MaxImages       int   // images one manifest.json lists
	MaxSparse       int64 // logical bytes of sparse files whose content is read (holes included)
	MaxCacheIndex   int64 // bytes of one --cache layer index file (a larger one is not used)
	// The YAML documents `check` reads (rules, .dive-ci, container-structure-test files,
	// --rule values) are not load's; their bounds are here so that --limit sets every bound.
	MaxYAMLDepth int // nesting of mappings and sequences (check.Limits.MaxDepth)
	MaxYAMLNodes int // tokens, aliases expanded (check.Limits.MaxNodes)
}

// DefaultLimits allow a million files per layer and multi-GB layers. Docker's engine itself
// refuses images of more than 125 layers.
var DefaultLimits = Limits{
	MaxEntries:      1_000_000,
	MaxPathLen:      64 << 10,
	MaxPathDepth:    8192,
	MaxPathBytes:    256 << 20,
	MaxJSON:         64 << 20,
	MaxUncompressed: 1 << 40,
	MaxRatio:        2000,
	RatioFloor:      64 << 20,
	MaxLinkHops:     40,
	MaxLayers:       256,
	MaxImageEntries: 4_000_000,
	MaxImages:       4096,
	MaxSparse:       16 << 30,
	MaxCacheIndex:   512 << 20,
	MaxYAMLDepth:    64,
	MaxYAMLNodes:    100_000,
}

func (l Limits) checkInflate(alg string, in, out int64) error {
	var err error
	if l.MaxUncompressed > 0 && out > l.MaxUncompressed {
		err = limitErr("uncompressed", l.MaxUncompressed, "%s stream inflates past %d bytes", alg, l.MaxUncompressed)
	} else if l.MaxRatio > 0 && out > l.RatioFloor && in > 0 && out/in > l.MaxRatio {
		err = limitErr("ratio", l.MaxRatio, "%s stream inflates %d:1 (a decompression bomb?)", alg, out/in)
	}
	if le, ok := err.(*limitError); ok {
		le.at = out
	}
	return err
}

func (l Limits) checkImages(n int) error {
	if l.MaxImages > 0 && n > l.MaxImages {
		return limitErr("images", int64(l.MaxImages), "lists %d images or manifests, more than %d", n, l.MaxImages)
	}
	return nil
}

func (l Limits) checkLayers(n int) error {
	if l.MaxLayers > 0 && n > l.MaxLayers {
		return limitErr("layers", int64(l.MaxLayers), "the image lists %d layers, more than %d", n, l.MaxLayers)
	}
	return nil
}

// checkImageEntries bounds the entries of all the layers an image lists (a layer listed
// twice counts twice: it is merged twice).
// checkImageBounds holds an image's layers together (blobs and their members, one per layer
// listed: a layer listed twice counts twice) to image-entries and path-bytes.
func checkImageBounds(blobs []*blob, members []string, lim Limits) error {
	if err := lim.checkImageEntries(blobs); err != nil {
		return err
	}
	return checkPathBytes(blobs, members, lim)
}

func (l Limits) checkImageEntries(blobs []*blob) error {
	if l.MaxImageEntries <= 0 {
		return nil
	}
	n := 0
	for _, b := range blobs {
		n += len(b.entries)
	}
	if n > l.MaxImageEntries {
		return limitErr("image-entries", int64(l.MaxImageEntries), "the image's layers hold %d entries together, more than %d", n, l.MaxImageEntries)
	}
	return nil
}
