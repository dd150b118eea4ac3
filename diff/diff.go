// Package diff compares two images' filesystems, configs, layers and history, or a
// container export with the image it was run from, as `docker diff` would.
package diff

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/packages"
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

// atPeak, when set (by tests), is called when Compare holds the most memory: both merged
// trees, every candidate path and every change.
var atPeak func()

// ErrMismatch means the export does not look like it comes from the image.
var ErrMismatch = errors.New("inputs do not match")

// Result is the outcome of `strata diff`.
type Result struct {
	Old     image.Source   `json:"old"`
	New     image.Source   `json:"new"`
	Mode    Mode           `json:"mode"`
	Summary Summary        `json:"summary"`
	Changes []Change       `json:"changes"`
	Config  []ConfigChange `json:"config"`
	// BuildConfig are the changed config keys that only record how the image was built
	// (BuildRecord: id, container, container_config, config.Image, docker_version, …), apart
	// from Config; [] in export mode and with --semantic, which ignores them.
	BuildConfig []ConfigChange `json:"build_config"`
	Layers      *Layers        `json:"layers"`
	History     *History       `json:"history"`
	Runtime     []string       `json:"runtime"`    // [] in image mode
	RuntimeBy   string         `json:"runtime_by"` // export mode: the engine whose runtime entries those are, "docker" or "podman"; "" in image mode
	Flattened   *Flattened     `json:"flattened"`  // null in image mode
	Warnings    []string       `json:"warnings"`
	// Container is the container compared (mode "container": diff --container); absent otherwise.
	Container *image.Container `json:"container,omitempty"`
	// Packages is the two images' package diff (diff --packages); null otherwise.
	Packages *packages.Diff `json:"packages"`

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

// add counts changes into s by kind, with their size deltas.
func (s *Summary) add(changes []Change) {
	for i := range changes {
		c := &changes[i]
		switch c.Kind {
		case "A":
			s.Added++
		case "C":
			s.Changed++
		case "D":
			s.Deleted++
		}
		s.SizeDelta += c.SizeDelta
	}
}

// Entry is one side of a changed path.
type Entry struct {
	Type    image.Type `json:"type"`
	Layer   int32      `json:"layer"` // the providing layer; -1 for a directory no layer wrote
	Size    int64      `json:"size"`
	Mode    string     `json:"mode"`
	UID     int        `json:"uid"`
	GID     int        `json:"gid"`
	ModTime Stamp      `json:"mtime"`
	Link    string     `json:"link"`
	Digest  *string    `json:"digest"` // sha256 of the content when diff read it to compare; null otherwise
}

// Change is one added (A), changed (C) or deleted (D) path. A collapsed subtree is one
// change at its root; Entries counts the paths it stands for.
type Change struct {
	Path string     `json:"path"`
	Kind string     `json:"kind"`
	Type image.Type `json:"type"`
	// Entries counts the paths the row stands for (1 unless a subtree was folded into it);
	// Paths lists those below its own path, in tree order ([] when none), so that a
	// consumer sees every changed path without --expand.
	Entries   int32    `json:"entries"`
	Old       *Entry   `json:"old"`
	New       *Entry   `json:"new"`
	SizeDelta int64    `json:"size_delta"`
	Reasons   []string `json:"reasons"`
	Paths     []string `json:"paths"`
}

// side is one input, merged.
type side struct {
	img *image.Image
	fs  *fstree.FS
}

// Side is one input of a comparison: an image and its merged filesystem, which the caller
// merged (once, for every analysis it runs; Compare only reads it).
type Side struct {
	Image *image.Image
	FS    *fstree.FS
}

// Compare diffs two images. When exactly one is a root filesystem (a `docker export`), it is
// compared with the other as a container export with its image.
func Compare(oldSide, newSide Side, opts Options) (*Result, error) {
	old, new := oldSide.Image, newSide.Image
	r := &Result{Old: old.Source, New: new.Source, Mode: ModeImages, Changes: []Change{}, Config: []ConfigChange{}, BuildConfig: []ConfigChange{}, Runtime: []string{}, Warnings: []string{}}
	oldRootfs, newRootfs := old.Source.Format == image.FormatRootfs, new.Source.Format == image.FormatRootfs
	switch {
	case oldRootfs && newRootfs:
		r.Warnings = append(r.Warnings, "both inputs are root filesystems (exports): comparing their files only; there is no image to compare an export with")
	case oldRootfs:
		return nil, fmt.Errorf("%w: OLD (%s) is a root filesystem and NEW (%s) an image: give the image first, then the export", ErrMismatch, old.Source.Path, new.Source.Path)
	case newRootfs:
		r.Mode = ModeExport
	}
	o, n := &side{img: old, fs: oldSide.FS}, &side{img: new, fs: newSide.FS}
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
		r.Warnings = append(r.Warnings, checkExportMatches(o, w, opts)...)
		warnings, err := checkProvenance(w, opts)
		if err != nil {
			return nil, err
		}
		r.Warnings = append(r.Warnings, warnings...)
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
	r.Summary.add(r.Changes)
	r.different = len(r.Changes) > 0
	if r.Mode == ModeImages && !oldRootfs {
		r.Config, r.BuildConfig = compareConfig(old, new, opts)
		r.Layers = compareLayers(old, new)
		r.History = compareHistory(old, new, opts)
		r.different = r.different || len(r.Config)+len(r.BuildConfig) > 0
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
	e := &Entry{}
	fillEntry(e, s, n)
	return e
}

// entry is entryOf, allocated in the walk's slabs (a diff of a million paths makes a million
// entries).
func (w *walk) entry(s *side, n *fstree.Node) *Entry {
	if len(w.slab) == cap(w.slab) {
		w.slab = make([]Entry, 0, 1024)
	}
	w.slab = append(w.slab, Entry{})
	e := &w.slab[len(w.slab)-1]
	fillEntry(e, s, n)
	return e
}

func fillEntry(e *Entry, s *side, n *fstree.Node) {
	ef := resolve(s, n)
	*e = Entry{Type: image.TypeDir, Mode: image.Mode(ef.e.Mode), UID: ef.e.UID, GID: ef.e.GID, Layer: n.Layer, Size: ef.e.Size, ModTime: NoStamp}
	if n.Entry != nil {
		e.Type = n.Entry.Type
		e.Link = n.Entry.Link()
		e.ModTime = Stamp(ef.e.MTime)
	}
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
	on, nn *fstree.Node
	parent int32  // the candidate of the parent directory; -1 under the root
	bits   uint32 // skipBit, childBit, and 1 + the index of the reasons in walk.why (0 for none)
}

const (
	skipBit    = 1 << 31 // a runtime path: never a change of its own
	childBit   = 1 << 30 // a descendant is a change
	subtreeBit = 1 << 29 // a path on one side only, standing for its whole subtree
	whyMask    = subtreeBit - 1
)

func (c *candidate) skip() bool    { return c.bits&skipBit != 0 }
func (c *candidate) child() bool   { return c.bits&childBit != 0 }
func (c *candidate) why() uint32   { return c.bits & whyMask }
func (c *candidate) subtree() bool { return c.bits&subtreeBit != 0 }

// node is the candidate's node on whichever side has it.
func (c *candidate) node() *fstree.Node {
	if c.on != nil {
		return c.on
	}
	return c.nn
}

// below calls fn for every node under nd, in pre-order, with its path (buf extended; valid
// during the call) and what fn returned for its parent (parent for nd's children).
func below(nd *fstree.Node, buf []byte, parent int32, fn func(nd *fstree.Node, p []byte, parent int32) int32) {
	for c := nd.FirstChild(); c != nil; c = c.NextSibling() {
		p := append(append(buf, '/'), c.Name()...)
		id := fn(c, p, parent)
		if c.FirstChild() != nil {
			below(c, p, id, fn)
		}
	}
}

// kind is 'A' (new side only), 'D' (old side only) or 'C' (both).
func (c *candidate) kind() byte {
	switch {
	case c.on == nil:
		return 'A'
	case c.nn == nil:
		return 'D'
	}
	return 'C'
}

// reasons returns the candidate's reasons (nil for none).
func (w *walk) reasons(c *candidate) []string {
	if c.why() == 0 {
		return nil
	}
	return w.why[c.why()-1]
}

// setReasons gives the candidate reasons. Lists of reasons are interned: a diff of a
// million changed paths has a handful of distinct lists (mtime; mode, mtime; …), each held
// once, shared by the candidates and changes that have it (clipped, so appending to one
// copies it).
func (w *walk) setReasons(c *candidate, rs []string) {
	if len(rs) == 0 {
		c.bits &^= whyMask
		return
	}
	key := strings.Join(rs, ",")
	id, ok := w.whyIDs[key]
	if !ok {
		if w.whyIDs == nil {
			w.whyIDs = map[string]uint32{}
		}
		w.why = append(w.why, slices.Clip(rs))
		id = uint32(len(w.why))
		w.whyIDs[key] = id
	}
	c.bits = c.bits&^whyMask | id&whyMask
}

// walk compares two merged trees side by side, directory by directory: each directory's
// sorted children are merged like two sorted lists, so the whole comparison is linear in the
// paths of both trees (plus building the paths of what changed).
type walk struct {
	o, n    *side
	mode    Mode
	rt      runtime
	rtMax   int              // the deepest runtime path, in components
	shallow map[string]int32 // the candidates within the runtime paths' depth, by path
	opts    Options
	cands   []candidate
	pairs   []pair
	digs    []pairDigests     // the pairs' content digests, by candidate
	why     [][]string        // the distinct lists of reasons candidates have
	whyIDs  map[string]uint32 // 1 + the index of each list in why, by its reasons joined
	slab    []Entry           // where the entries of changes are allocated
	paths   pathArena         // where the paths of changes are held
}

func (w *walk) compare() error {
	for p := range w.rt.paths {
		w.rtMax = max(w.rtMax, strings.Count(p, "/"))
	}
	w.shallow = map[string]int32{}
	// The pairs are at most the regular files of the side with fewer: sized once, as
	// appending half a million to a growing slice allocates five times their size in copies.
	files := -1
	for _, s := range []*side{w.o, w.n} {
		k := 0
		s.fs.Each(func(n *fstree.Node) {
			if n.Entry != nil && n.Entry.Type == image.TypeFile {
				k++
			}
		})
		if files < 0 || k < files {
			files = k
		}
	}
	w.pairs = make([]pair, 0, files)
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
		c := candidate{on: a, nn: b, parent: parent}
		if skip {
			c.bits |= skipBit
		}
		if a != nil && b != nil {
			if !skip {
				oe, ne := resolve(w.o, a), resolve(w.n, b)
				w.setReasons(&c, metaReasons(a, b, oe, ne, w.mode, w.opts))
				if oe.typ == image.TypeFile && ne.typ == image.TypeFile && oe.e.Size == ne.e.Size && !sameBlob(oe, ne) {
					w.pairs = append(w.pairs, pair{c: int(id), o: oe, n: ne})
				}
			}
		}
		if (a == nil || b == nil) && depth+1 > w.rtMax {
			// Everything below a path on one side only is on that side only: one candidate
			// stands for the subtree, expanded when changes are built.
			c.bits |= subtreeBit
			w.cands = append(w.cands, c)
			continue
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
	w.digs = make([]pairDigests, 0, len(w.pairs))
	for _, p := range w.pairs {
		od, nd := sums[p.o.e], sums[p.n.e]
		if od != nd {
			c := &w.cands[p.c]
			w.setReasons(c, addReason(w.reasons(c), "content"))
		}
		if od != "" && nd != "" {
			w.digs = append(w.digs, pairDigests{c: int32(p.c), old: od, new: nd})
		}
	}
	// The pairs and the digests by entry are done with: not held through building the
	// changes, the peak.
	w.pairs = nil
	return nil
}

// pairDigests are the content digests diff read of candidate c's two versions.
type pairDigests struct {
	c        int32
	old, new string
}

// digests returns the digests of candidate i's versions when diff read both to compare
// them, or nil (w.digs is in candidate order).
func (w *walk) digests(i int) *pairDigests {
	k, ok := slices.BinarySearchFunc(w.digs, int32(i), func(d pairDigests, c int32) int { return int(d.c - c) })
	if !ok {
		return nil
	}
	return &w.digs[k]
}

// real reports whether a candidate is a change of its own.
func (c *candidate) real() bool {
	return !c.skip() && (c.kind() != 'C' || c.why() != 0)
}

// markParents marks C every directory above a change that is not a change itself (on both
// sides), as docker diff does ("/" excepted). Children follow their parents, so one pass
// from the end carries the mark up.
func (w *walk) markParents() {
	for i := len(w.cands) - 1; i >= 0; i-- {
		c := &w.cands[i]
		if (c.real() || c.child()) && c.parent >= 0 {
			w.cands[c.parent].bits |= childBit
		}
	}
}

// ancestry follows the candidates in pre-order: the stack holds the chain of directories
// above the current one, each with its path's length in buf and its change (-1 for none),
// so a candidate's path and parent change cost its own name, whatever its depth.
type ancestry struct {
	stack []ancestor
	buf   []byte
}

type ancestor struct{ cand, plen, change int32 }

// next moves to candidate i and returns its path (valid until the next call) and its parent
// directory's change.
func (a *ancestry) next(w *walk, i int) ([]byte, int32) {
	c := &w.cands[i]
	for len(a.stack) > 0 && a.stack[len(a.stack)-1].cand != c.parent {
		a.stack = a.stack[:len(a.stack)-1]
	}
	a.buf = a.buf[:0]
	parent := int32(-1)
	if len(a.stack) > 0 {
		top := a.stack[len(a.stack)-1]
		a.buf, parent = a.buf[:top.plen], top.change
	}
	nd := c.on
	if nd == nil {
		nd = c.nn
	}
	a.buf = append(append(a.buf, '/'), nd.Name()...)
	a.stack = append(a.stack, ancestor{cand: int32(i), plen: int32(len(a.buf)), change: -1})
	return a.buf, parent
}

// mark records that the current candidate became change ch.
func (a *ancestry) mark(ch int32) { a.stack[len(a.stack)-1].change = ch }

// eachPath calls fn for every path of either tree, in pre-order, with its nodes (on or nn
// nil for a path on one side only) and its path (valid during the call).
func (w *walk) eachPath(fn func(on, nn *fstree.Node, p []byte)) {
	var a ancestry
	for i := range w.cands {
		c := &w.cands[i]
		p, _ := a.next(w, i)
		fn(c.on, c.nn, p)
		if c.subtree() {
			old := c.on != nil
			below(c.node(), p, 0, func(nd *fstree.Node, p []byte, _ int32) int32 {
				if old {
					fn(nd, nil, p)
				} else {
					fn(nil, nd, p)
				}
				return 0
			})
		}
	}
}

// changes builds the changes in pre-order, with each one's parent directory's change (an
// index into them, or -1 when the parent is not a change).
func (w *walk) changes() ([]Change, []int32) {
	n := 0
	for i := range w.cands {
		if c := &w.cands[i]; c.real() || (c.child() && c.kind() == 'C' && w.mode == ModeExport) {
			n++
			if c.subtree() {
				c.node().Each(func(*fstree.Node) { n++ })
			}
		}
	}
	var a ancestry
	out := make([]Change, 0, n)
	parents := make([]int32, 0, n)
	for i := range w.cands {
		c := &w.cands[i]
		buf, parent := a.next(w, i)
		var ch Change
		switch {
		case c.real():
			ch = w.change(i)
		case c.child() && c.kind() == 'C' && w.mode == ModeExport:
			ne := w.entry(w.n, c.nn)
			ch = Change{Kind: "C", Type: ne.Type, Old: w.entry(w.o, c.on), New: ne, Reasons: []string{"child"}}
		default:
			continue
		}
		switch {
		case c.on != nil && c.on.Entry != nil:
			ch.Path = c.on.Entry.Path // the same bytes: an entry's path is its node's
		case c.nn != nil && c.nn.Entry != nil:
			ch.Path = c.nn.Entry.Path
		default:
			ch.Path = w.paths.intern(buf)
		}
		a.mark(int32(len(out)))
		out = append(out, ch)
		parents = append(parents, parent)
		if c.subtree() && c.real() {
			w.expand(c, buf, int32(len(out)-1), &out, &parents)
		}
		if atPeak != nil && i == len(w.cands)-1 {
			atPeak() // the candidates are still needed here: this is the peak
		}
	}
	return out, parents
}

// expand adds a change for every path below a one-sided candidate's node, its root's change
// being change root.
func (w *walk) expand(c *candidate, p []byte, root int32, out *[]Change, parents *[]int32) {
	s, kind := w.o, "D"
	if c.on == nil {
		s, kind = w.n, "A"
	}
	below(c.node(), p, root, func(nd *fstree.Node, p []byte, parent int32) int32 {
		e := w.entry(s, nd)
		ch := Change{Kind: kind, Type: e.Type, Reasons: []string{}}
		if kind == "D" {
			ch.Old, ch.SizeDelta = e, -fileSize(s, nd)
		} else {
			ch.New, ch.SizeDelta = e, fileSize(s, nd)
		}
		if nd.Entry != nil {
			ch.Path = nd.Entry.Path
		} else {
			ch.Path = w.paths.intern(p)
		}
		*out = append(*out, ch)
		*parents = append(*parents, parent)
		return int32(len(*out) - 1)
	})
}

func (w *walk) change(i int) Change {
	c := &w.cands[i]
	switch c.kind() {
	case 'D':
		oe := w.entry(w.o, c.on)
		return Change{Kind: "D", Type: oe.Type, Old: oe, SizeDelta: -fileSize(w.o, c.on), Reasons: []string{}}
	case 'A':
		ne := w.entry(w.n, c.nn)
		return Change{Kind: "A", Type: ne.Type, New: ne, SizeDelta: fileSize(w.n, c.nn), Reasons: []string{}}
	}
	ne := w.entry(w.n, c.nn)
	ch := Change{Kind: "C", Type: ne.Type, Old: w.entry(w.o, c.on), New: ne,
		SizeDelta: fileSize(w.n, c.nn) - fileSize(w.o, c.on), Reasons: w.reasons(c)}
	if d := w.digests(i); d != nil {
		ch.Old.Digest, ch.New.Digest = &d.old, &d.new // no allocation per change
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

// pathArena holds paths back to back in large strings, so that a path costs its bytes and no
// allocation of its own. A strings.Builder only appends, and a full one is replaced, not
// grown: strings handed out never change.
type pathArena struct{ b strings.Builder }

func (a *pathArena) intern(p []byte) string {
	if a.b.Cap()-a.b.Len() < len(p) {
		a.b = strings.Builder{}
		a.b.Grow(max(64<<10, len(p)))
	}
	start := a.b.Len()
	a.b.Write(p)
	return a.b.String()[start:]
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
	// root[i] is the row changes[i] folds into, as an index into out; out is built in place
	// (a row never moves after a later change).
	root := make([]int32, len(changes))
	kinds := make([]string, len(changes))
	out := changes[:0]
	for i := range changes {
		c := changes[i]
		kinds[i] = c.Kind
		if p := parents[i]; p >= 0 && folds(c.Kind) && kinds[p] == c.Kind {
			root[i] = root[p]
			r := &out[root[i]]
			r.Entries++
			r.SizeDelta += c.SizeDelta
			r.Paths = append(r.Paths, c.Path)
			continue
		}
		root[i] = int32(len(out))
		out = append(out, c)
	}
	clear(changes[len(out):])
	return out
}
