package load

import "sync/atomic"

// ops counts units of work that tests bound by number rather than by time: a regression to
// super-linear work shows as a count, deterministically, on any machine.
var ops struct {
	documents atomic.Int64 // JSON documents read and parsed (readJSON)
	tagSteps  atomic.Int64 // steps of merging tags into candidates (addTag and the set it builds)
	walkSteps atomic.Int64 // candidates gathered under indexes while walking nested indexes
	blobs     atomic.Int64 // layer blobs parsed (parseBlob)
	configs   atomic.Int64 // image configs parsed (parseConfig)
	inflated  atomic.Int64 // bytes output by decompressors
	holes     atomic.Int64 // bytes of sparse holes materialised (read as zeros)
}
