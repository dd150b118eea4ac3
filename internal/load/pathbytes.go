package load

import (
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// pathBytes bounds the bytes of the paths a layer's tree implies: each entry's path and
// every parent directory it implies (a file 8,000 directories deep implies 8,000 paths, whose
// lengths add up to 8,000 times its own). A merge or a listing can hand out each of them, so
// memory and output follow this count, not the bytes stored in the tar. Entries are counted
// in archive order: each entry's own path, and a parent once per run of entries under it
// (exact for a layer written in tree order, as every engine writes them; more for a
// shuffled one). A merge makes at most twice the counted bytes of paths (a parent made again
// after a type change is not counted; FuzzPathBytes checks the bound).
// Whiteouts are counted apart from the others, as the merge applies them first.
type pathBytes struct {
	prev, prevWhiteout string
	total              int64
}

// add counts p, an absolute cleaned path, after prev (the path counted before it) and
// returns the new total.
func (c *pathBytes) add(p string, whiteout bool) int64 {
	prev := &c.prev
	if whiteout {
		prev = &c.prevWhiteout
	}
	c.total += newPathBytes(*prev, p)
	*prev = p
	return c.total
}

// newPathBytes is the bytes of p's own path (its node is made again even if it is there: a
// duplicate replaces it) and of the parents it implies that prev did not already imply.
func newPathBytes(prev, p string) int64 {
	n := 0
	for n < len(p) && n < len(prev) && p[n] == prev[n] {
		n++
	}
	if n == len(p) && (len(prev) == n || prev[n] == '/') {
		return int64(len(p)) // p is prev, or a directory prev implied: only its own node again
	}
	// The deepest directory both share ends at the last '/' within the common bytes (a
	// component must match whole: "/ab" and "/ac" share only "/").
	shared := strings.LastIndexByte(p[:n], '/')
	if n == len(prev) && n < len(p) && p[n] == '/' {
		shared = n // prev is a parent of p
	}
	var total int64
	for i := shared + 1; i < len(p); i++ {
		if p[i] == '/' {
			total += int64(i)
		}
	}
	return total + int64(len(p))
}

// checkPathBytes applies the path-bytes limit to an image's layers together (each layer was
// held to it alone while it was read), naming the layer where the sum passes it.
func checkPathBytes(blobs []*blob, members []string, lim Limits) error {
	max := lim.MaxPathBytes
	if max <= 0 {
		return nil
	}
	var total int64
	for i, b := range blobs {
		var c pathBytes
		for j := range b.entries {
			e := &b.entries[j]
			c.add(e.Path, e.Whiteout != image.NotWhiteout)
		}
		if total += c.total; total > max {
			return memberErr(memberName(members[i]), limitErr("path-bytes", max, "the image's paths and the parent directories they imply exceed %d bytes", max))
		}
	}
	return nil
}
