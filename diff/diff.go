// Package diff compares two images' filesystems, configs, layers and history, or a
// container export with the image it was run from, as `docker diff` would.
package diff

import (
	"errors"
	"fmt"
	"path"
	"sort"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Mode says what was compared.
type Mode string

// The two kinds of comparison.
const (
	ModeImages Mode = "images" // two images (or two root filesystems)
	ModeExport Mode = "export" // a container export against its image
)

// Options shape a comparison.
type Options struct {
	Semantic bool // ignore timestamps and history-only differences
	Expand   bool // list every path under an added or deleted directory
	Force    bool // compare an export with an image it does not seem to come from
}

// ErrMismatch means the export does not look like it comes from the image.
var ErrMismatch = errors.New("inputs do not match")

// Result is the outcome of `strata diff`.
type Result struct {
	Old       image.Source   `json:"old"`
	New       image.Source   `json:"new"`
	Mode      Mode           `json:"mode"`
	Summary   Summary        `json:"summary"`
	Changes   []Change       `json:"changes"`
	Config    []ConfigChange `json:"config"`
	Layers    *Layers        `json:"layers"`
	History   *History       `json:"history"`
	Runtime   []string       `json:"runtime,omitempty"`
	RuntimeBy string         `json:"runtime_by,omitempty"` // export mode: the engine whose runtime entries those are, "docker" or "podman"
	Flattened *Flattened     `json:"flattened,omitempty"`
	Warnings  []string       `json:"warnings"`

	different bool
}

// Different reports whether the inputs differ in a way the options count.
func (r *Result) Different() bool { return r.different }

// Summary counts the changes.
type Summary struct {
	Added     int   `json:"added"`
	Changed   int   `json:"changed"`
	Deleted   int   `json:"deleted"`
	SizeDelta int64 `json:"size_delta"`
}

// Entry is one side of a changed path.
type Entry struct {
	Type    image.Type `json:"type"`
	Size    int64      `json:"size"`
	Mode    string     `json:"mode"`
	UID     int        `json:"uid"`
	GID     int        `json:"gid"`
	ModTime image.Time `json:"mtime"`
	Link    string     `json:"link"`
	Layer   int        `json:"layer"`
	Digest  string     `json:"digest,omitempty"`
}

// Change is one added (A), changed (C) or deleted (D) path. A collapsed subtree is one
// change at its root; Entries counts the paths it stands for.
type Change struct {
	Path      string     `json:"path"`
	Kind      string     `json:"kind"`
	Type      image.Type `json:"type"`
	Old       *Entry     `json:"old"`
	New       *Entry     `json:"new"`
	SizeDelta int64      `json:"size_delta"`
	Reasons   []string   `json:"reasons"`
	Entries   int        `json:"entries,omitempty"`
}

// side is one input, merged.
type side struct {
	img   *image.Image
	fs    *fstree.FS
	nodes []*fstree.Node // in Walk order
	paths []string       // nodes[i]'s path
	index map[string]*fstree.Node
}

func newSide(img *image.Image) *side {
	s := &side{img: img, fs: fstree.Merge(img.Layers), index: map[string]*fstree.Node{}}
	s.fs.Walk(func(p string, n *fstree.Node) {
		s.nodes = append(s.nodes, n)
		s.paths = append(s.paths, p)
		s.index[p] = n
	})
	return s
}

// Compare diffs two images. When exactly one is a root filesystem (a `docker export`), it is
// compared with the other as a container export with its image.
func Compare(old, new *image.Image, opts Options) (*Result, error) {
	r := &Result{Old: old.Source, New: new.Source, Mode: ModeImages, Changes: []Change{}, Config: []ConfigChange{}, Warnings: []string{}}
	oldRootfs, newRootfs := old.Source.Format == image.FormatRootfs, new.Source.Format == image.FormatRootfs
	switch {
	case oldRootfs && newRootfs:
		r.Warnings = append(r.Warnings, "both inputs are root filesystems (exports): comparing their files only; there is no image to compare an export with")
	case oldRootfs:
		return nil, fmt.Errorf("%w: OLD (%s) is a root filesystem and NEW (%s) an image: give the image first, then the export", ErrMismatch, old.Source.Path, new.Source.Path)
	case newRootfs:
		r.Mode = ModeExport
	}
	o, n := newSide(old), newSide(new)
	var rt runtime
	if r.Mode == ModeExport {
		rt = runtimePaths(o, n)
		r.RuntimeBy = rt.engine
	}
	changes, err := compareFiles(o, n, r.Mode, rt, opts)
	if err != nil {
		return nil, err
	}
	if r.Mode == ModeExport {
		if err := checkExportMatches(o, changes, opts); err != nil {
			return nil, err
		}
		if err := checkLayersPresent(o, n, rt, opts); err != nil {
			return nil, err
		}
		changes = markParents(podmanParents(changes, rt, o, n), o, n)
		for p := range rt.paths {
			if _, ok := n.index[p]; ok {
				r.Runtime = append(r.Runtime, p)
			}
		}
		sort.Strings(r.Runtime)
		r.Flattened, err = flatten(o, n, changes)
		if err != nil {
			return nil, err
		}
	}
	r.Changes = collapse(changes, r.Mode, opts)
	for _, c := range r.Changes {
		switch c.Kind {
		case "A":
			r.Summary.Added++
		case "C":
			r.Summary.Changed++
		case "D":
			r.Summary.Deleted++
		}
		r.Summary.SizeDelta += c.SizeDelta
	}
	r.different = len(r.Changes) > 0
	if r.Mode == ModeImages && !oldRootfs {
		r.Config = compareConfig(old, new, opts)
		r.Layers = compareLayers(old, new)
		r.History = compareHistory(old, new, opts)
		r.different = r.different || len(r.Config) > 0
		if !opts.Semantic {
			r.different = r.different || len(r.Layers.OnlyOld)+len(r.Layers.OnlyNew) > 0 ||
				len(r.History.OnlyOld)+len(r.History.OnlyNew) > 0
		}
	}
	return r, nil
}

// effective is the metadata a path shows: a hardlink shows its target's inode.
type effective struct {
	e     *image.Entry
	layer *image.Layer
	typ   image.Type
}

func resolve(s *side, n *fstree.Node) effective {
	if n.Entry == nil {
		return effective{e: &image.Entry{Path: n.Path(), Type: image.TypeDir, Mode: fstree.ImpliedMode}, typ: image.TypeDir}
	}
	if n.Entry.Type == image.TypeHardlink && n.Target != nil {
		return effective{e: n.Target, layer: s.img.Layers[n.TargetLayer], typ: n.Target.Type}
	}
	var l *image.Layer
	if n.Layer >= 0 {
		l = s.img.Layers[n.Layer]
	}
	return effective{e: n.Entry, layer: l, typ: n.Entry.Type}
}

func entryOf(s *side, n *fstree.Node) *Entry {
	ef := resolve(s, n)
	e := &Entry{Type: image.TypeDir, Mode: image.Mode(ef.e.Mode), UID: ef.e.UID, GID: ef.e.GID, Layer: int(n.Layer), Size: ef.e.Size}
	if n.Entry != nil {
		e.Type = n.Entry.Type
		e.Link = n.Entry.Link()
		e.ModTime = image.Time{Time: ef.e.ModTime()}
	}
	return e
}

// pair is a path present on both sides whose content may need comparing.
type pair struct {
	c    int // index into the changes
	o, n effective
}

func compareFiles(o, n *side, mode Mode, rt runtime, opts Options) ([]Change, error) {
	var changes []Change
	var pairs []pair
	i, j := 0, 0
	for i < len(o.nodes) || j < len(n.nodes) {
		var on, nn *fstree.Node
		var p string
		switch {
		case j >= len(n.nodes) || (i < len(o.nodes) && fstree.ComparePaths(o.paths[i], n.paths[j]) < 0):
			on, p = o.nodes[i], o.paths[i]
			i++
		case i >= len(o.nodes) || fstree.ComparePaths(n.paths[j], o.paths[i]) < 0:
			nn, p = n.nodes[j], n.paths[j]
			j++
		default:
			on, nn, p = o.nodes[i], n.nodes[j], o.paths[i]
			i++
			j++
		}
		if rt.paths[p] {
			continue
		}
		switch {
		case nn == nil:
			oe := entryOf(o, on)
			changes = append(changes, Change{Path: p, Kind: "D", Type: oe.Type, Old: oe, SizeDelta: -fileSize(o, on), Reasons: []string{}})
		case on == nil:
			ne := entryOf(n, nn)
			changes = append(changes, Change{Path: p, Kind: "A", Type: ne.Type, New: ne, SizeDelta: fileSize(n, nn), Reasons: []string{}})
		default:
			oe, ne := resolve(o, on), resolve(n, nn)
			reasons := metaReasons(on, nn, oe, ne, mode, opts)
			newEntry := entryOf(n, nn)
			c := Change{Path: p, Kind: "C", Type: newEntry.Type, Old: entryOf(o, on), New: newEntry,
				SizeDelta: fileSize(n, nn) - fileSize(o, on), Reasons: reasons}
			changes = append(changes, c)
			if oe.typ == image.TypeFile && ne.typ == image.TypeFile && oe.e.Size == ne.e.Size && !sameBlob(oe, ne) {
				pairs = append(pairs, pair{c: len(changes) - 1, o: oe, n: ne})
			}
		}
	}
	if err := compareContent(changes, pairs); err != nil {
		return nil, err
	}
	out := changes[:0]
	for _, c := range changes {
		if c.Kind != "C" || len(c.Reasons) > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// compareContent adds the "content" reason to pairs whose bytes differ.
func compareContent(changes []Change, pairs []pair) error {
	if len(pairs) == 0 {
		return nil
	}
	refs := make([]content.Ref, 0, 2*len(pairs))
	for _, p := range pairs {
		refs = append(refs, content.Ref{Layer: p.o.layer, Entry: p.o.e}, content.Ref{Layer: p.n.layer, Entry: p.n.e})
	}
	sums, err := content.Digests(refs, "sha256")
	if err != nil {
		return err
	}
	for _, p := range pairs {
		c := &changes[p.c]
		c.Old.Digest, c.New.Digest = sums[p.o.e], sums[p.n.e]
		if sums[p.o.e] != sums[p.n.e] {
			c.Reasons = addReason(c.Reasons, "content")
		}
	}
	return nil
}

// sameBlob reports two entries that are the same bytes of the same layer (a shared layer).
func sameBlob(a, b effective) bool {
	return a.layer != nil && b.layer != nil && a.layer.DiffID != "" &&
		a.layer.DiffID == b.layer.DiffID && a.e.Offset == b.e.Offset && a.e.Size == b.e.Size
}

func metaReasons(on, nn *fstree.Node, oe, ne effective, mode Mode, opts Options) []string {
	if oe.typ != ne.typ {
		return []string{"type"}
	}
	rs := attrReasons(oe.e, ne.e, oe.typ, opts.Semantic)
	if mode == ModeImages && oe.typ == image.TypeFile && on.Entry.Type != nn.Entry.Type {
		// A file became a hardlink or the reverse; in an export that is only walk order.
		rs = append(rs, "link")
	}
	return rs
}

// Reasons lists how two versions of a path differ in what diff compares without reading
// content: "type", or any of "mode", "uid", "gid", "size" (with "content"), "link", "rdev",
// "xattr", "mtime" (not with semantic). Directories are compared without size and mtime.
// Hardlinks are compared as given: resolve them to their targets first.
func Reasons(a, b *image.Entry, semantic bool) []string {
	if a.Type != b.Type {
		return []string{"type"}
	}
	return attrReasons(a, b, a.Type, semantic)
}

func attrReasons(a, b *image.Entry, typ image.Type, semantic bool) []string {
	var rs []string
	if a.Mode != b.Mode {
		rs = append(rs, "mode")
	}
	if a.UID != b.UID {
		rs = append(rs, "uid")
	}
	if a.GID != b.GID {
		rs = append(rs, "gid")
	}
	switch typ {
	case image.TypeDir:
		// Directories are compared without size and mtime, as docker diff does.
		return nonNil(rs)
	case image.TypeFile:
		if a.Size != b.Size {
			rs = append(rs, "size", "content")
		}
	case image.TypeSymlink:
		if a.Link() != b.Link() {
			rs = append(rs, "link")
		}
	case image.TypeChar, image.TypeBlock:
		am, an := a.Device()
		bm, bn := b.Device()
		if am != bm || an != bn {
			rs = append(rs, "rdev")
		}
	}
	if a.Caps() != b.Caps() {
		rs = append(rs, "xattr")
	}
	if !semantic && a.ModTime().Unix() != b.ModTime().Unix() {
		rs = append(rs, "mtime")
	}
	return nonNil(rs)
}

func addReason(rs []string, r string) []string {
	for _, x := range rs {
		if x == r {
			return rs
		}
	}
	return append(rs, r)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fileSize is the regular-file bytes a path contributes (hardlinks count their target's).
func fileSize(s *side, n *fstree.Node) int64 {
	ef := resolve(s, n)
	if ef.typ == image.TypeFile && (n.Entry == nil || n.Entry.Type == image.TypeFile) {
		return ef.e.Size
	}
	return 0
}

// collapse folds subtrees: a deleted directory is one D at its root (always, as docker diff
// prints it); an added one is one A at its root in image mode. Expand keeps every path.
func collapse(changes []Change, mode Mode, opts Options) []Change {
	if opts.Expand {
		return changes
	}
	kind := map[string]string{}
	for _, c := range changes {
		kind[c.Path] = c.Kind
	}
	folds := func(k string) bool { return k == "D" || (k == "A" && mode == ModeImages) }
	top := func(p, k string) string {
		for {
			parent := path.Dir(p)
			if parent == "/" || kind[parent] != k {
				return p
			}
			p = parent
		}
	}
	roots := map[string]int{}
	var out []Change
	for _, c := range changes {
		if folds(c.Kind) {
			if t := top(c.Path, c.Kind); t != c.Path {
				continue
			}
		}
		roots[c.Path] = len(out)
		out = append(out, c)
	}
	for _, c := range changes {
		if !folds(c.Kind) {
			continue
		}
		if t := top(c.Path, c.Kind); t != c.Path {
			r := &out[roots[t]]
			if r.Entries == 0 {
				r.Entries = 1
			}
			r.Entries++
			r.SizeDelta += c.SizeDelta
		}
	}
	return out
}

// markParents marks C every directory above a change that is not a change itself, as docker
// diff does ("/" excepted).
func markParents(changes []Change, o, n *side) []Change {
	have := map[string]bool{}
	for _, c := range changes {
		have[c.Path] = true
	}
	var extra []Change
	for _, c := range changes {
		for p := path.Dir(c.Path); p != "/"; p = path.Dir(p) {
			if have[p] {
				continue
			}
			have[p] = true
			on, nn := o.index[p], n.index[p]
			if on != nil && nn != nil {
				ne := entryOf(n, nn)
				extra = append(extra, Change{Path: p, Kind: "C", Type: ne.Type, Old: entryOf(o, on), New: ne, Reasons: []string{"child"}})
			}
		}
	}
	out := append(changes, extra...)
	sort.Slice(out, func(i, j int) bool { return fstree.ComparePaths(out[i].Path, out[j].Path) < 0 })
	return out
}
