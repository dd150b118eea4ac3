package inspect

import (
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// EqualityHash is the digest inspect compares contents with (only for equality); load
// streamed input with it as load.Options.HashFiles.
const EqualityHash = "xxh64"

// MetadataOnly is the waste reason of a version overwritten by a copy with the same bytes
// and other metadata (a chmod or chown in a later layer copies the whole file).
const MetadataOnly fstree.Reason = "metadata-only"

// Waste is a shipped regular-file version the final filesystem does not show, or, when
// Files > 1, every version a deleted or opaque directory hid at once (Path is that directory).
type Waste struct {
	Path            string        `json:"path"`
	Size            int64         `json:"size"`
	Files           int           `json:"files"`
	Layer           int           `json:"layer"`
	CreatedBy       string        `json:"created_by"`
	HiddenBy        int           `json:"hidden_by"`
	HiddenCreatedBy string        `json:"hidden_by_created_by"`
	Reason          fstree.Reason `json:"reason"`
	Sensitive       bool          `json:"sensitive"`
	// Paths lists, for a row that stands for a deleted or opaque directory, every wasted file
	// below it (the rows --expand prints), in tree order; [] for a row of one file.
	Paths []string `json:"paths"`
}

// reasons classifies every hidden entry once, for both the wasted and the hidden lists:
// the merge's reason, except that a regular file overwritten by a regular file of the same
// size and the same bytes is MetadataOnly (a chmod or chown in a later layer copies the
// whole file). Contents are read only for equal-size overwrites of non-empty files.
func reasons(img *image.Image, fs *fstree.FS) (map[*image.Entry]fstree.Reason, error) {
	out := make(map[*image.Entry]fstree.Reason, len(fs.Hidden))
	var cands []fstree.Hidden
	var refs []content.Ref
	for _, h := range fs.Hidden {
		out[h.Entry] = h.Reason
		if h.Entry.Type != image.TypeFile || !metadataCandidate(h) {
			continue
		}
		if h.Entry.Size == 0 {
			out[h.Entry] = MetadataOnly // two empty files hold the same bytes
			continue
		}
		cands = append(cands, h)
		refs = append(refs, content.Ref{Layer: img.Layers[h.Layer], Entry: h.Entry}, content.Ref{Layer: img.Layers[h.By], Entry: h.Hider})
	}
	if len(refs) == 0 {
		return out, nil
	}
	// Streamed input opened for another digest (check --baseline wants sha256) carries
	// that one: equality needs no particular algorithm, only one for both sides.
	alg := EqualityHash
	if d := refs[0].Entry.Digest(); d != "" {
		alg, _, _ = strings.Cut(d, ":")
	}
	sums, err := content.Digests(refs, alg)
	if err != nil {
		return nil, err
	}
	for _, h := range cands {
		if sums[h.Entry] != "" && sums[h.Entry] == sums[h.Hider] {
			out[h.Entry] = MetadataOnly
		}
	}
	return out, nil
}

// waste accounts for every hidden regular-file version with content, with the reasons
// classified by reasons. Hidden versions that a visible hardlink still shows are not waste.
// Linear in the hidden entries.
func waste(img *image.Image, fs *fstree.FS, why map[*image.Entry]fstree.Reason, expand bool) ([]Waste, error) {
	linked := map[*image.Entry]bool{}
	fs.Each(func(n *fstree.Node) {
		if n.Target != nil {
			linked[n.Target] = true
		}
	})
	var hs []fstree.Hidden
	for _, h := range fs.Hidden {
		if h.Entry.Type != image.TypeFile || h.Entry.Size == 0 || linked[h.Entry] {
			continue
		}
		hs = append(hs, h)
	}
	type key struct {
		hider *image.Entry
		layer int
	}
	groups := map[key]int{}
	out := []Waste{}
	for _, h := range hs {
		reason := why[h.Entry]
		w := Waste{
			Path: h.Entry.Path, Size: h.Entry.Size, Files: 1,
			Layer: h.Layer, CreatedBy: img.Layers[h.Layer].CreatedBy(),
			HiddenBy: h.By, HiddenCreatedBy: img.Layers[h.By].CreatedBy(), Reason: reason,
			Sensitive: Sensitive(h.Entry.Path), Paths: []string{},
		}
		if !expand && h.Hider != nil && isBelow(h.Entry.Path, h.Hider.Path) {
			k := key{h.Hider, h.Layer}
			if i, ok := groups[k]; ok {
				out[i].Size += w.Size
				out[i].Files++
				out[i].Sensitive = out[i].Sensitive || w.Sensitive
				out[i].Paths = append(out[i].Paths, h.Entry.Path)
				continue
			}
			groups[k] = len(out)
			w.Path = h.Hider.Path
			w.Paths = []string{h.Entry.Path}
		}
		out = append(out, w)
	}
	for _, w := range out {
		sort.Slice(w.Paths, func(i, j int) bool { return fstree.ComparePaths(w.Paths[i], w.Paths[j]) < 0 })
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Size != b.Size {
			return a.Size > b.Size
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Layer < b.Layer
	})
	return out, nil
}

func metadataCandidate(h fstree.Hidden) bool {
	return h.Reason == fstree.Overwritten && h.Hider != nil && h.Hider.Type == image.TypeFile && h.Hider.Size == h.Entry.Size
}

// isBelow reports whether p is strictly inside directory dir.
func isBelow(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// TopFile is one of a layer's largest files.
type TopFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// topFiles returns a layer's n largest regular files, largest first (ties by path).
func topFiles(l *image.Layer, n int) []TopFile {
	out := make([]TopFile, 0, n+1)
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout {
			continue
		}
		if len(out) == n && !larger(e.Size, e.Path, out[n-1]) {
			continue
		}
		j := len(out)
		out = append(out, TopFile{})
		for j > 0 && larger(e.Size, e.Path, out[j-1]) {
			out[j] = out[j-1]
			j--
		}
		out[j] = TopFile{Path: e.Path, Size: e.Size}
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}

func larger(size int64, p string, than TopFile) bool {
	return size > than.Size || (size == than.Size && p < than.Path)
}
