// Package diff compares two images' filesystems, configs, layers and history, or a
// container export with the image it was run from, as `docker diff` would.
package diff

import (
	"errors"
	"fmt"
	"sort"
	"strings"

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
	Runtime   []string       `json:"runtime"`    // [] in image mode
	RuntimeBy string         `json:"runtime_by"` // export mode: the engine whose runtime entries those are, "docker" or "podman"; "" in image mode
	Flattened *Flattened     `json:"flattened"`  // null in image mode
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
	// Entries counts the paths the row stands for (1 unless a subtree was folded into it);
	// Paths lists those below its own path, in tree order ([] when none), so that a
	// consumer sees every changed path without --expand.
	Entries int      `json:"entries"`
	Paths   []string `json:"paths"`
}

// side is one input, merged.
type side struct {
	img *image.Image
	fs  *fstree.FS
}

func newSide(img *image.Image) *side { return &side{img: img, fs: fstree.Merge(img.Layers)} }

// Compare diffs two images. When exactly one is a root filesystem (a `docker export`), it is
// compared with the other as a container export with its image.
func Compare(old, new *image.Image, opts Options) (*Result, error) {
	r := &Result{Old: old.Source, New: new.Source, Mode: ModeImages, Changes: []Change{}, Config: []ConfigChange{}, Runtime: []string{}, Warnings: []string{}}
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
	w := &walk{o: o, n: n, mode: r.Mode, rt: rt, opts: opts}
	if err := w.compare(); err != nil {
		return nil, err
	}
	if r.Mode == ModeExport {
		if err := checkExportMatches(o, w, opts); err != nil {
			return nil, err
		}
		if err := checkLayersPresent(w, opts); err != nil {
			return nil, err
		}
		w.podmanParents()
		w.markParents()
		for p := range rt.paths {
			if n.fs.Lookup(p) != nil {
				r.Runtime = append(r.Runtime, p)
			}
		}
		sort.Strings(r.Runtime)
	}
	changes, parents := w.changes()
	if r.Mode == ModeExport {
		var err error
		if r.Flattened, err = flatten(o, n, changes); err != nil {
			return nil, err
		}
	}
	r.Changes = collapse(changes, parents, r.Mode, opts)
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

// impliedEntry is how a directory no layer wrote compares: mode 0600, root, no time.
var impliedEntry = image.Entry{Type: image.TypeDir, Mode: fstree.ImpliedMode}

func resolve(s *side, n *fstree.Node) effective {
	if n.Entry == nil {
		return effective{e: &impliedEntry, typ: image.TypeDir}
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
	c    int // index into the candidates
	o, n effective
}

// candidate is a path visited on either side, in pre-order: an addition, a deletion, or a
// path on both sides that is a change if it has reasons (or, in an export, a changed
// descendant). Its path is built only if it becomes a change.
type candidate struct {
	on, nn  *fstree.Node
	parent  int32 // the candidate of the parent directory; -1 under the root
	kind    byte  // 'A', 'D', 'C'
	skip    bool  // a runtime path: never a change of its own
	child   bool  // a descendant is a change
	reasons []string
}

// walk compares two merged trees side by side, directory by directory: each directory's
// sorted children are merged like two sorted lists, so the whole comparison is linear in the
// paths of both trees (plus building the paths of what changed).
type walk struct {
	o, n  *side
	mode  Mode
	rt    runtime
	rtMax int
	// shallow finds the candidates at runtime paths' depth by path
	shallow map[string]int32 // the deepest runtime path, in components
	opts    Options
	cands   []candidate
	pairs   []pair
	sums    map[*image.Entry]string // content digests of the pairs
}

func (w *walk) compare() error {
	for p := range w.rt.paths {
		w.rtMax = max(w.rtMax, strings.Count(p, "/"))
	}
	w.shallow = map[string]int32{}
	w.dir(w.o.fs.Root, w.n.fs.Root, "/", 1, -1)
	return w.compareContent()
}

// dir compares the children of on and nn (either may be nil or a non-directory, which has
// none), at depth components below the root; prefix is their path with a trailing slash
// when depth is within the runtime paths' reach ("" otherwise: no path is needed).
func (w *walk) dir(on, nn *fstree.Node, prefix string, depth int, parent int32) {
	var oc, nc *fstree.Node
	if on != nil {
		oc = first(on)
	}
	if nn != nil {
		nc = first(nn)
	}
	for oc != nil || nc != nil {
		var a, b *fstree.Node
		switch {
		case nc == nil || (oc != nil && oc.Name() < nc.Name()):
			a, oc = oc, next(oc)
		case oc == nil || nc.Name() < oc.Name():
			b, nc = nc, next(nc)
		default:
			a, b = oc, nc
			oc, nc = next(oc), next(nc)
		}
		name := ""
		if a != nil {
			name = a.Name()
		} else {
			name = b.Name()
		}
		p := ""
		skip := false
		if depth <= w.rtMax {
			p = prefix + name
			skip = w.rt.paths[p]
		}
		id := int32(len(w.cands))
		if p != "" {
			w.shallow[p] = id
		}
		c := candidate{on: a, nn: b, parent: parent, skip: skip}
		switch {
		case b == nil:
			c.kind = 'D'
		case a == nil:
			c.kind = 'A'
		default:
			c.kind = 'C'
			if !skip {
				oe, ne := resolve(w.o, a), resolve(w.n, b)
				c.reasons = metaReasons(a, b, oe, ne, w.mode, w.opts)
				if oe.typ == image.TypeFile && ne.typ == image.TypeFile && oe.e.Size == ne.e.Size && !sameBlob(oe, ne) {
					w.pairs = append(w.pairs, pair{c: int(id), o: oe, n: ne})
				}
			}
		}
		w.cands = append(w.cands, c)
		if (a != nil && a.IsDir()) || (b != nil && b.IsDir()) {
			sub := ""
			if depth+1 <= w.rtMax {
				sub = p + "/"
			}
			w.dir(a, b, sub, depth+1, id)
		}
	}
}

func first(n *fstree.Node) *fstree.Node { return n.FirstChild() }
func next(n *fstree.Node) *fstree.Node  { return n.NextSibling() }

// compareContent adds the "content" reason to pairs whose bytes differ.
func (w *walk) compareContent() error {
	if len(w.pairs) == 0 {
		return nil
	}
	refs := make([]content.Ref, 0, 2*len(w.pairs))
	for _, p := range w.pairs {
		refs = append(refs, content.Ref{Layer: p.o.layer, Entry: p.o.e}, content.Ref{Layer: p.n.layer, Entry: p.n.e})
	}
	sums, err := content.Digests(refs, "sha256")
	if err != nil {
		return err
	}
	w.sums = sums
	for _, p := range w.pairs {
		if sums[p.o.e] != sums[p.n.e] {
			c := &w.cands[p.c]
			c.reasons = addReason(c.reasons, "content")
		}
	}
	return nil
}

// real reports whether a candidate is a change of its own.
func (c *candidate) real() bool {
	return !c.skip && (c.kind != 'C' || len(c.reasons) > 0)
}

// markParents marks C every directory above a change that is not a change itself (on both
// sides), as docker diff does ("/" excepted). Children follow their parents, so one pass
// from the end carries the mark up.
func (w *walk) markParents() {
	for i := len(w.cands) - 1; i >= 0; i-- {
		c := &w.cands[i]
		if (c.real() || c.child) && c.parent >= 0 {
			w.cands[c.parent].child = true
		}
	}
}

// eachPath calls fn for every candidate, in pre-order, with its path (valid during the call).
func (w *walk) eachPath(fn func(c *candidate, p []byte)) {
	plen := make([]int32, len(w.cands))
	var buf []byte
	for i := range w.cands {
		c := &w.cands[i]
		buf = w.pathOf(buf, plen, i)
		fn(c, buf)
	}
}

// pathOf extends buf, which holds the path of the candidate before i, to i's path, given the
// path lengths of the candidates before i. In pre-order a candidate's parent's path is
// always a prefix of buf.
func (w *walk) pathOf(buf []byte, plen []int32, i int) []byte {
	c := &w.cands[i]
	nd := c.on
	if nd == nil {
		nd = c.nn
	}
	if c.parent >= 0 {
		buf = buf[:plen[c.parent]]
	} else {
		buf = buf[:0]
	}
	buf = append(append(buf, '/'), nd.Name()...)
	plen[i] = int32(len(buf))
	return buf
}

// changes builds the changes in pre-order, with each one's parent directory's change (an
// index into them, or -1 when the parent is not a change). Paths are built in one buffer as
// the candidates come, in pre-order: a candidate's parent's path is always its prefix.
func (w *walk) changes() ([]Change, []int32) {
	at := make([]int32, len(w.cands))
	plen := make([]int32, len(w.cands))
	var buf []byte
	var out []Change
	var parents []int32
	for i := range w.cands {
		c := &w.cands[i]
		buf = w.pathOf(buf, plen, i)
		at[i] = -1
		var ch Change
		switch {
		case c.real():
			ch = w.change(c)
		case c.child && c.kind == 'C' && w.mode == ModeExport:
			ne := entryOf(w.n, c.nn)
			ch = Change{Kind: "C", Type: ne.Type, Old: entryOf(w.o, c.on), New: ne, Reasons: []string{"child"}}
		default:
			continue
		}
		ch.Path = string(buf)
		at[i] = int32(len(out))
		parent := int32(-1)
		if c.parent >= 0 {
			parent = at[c.parent]
		}
		out = append(out, ch)
		parents = append(parents, parent)
	}
	return out, parents
}

func (w *walk) change(c *candidate) Change {
	switch c.kind {
	case 'D':
		oe := entryOf(w.o, c.on)
		return Change{Kind: "D", Type: oe.Type, Old: oe, SizeDelta: -fileSize(w.o, c.on), Reasons: []string{}}
	case 'A':
		ne := entryOf(w.n, c.nn)
		return Change{Kind: "A", Type: ne.Type, New: ne, SizeDelta: fileSize(w.n, c.nn), Reasons: []string{}}
	}
	ne := entryOf(w.n, c.nn)
	ch := Change{Kind: "C", Type: ne.Type, Old: entryOf(w.o, c.on), New: ne,
		SizeDelta: fileSize(w.n, c.nn) - fileSize(w.o, c.on), Reasons: c.reasons}
	if w.sums != nil {
		oe, nf := resolve(w.o, c.on), resolve(w.n, c.nn)
		ch.Old.Digest, ch.New.Digest = w.sums[oe.e], w.sums[nf.e]
	}
	return ch
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
// parents[i] is the change of changes[i]'s parent directory (-1 if none): a change folds
// into its parent's row when that is the same kind, so one pass in pre-order finds each
// row's root. A root row lists the paths folded into it.
func collapse(changes []Change, parents []int32, mode Mode, opts Options) []Change {
	for i := range changes {
		changes[i].Entries = 1
		changes[i].Paths = []string{}
	}
	if opts.Expand {
		return changes
	}
	folds := func(k string) bool { return k == "D" || (k == "A" && mode == ModeImages) }
	root := make([]int32, len(changes))
	at := make([]int32, len(changes))
	var out []Change
	for i := range changes {
		c := &changes[i]
		root[i] = int32(i)
		if p := parents[i]; p >= 0 && folds(c.Kind) && changes[p].Kind == c.Kind {
			root[i] = root[p]
			r := &out[at[root[i]]]
			r.Entries++
			r.SizeDelta += c.SizeDelta
			r.Paths = append(r.Paths, c.Path)
			continue
		}
		at[i] = int32(len(out))
		out = append(out, *c)
	}
	return out
}
