package tui

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/render"
)

// tree is the file tree pane: the image as of one layer, or only that layer's changes. It
// keeps the visible rows as a slice of node indices, spliced on expand and collapse, so a
// key costs O(1) (or the rows it adds or removes) and a frame O(visible rows).
type tree struct {
	x           *explore.Index
	layer       int
	rows        []int32 // visible nodes, in display order
	cursor, top int
	expanded    []bool // per node, the open directories of the mode shown: one of
	open        []bool // the cumulative tree's, as the user left them
	openChanges []bool // the changes-only tree's: every directory holding a change, per layer
	changesOnly bool   // show only what the layer changed (and the directories holding it)
	bySize      bool   // siblings largest first instead of by name
	changed     []bool // per node, for changesOnly: marked by the layer or holding a marked node
	changedFor  int    // the layer changed and openChanges are for; -1 for none
	keep        []bool // per node, with a filter: a match or an ancestor of one; nil without
	sizes       map[int][]int64
	kids        []int32 // scratch for sorting siblings
}

func newTree(x *explore.Index, layer int) *tree {
	t := &tree{x: x, layer: layer, open: make([]bool, len(x.Nodes)), sizes: map[int][]int64{}}
	t.open[0] = true
	t.expanded = t.open
	t.changedFor = -1
	t.rebuild()
	return t
}

// sizesAt returns the per-node sizes as of layer, computed on first use (one pass) and kept
// for a few layers.
func (t *tree) sizesAt(layer int) []int64 {
	if layer < 0 {
		return nil
	}
	if s, ok := t.sizes[layer]; ok {
		return s
	}
	if len(t.sizes) >= 8 {
		for k := range t.sizes {
			if k != t.layer && k != t.layer-1 {
				delete(t.sizes, k)
			}
		}
	}
	s := t.x.Sizes(layer)
	t.sizes[layer] = s
	return s
}

// size is what the tree shows as node i's size: as of the layer, or, for a path the layer
// removed, what it held before. A directory sums what is below it, each inode once (as
// files --tree does); a file shows its own bytes (a hardlink its target's).
func (t *tree) size(i int, m explore.Mark) int64 {
	layer := t.layer
	if m == explore.Removed {
		layer--
	}
	if v := t.x.At(i, layer); v != nil && v.Type() != image.TypeDir {
		return v.Size()
	}
	return t.sizesAt(layer)[i]
}

// listed says whether node i is a row as of the layer (its parent being open).
func (t *tree) listed(i int32) bool {
	if t.keep != nil && !t.keep[i] {
		return false
	}
	if t.changesOnly {
		return t.changed[i]
	}
	v, _ := t.x.Shown(int(i), t.layer)
	return v != nil
}

// isDir says whether node i is a directory with rows to show under it. It scans the
// children only up to the first listed one.
func (t *tree) isDir(i int32) bool {
	v, _ := t.x.Shown(int(i), t.layer)
	if v == nil || v.Type() != image.TypeDir {
		return false
	}
	n := t.x.Nodes
	for c := i + 1; c < n[i].End; c = n[c].End {
		if t.listed(c) {
			return true
		}
	}
	return false
}

// appendRows appends node i's listed descendants, open directories recursively.
func (t *tree) appendRows(dst []int32, i int32) []int32 {
	n := t.x.Nodes
	if !t.bySize {
		for c := i + 1; c < n[i].End; c = n[c].End {
			if t.listed(c) {
				dst = append(dst, c)
				if t.expanded[c] {
					dst = t.appendRows(dst, c)
				}
			}
		}
		return dst
	}
	start := len(t.kids)
	for c := i + 1; c < n[i].End; c = n[c].End {
		if t.listed(c) {
			t.kids = append(t.kids, c)
		}
	}
	kids := t.kids[start:]
	sort.SliceStable(kids, func(a, b int) bool {
		ma, mb := t.mark(kids[a]), t.mark(kids[b])
		return t.size(int(kids[a]), ma) > t.size(int(kids[b]), mb)
	})
	for _, c := range kids {
		dst = append(dst, c)
		if t.expanded[c] {
			dst = t.appendRows(dst, c)
		}
	}
	t.kids = t.kids[:start]
	return dst
}

func (t *tree) mark(i int32) explore.Mark {
	_, m := t.x.Shown(int(i), t.layer)
	return m
}

// rebuild lays out the rows again (a new layer, mode, sort or filter), keeping the cursor
// on the same node when it is still listed.
func (t *tree) rebuild() {
	var at int32 = -1
	if t.cursor < len(t.rows) {
		at = t.rows[t.cursor]
	}
	if t.changesOnly && t.changedFor != t.layer {
		t.markChanged()
		t.changedFor = t.layer
	}
	t.rows = t.appendRows(t.rows[:0], 0)
	t.cursor = 0
	if at >= 0 {
		if r := t.rowOf(at); r >= 0 {
			t.cursor = r
		}
	}
}

// markChanged flags the nodes the layer marks and their ancestors, which it opens.
func (t *tree) markChanged() {
	if t.changed == nil {
		t.changed = make([]bool, len(t.x.Nodes))
		t.openChanges = make([]bool, len(t.x.Nodes))
	} else {
		clear(t.changed)
		clear(t.openChanges)
	}
	t.openChanges[0] = true
	for _, i := range t.x.Changes(t.layer) {
		for j := i; j > 0 && !t.changed[j]; j = t.x.Nodes[j].Parent {
			t.changed[j] = true
		}
		for j := t.x.Nodes[i].Parent; j > 0 && !t.openChanges[j]; j = t.x.Nodes[j].Parent {
			t.openChanges[j] = true
		}
	}
	t.expanded = t.openChanges
}

// setChangesOnly switches between the cumulative tree and the layer's changes.
func (t *tree) setChangesOnly(on bool) {
	t.changesOnly = on
	t.expanded = t.open
	if on && t.openChanges != nil {
		t.expanded = t.openChanges
	}
	t.rebuild()
}

// rowOf finds node i's row, or -1: by binary search when rows are in node order.
func (t *tree) rowOf(i int32) int {
	if !t.bySize {
		r := sort.Search(len(t.rows), func(k int) bool { return t.rows[k] >= i })
		if r < len(t.rows) && t.rows[r] == i {
			return r
		}
		return -1
	}
	for r, n := range t.rows {
		if n == i {
			return r
		}
	}
	return -1
}

// setLayer shows the tree as of another layer.
func (t *tree) setLayer(layer int) {
	t.layer = layer
	t.rebuild()
}

// expand opens the directory at the cursor, splicing its rows in.
func (t *tree) expand() {
	if t.cursor >= len(t.rows) {
		return
	}
	i := t.rows[t.cursor]
	if !t.isDir(i) || t.expanded[i] {
		return
	}
	t.expanded[i] = true
	sub := t.appendRows(nil, i)
	t.rows = slices.Insert(t.rows, t.cursor+1, sub...)
}

// collapse closes the directory at the cursor, cutting its rows out; on anything else it
// moves to the parent's row.
func (t *tree) collapse() {
	if t.cursor >= len(t.rows) {
		return
	}
	i := t.rows[t.cursor]
	d := t.x.Nodes[i].Depth
	if t.expanded[i] && t.isDir(i) {
		t.expanded[i] = false
		j := t.cursor + 1
		for j < len(t.rows) && t.x.Nodes[t.rows[j]].Depth > d {
			j++
		}
		t.rows = append(t.rows[:t.cursor+1], t.rows[j:]...)
		return
	}
	for r := t.cursor - 1; r >= 0; r-- {
		if t.x.Nodes[t.rows[r]].Depth < d {
			t.cursor = r
			return
		}
	}
}

// reveal makes node i a row (opening its ancestors, dropping the filter or the changes-only
// mode if they hide it) and puts the cursor on it.
func (t *tree) reveal(i int32) {
	if i <= 0 {
		return
	}
	if t.keep != nil && !t.keep[i] {
		t.keep = nil
	}
	if t.changesOnly && !t.changed[i] {
		t.changesOnly, t.expanded = false, t.open
	}
	for j := t.x.Nodes[i].Parent; j > 0; j = t.x.Nodes[j].Parent {
		t.expanded[j] = true
	}
	t.rows = t.appendRows(t.rows[:0], 0)
	if r := t.rowOf(i); r >= 0 {
		t.cursor = r
	}
}

// filter keeps the nodes that match q, with their ancestors, which it opens: with a "/",
// q is a glob over the whole path ("**" crosses directories: /etc/**/*.conf); else a glob
// over the name when it has *, ? or [ (*.so); else a case-insensitive substring of the name.
// One pass over the names, run once the user stops typing. An empty q removes the filter.
func (t *tree) filter(q string) error {
	if q == "" {
		t.keep = nil
		t.rebuild()
		return nil
	}
	var match func(i int, name string) bool
	switch {
	case strings.Contains(q, "/"):
		re, err := globRegexp(q)
		if err != nil {
			return fmt.Errorf("bad pattern %q", q)
		}
		paths := make([]string, len(t.x.Nodes)) // by node, built parent first (pre-order)
		paths[0] = ""
		match = func(i int, name string) bool {
			paths[i] = paths[t.x.Nodes[i].Parent] + "/" + name
			return re.MatchString(paths[i])
		}
	case strings.ContainsAny(q, "*?["):
		if _, err := path.Match(q, ""); err != nil {
			return fmt.Errorf("bad pattern %q", q)
		}
		match = func(_ int, name string) bool { ok, _ := path.Match(q, name); return ok }
	default:
		lq := strings.ToLower(q)
		match = func(_ int, name string) bool { return containsFold(name, lq) }
	}
	keep := t.keep
	if keep == nil {
		keep = make([]bool, len(t.x.Nodes))
	} else {
		clear(keep)
	}
	for i := 1; i < len(t.x.Nodes); i++ {
		if !match(i, t.x.Nodes[i].Name) {
			continue
		}
		keep[i] = true
		for j := t.x.Nodes[i].Parent; j > 0 && !keep[j]; j = t.x.Nodes[j].Parent {
			keep[j] = true
			t.expanded[j] = true
		}
	}
	t.keep = keep
	t.rebuild()
	return nil
}

// globRegexp compiles a path glob: ** any run of characters, * and ? within one component,
// [...] a class; anchored at both ends.
func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				i++
				if i+1 < len(g) && g[i+1] == '/' { // "**/": zero or more directories
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(g[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			class := g[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// containsFold reports whether s contains the lower-case lq, ignoring ASCII case without
// allocating for ASCII names.
func containsFold(s, lq string) bool {
	for k := 0; k < len(s); k++ {
		if c := s[k]; c >= 0x80 {
			return strings.Contains(strings.ToLower(s), lq)
		}
	}
	n := len(lq)
	for k := 0; k+n <= len(s); k++ {
		match := true
		for j := 0; j < n; j++ {
			c := s[k+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lq[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// move moves the cursor by d rows, clamped; height is the pane's content height.
func (t *tree) move(d, height int) {
	t.cursor = clamp(t.cursor+d, 0, len(t.rows)-1)
	t.scroll(height)
}

func (t *tree) scroll(height int) {
	t.cursor = clamp(t.cursor, 0, len(t.rows)-1)
	t.top = scrollTop(t.top, t.cursor, height, len(t.rows))
}

// selected is the node at the cursor, or -1.
func (t *tree) selected() int32 {
	if t.cursor < len(t.rows) {
		return t.rows[t.cursor]
	}
	return -1
}

// row formats node i as a tree row: marker, size, providing layer, indented name.
func (t *tree) row(i int32) (string, explore.Mark) {
	v, m := t.x.Shown(int(i), t.layer)
	if v == nil {
		return "", m
	}
	n := &t.x.Nodes[i]
	marker := m.String()
	if marker == "" {
		marker = " "
	}
	layer := "  -"
	if v.Layer >= 0 {
		layer = fmt.Sprintf("%3d", v.Layer)
	}
	icon := "  "
	if t.isDir(i) {
		if t.expanded[i] {
			icon = "▾ "
		} else {
			icon = "▸ "
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %8s %s  ", marker, render.Size(t.size(int(i), m)), layer)
	for k := int32(1); k < n.Depth; k++ {
		b.WriteString("  ")
	}
	b.WriteString(icon)
	b.WriteString(printable(n.Name))
	switch v.Type() {
	case image.TypeDir:
		b.WriteByte('/')
	case image.TypeSymlink:
		b.WriteString(" → " + printable(v.Entry.Link()))
	case image.TypeHardlink:
		b.WriteString(" ⇒ " + printable(v.Entry.Link()))
	}
	return b.String(), m
}

// describe is the status line for node i: its path, type, mode, owner and provider.
func (t *tree) describe(i int32) string {
	v, m := t.x.Shown(int(i), t.layer)
	if v == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(printable(t.x.Path(int(i))))
	if v.Entry == nil {
		fmt.Fprintf(&b, "  dir 0600 0:0 (implied: no layer wrote it)")
	} else {
		e := v.Entry
		fmt.Fprintf(&b, "  %s %s %d:%d", e.Type, image.Mode(e.Mode), e.UID, e.GID)
		if v.Type() == image.TypeFile || v.Type() == image.TypeHardlink {
			fmt.Fprintf(&b, " %s", render.Size(v.Size()))
		}
		fmt.Fprintf(&b, "  from layer %d", v.Layer)
		if e.Type == image.TypeHardlink && v.Target != nil {
			fmt.Fprintf(&b, " (content in layer %d)", v.TargetLayer)
		}
	}
	switch m {
	case explore.Added:
		fmt.Fprintf(&b, "  added by layer %d", t.layer)
	case explore.Modified:
		fmt.Fprintf(&b, "  modified by layer %d", t.layer)
	case explore.Removed:
		fmt.Fprintf(&b, "  removed by layer %d", t.layer)
	}
	return b.String()
}

func clamp(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}

// scrollTop keeps the cursor inside a window of height rows.
func scrollTop(top, cursor, height, n int) int {
	if height <= 0 {
		return clamp(cursor, 0, max(n-1, 0))
	}
	if cursor < top {
		top = cursor
	}
	if cursor >= top+height {
		top = cursor - height + 1
	}
	return clamp(top, 0, max(n-height, 0))
}
