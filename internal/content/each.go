package content

import (
	"io"

	"github.com/strata-dev/strata/internal/image"
)

// Each calls fn with the content of each regular-file ref, reading only those files: each
// layer at most once (at random where it allows, else in one pass), layers in parallel.
// fn is called for one layer's refs at a time but for several layers at once, and must
// read only what it needs (the rest is skipped). The first error (naming its layer and
// entry) is returned once every layer has ended.
func Each(refs []Ref, fn func(Ref, io.Reader) error) error {
	byLayer := map[*image.Layer][]*image.Entry{}
	seen := map[*image.Entry]bool{}
	for _, r := range refs {
		if r.Entry.Type != image.TypeFile || seen[r.Entry] {
			continue
		}
		seen[r.Entry] = true
		byLayer[r.Layer] = append(byLayer[r.Layer], r.Entry)
	}
	none := map[*image.Entry]struct{}{}
	return eachLayer(byLayer, none, func(l *image.Layer, entries []*image.Entry) (map[*image.Entry]struct{}, error) {
		return nil, eachContent(l, entries, func(e *image.Entry, r io.Reader) error {
			return fn(Ref{Layer: l, Entry: e}, r)
		})
	})
}
