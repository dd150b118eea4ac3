package load

import (
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// FuzzPathBytes checks that the path-bytes count never undercounts what a merge builds: the
// paths of every node a layer's entries create (implied parents included), whatever the
// order of the entries, deep chains, repeats and type changes included, are at most twice
// the count (exactly covered for entries in tree order).
func FuzzPathBytes(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5})
	f.Add([]byte{9, 8, 9, 8, 9, 8, 200, 201})
	f.Add([]byte{7, 7, 7, 130, 7, 130})
	comps := []string{"a", "b", "ab", "a-b", "deep"}
	f.Fuzz(func(t *testing.T, b []byte) {
		l := &image.Layer{}
		var c pathBytes
		for i := 0; i+1 < len(b); i += 2 {
			depth := 1 + int(b[i]%8)
			if b[i] >= 250 {
				depth = 300 // a deep chain
			}
			parts := make([]string, depth)
			for j := range parts {
				parts[j] = comps[(int(b[i+1])+j*int(b[i]))%len(comps)]
			}
			e := image.Entry{Path: "/" + strings.Join(parts, "/"), Type: image.TypeFile}
			if b[i+1]&0x80 != 0 {
				e.Type = image.TypeDir
			}
			c.add(e.Path, false)
			l.Entries = append(l.Entries, e)
		}
		var built int64
		for _, s := range fstree.MergeLogged([]*image.Layer{l}).Log {
			if s.Op == fstree.Created {
				built += int64(len(s.Node.Path()))
			}
		}
		if built > 2*c.total {
			t.Fatalf("the merge creates %d bytes of paths, the count says %d", built, c.total)
		}
	})
}
