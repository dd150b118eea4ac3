package load

// Limits bound the work and memory an input can demand. The zero value of a field means
// "no limit"; DefaultLimits are generous enough for real images.
type Limits struct {
	MaxEntries      int   // tar entries in one layer
	MaxPathLen      int   // bytes in one entry path
	MaxPathDepth    int   // components in one entry path
	MaxJSON         int64 // bytes of one manifest, index or config document
	MaxUncompressed int64 // bytes one compressed stream may inflate to
	MaxRatio        int64 // inflated:compressed ratio, enforced once past RatioFloor bytes
	RatioFloor      int64
	MaxLinkHops     int // symlink/hardlink hops between archive members
}

// DefaultLimits allow millions of files and multi-GB layers.
var DefaultLimits = Limits{
	MaxEntries:      10_000_000,
	MaxPathLen:      64 << 10,
	MaxPathDepth:    8192,
	MaxJSON:         64 << 20,
	MaxUncompressed: 1 << 40,
	MaxRatio:        2000,
	RatioFloor:      1 << 30,
	MaxLinkHops:     40,
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
