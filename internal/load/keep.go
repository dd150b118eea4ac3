package load

import "github.com/strata-dev/strata/internal/image"

// Bounds on what Options.Keep holds in memory.
const (
	keepMaxFile  = 64 << 20  // one file
	keepMaxTotal = 256 << 20 // all kept files of an input
)

// keeper decides which regular files' content a streamed input keeps as it passes
// (Options.Keep): the named paths, in every layer, within keepMaxFile and keepMaxTotal. A
// file not kept stays unavailable, and a content read of it says so.
type keeper struct {
	paths map[string]bool
	match func(*image.Entry) bool // Options.KeepMatch
	left  int64
}

func newKeeper(paths []string, match func(*image.Entry) bool) *keeper {
	if len(paths) == 0 && match == nil {
		return nil
	}
	k := &keeper{paths: map[string]bool{}, match: match, left: keepMaxTotal}
	for _, p := range paths {
		k.paths[p] = true
	}
	return k
}

// wants reports whether e's content is to be kept, and counts it against the budget.
func (k *keeper) wants(e *image.Entry) bool {
	if k == nil || e.Type != image.TypeFile || e.Sparse || !(k.paths[e.Path] || k.match != nil && k.match(e)) || e.Size > keepMaxFile || e.Size > k.left {
		return false
	}
	k.left -= e.Size
	return true
}
