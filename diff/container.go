package diff

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// ModeContainer is a container read from an engine's data root against its image.
const ModeContainer Mode = "container"

// kpath is one line of an engine's diff: A, C or D and the path.
type kpath struct {
	kind   byte
	path   string
	child  bool // C only because something below it changed
	opaque bool // D of a directory the container deleted and made again (overlay opaque)
	link   bool // C only as another name of a changed file's inode (containerd)
}

// Container compares a container read from an engine's data root (img.Container set) with
// its image, as the engine's own diff does — docker diff, podman diff, ctr snapshots diff —
// line for line: the rule the engine follows is img.Container.Changes. The engine's runtime
// entries (Docker's init layer, podman's mount points) are listed apart, as in export mode,
// and Flattened says what `docker export` of the container would lose. merged(n) is the
// merge of img's first n layers (the caller's, made once: Container only reads them).
func Container(img *image.Image, merged func(n int) *fstree.FS, opts Options) (*Result, error) {
	c := img.Container
	if c == nil {
		return nil, fmt.Errorf("%w: %s is an image, not a container", ErrMismatch, img.Source.Path)
	}
	base := c.ImageLayers
	if c.InitLayer {
		base++
	}
	if base > len(img.Layers)-1 || c.ImageLayers < 0 {
		return nil, fmt.Errorf("%w: container %s has %d layers for an image of %d", ErrMismatch, c.ID, len(img.Layers), c.ImageLayers)
	}
	imgOnly := *img
	imgOnly.Layers = img.Layers[:c.ImageLayers]
	imgOnly.Container = nil
	under := *img
	under.Layers = img.Layers[:base]
	o := &side{img: &imgOnly, fs: merged(c.ImageLayers)}
	b := o
	if base != c.ImageLayers {
		b = &side{img: &under, fs: merged(base)}
	}
	n := &side{img: img, fs: merged(len(img.Layers))}

	var ks []kpath
	var err error
	switch c.Changes {
	case image.ChangesNaive:
		ks = naiveChanges(b, n)
	case image.ChangesOverlay:
		ks = overlayChanges(img.Layers[:base], img.Writable())
	case image.ChangesContinuity:
		if ks, err = continuityChanges(b, n); err != nil {
			return nil, err
		}
		ks = withParents(linkPeers(ks, img.Writable(), n))
	default:
		return nil, fmt.Errorf("%w: unknown change rule %q", ErrMismatch, c.Changes)
	}

	r := &Result{Old: img.Source, New: img.Source, Mode: ModeContainer, Changes: []Change{}, Config: []ConfigChange{},
		Runtime: []string{}, Warnings: []string{}, Container: c}
	runtime := map[string]bool{}
	switch c.Engine {
	case EngineDocker:
		r.RuntimeBy = EngineDocker
		if c.InitLayer {
			for _, e := range img.Layers[c.ImageLayers].Entries {
				if e.Type == image.TypeDir && o.fs.Lookup(e.Path) != nil {
					continue // a directory of the image the init layer only holds entries in (/etc)
				}
				if e.Whiteout == image.NotWhiteout && n.fs.Lookup(e.Path) != nil && !runtime[e.Path] {
					runtime[e.Path] = true
					r.Runtime = append(r.Runtime, e.Path)
				}
			}
		}
	case EnginePodman:
		r.RuntimeBy = EnginePodman
		for _, p := range podmanInitPaths {
			runtime[p] = true
		}
	}
	rows := make([]Change, 0, len(ks))
	for _, k := range ks {
		if c.Engine == EnginePodman && runtime[k.path] {
			if n.fs.Lookup(k.path) != nil {
				r.Runtime = append(r.Runtime, k.path)
			}
			continue
		}
		rows = append(rows, containerChange(o, n, k))
	}
	sort.Strings(r.Runtime)
	if err := contentReasons(o, n, rows); err != nil {
		return nil, err
	}
	sort.SliceStable(rows, func(i, j int) bool { return fstree.ComparePaths(rows[i].Path, rows[j].Path) < 0 })
	// One D for a deleted tree, as the engine prints it, standing for what the tree held (its
	// paths listed, its bytes counted), as export mode folds a deleted directory.
	var held []Change
	for i := range rows {
		rows[i].Entries, rows[i].Paths = 1, []string{}
		if rows[i].Kind != "D" || rows[i].Old == nil || rows[i].Old.Type != image.TypeDir {
			continue
		}
		on := o.fs.Lookup(rows[i].Path)
		if on == nil {
			continue
		}
		below(on, []byte(rows[i].Path), 0, func(nd *fstree.Node, p []byte, _ int32) int32 {
			e := entryOf(o, nd)
			held = append(held, Change{Path: string(p), Kind: "D", Type: e.Type, Old: e, SizeDelta: -fileSize(o, nd)})
			rows[i].Entries++
			rows[i].SizeDelta -= fileSize(o, nd)
			rows[i].Paths = append(rows[i].Paths, string(p))
			return 0
		})
	}
	// The export a container would give is its merged tree, one layer, nothing else.
	export := &side{img: &image.Image{Source: img.Source, Layers: []*image.Layer{{}}}, fs: n.fs}
	if r.Flattened, err = flatten(o, export, append(append([]Change{}, rows...), held...)); err != nil {
		return nil, err
	}
	r.Summary.add(rows)
	r.Changes = rows
	r.different = len(rows) > 0
	return r, nil
}

// containerChange makes a change row of an engine's line: the path as the image shows it
// (old) and as the container does (new).
func containerChange(o, n *side, k kpath) Change {
	on, nn := o.fs.Lookup(k.path), n.fs.Lookup(k.path)
	ch := Change{Path: k.path, Kind: string(k.kind), Reasons: []string{}}
	if on != nil {
		ch.Old = entryOf(o, on)
		ch.Type = ch.Old.Type
		ch.SizeDelta -= fileSize(o, on)
	}
	if nn != nil && k.kind != 'D' {
		ch.New = entryOf(n, nn)
		ch.Type = ch.New.Type
		ch.SizeDelta += fileSize(n, nn)
	}
	switch {
	case k.kind == 'D' && k.opaque:
		ch.Reasons = []string{"opaque"}
	case k.kind == 'C' && k.link:
		ch.Reasons = []string{"link"}
	case k.kind == 'C' && on != nil && nn != nil:
		oe, ne := resolve(o, on), resolve(n, nn)
		ch.Reasons = attrReasons(oe.e, ne.e, oe.typ, false)
		if oe.typ != ne.typ {
			ch.Reasons = []string{"type"}
		}
		if len(ch.Reasons) == 0 && k.child {
			ch.Reasons = []string{"child"}
		}
		if len(ch.Reasons) == 0 && oe.e.MTime != ne.e.MTime {
			ch.Reasons = []string{"mtime"}
		}
	case k.kind == 'C' && on == nil:
		ch.Reasons = []string{"child"} // in no lower layer's merged view, yet C: the engine's own rule
	}
	if ch.Old == nil && ch.New == nil {
		ch.Type = image.TypeDir
	}
	return ch
}

// contentReasons adds "content" to changed regular files of equal size whose bytes differ.
func contentReasons(o, n *side, rows []Change) error {
	type pr struct {
		i    int
		a, b effective
	}
	var pairs []pr
	var refs []content.Ref
	for i := range rows {
		r := &rows[i]
		if r.Kind != "C" || r.Old == nil || r.New == nil || r.Old.Type != image.TypeFile || r.New.Type != image.TypeFile || r.Old.Size != r.New.Size {
			continue
		}
		a, b := resolve(o, o.fs.Lookup(r.Path)), resolve(n, n.fs.Lookup(r.Path))
		if a.layer == nil || b.layer == nil || a.e == b.e {
			continue
		}
		pairs = append(pairs, pr{i, a, b})
		refs = append(refs, content.Ref{Layer: a.layer, Entry: a.e}, content.Ref{Layer: b.layer, Entry: b.e})
	}
	if len(refs) == 0 {
		return nil
	}
	sums, err := content.Digests(refs, "sha256")
	if err != nil {
		return err
	}
	for _, p := range pairs {
		od, nd := sums[p.a.e], sums[p.b.e]
		r := &rows[p.i]
		r.Old.Digest, r.New.Digest = &od, &nd
		if od != nd {
			rs := []string{}
			for _, x := range r.Reasons {
				if x != "child" {
					rs = append(rs, x)
				}
			}
			r.Reasons = addReason(rs, "content")
		}
	}
	return nil
}

// stat is what the engines compare of a path: its lstat as the merged tree shows it (a
// hardlink shows its inode's).
type stat struct {
	typ        image.Type
	mode       uint32
	uid, gid   int
	maj, min   uint32
	size       int64 // lstat's: a regular file's bytes, a symlink's target length
	mtime      int64
	caps, link string
	e          *image.Entry
	layer      *image.Layer
}

func statOf(s *side, nd *fstree.Node) stat {
	ef := resolve(s, nd)
	st := stat{typ: ef.typ, mode: ef.e.Mode, uid: ef.e.UID, gid: ef.e.GID, mtime: ef.e.MTime, caps: ef.e.Caps(), e: ef.e, layer: ef.layer}
	st.maj, st.min = ef.e.Device()
	switch ef.typ {
	case image.TypeFile:
		st.size = ef.e.Size
	case image.TypeSymlink:
		st.link = ef.e.Link()
		st.size = int64(len(st.link))
	}
	return st
}

// sameTime is moby's sameFsTimeSpec: equal seconds, and equal nanoseconds unless either has
// none.
func sameTime(a, b int64) bool {
	as, an := a/1e9, a%1e9
	bs, bn := b/1e9, b%1e9
	return as == bs && (an == bn || an == 0 || bn == 0)
}

// naiveChanges is moby's ChangesDirs (Docker's diff for every driver, containers/storage's
// for vfs): the container's tree against its parent's, child by child.
func naiveChanges(o, n *side) []kpath {
	var out []kpath
	var walk func(on, nn *fstree.Node, p string, added bool)
	walk = func(on, nn *fstree.Node, p string, added bool) {
		start := len(out)
		oc := map[string]*fstree.Node{}
		if on != nil && on.IsDir() {
			for c := on.FirstChild(); c != nil; c = c.NextSibling() {
				oc[c.Name()] = c
			}
		}
		for c := nn.FirstChild(); c != nil; c = c.NextSibling() {
			cp := path.Join(p, c.Name())
			old := oc[c.Name()]
			delete(oc, c.Name())
			childAdded := false
			switch {
			case old == nil:
				out = append(out, kpath{kind: 'A', path: cp})
				childAdded = true
			case statDiffers(statOf(o, old), statOf(n, c)):
				out = append(out, kpath{kind: 'C', path: cp})
				childAdded = true
			}
			if c.IsDir() {
				walk(old, c, cp, childAdded)
			}
		}
		var gone []string
		for name := range oc {
			gone = append(gone, name)
		}
		sort.Strings(gone)
		for _, name := range gone {
			out = append(out, kpath{kind: 'D', path: path.Join(p, name)})
		}
		if len(out) > start && !added && p != "/" {
			out = append(out[:start+1], out[start:]...)
			out[start] = kpath{kind: 'C', path: p, child: true}
		}
	}
	walk(o.fs.Root, n.fs.Root, "/", false)
	return out
}

// statDiffers is moby's statDifferent, and the capability compared.
func statDiffers(a, b stat) bool {
	if a.typ != b.typ || a.mode != b.mode || a.uid != b.uid || a.gid != b.gid || a.maj != b.maj || a.min != b.min || a.caps != b.caps {
		return true
	}
	return a.typ != image.TypeDir && (!sameTime(a.mtime, b.mtime) || a.size != b.size)
}

// layerView is one lower layer's directory, as a lookup: each entry's path, the directories
// it implies, and its whiteouts (0/0 character devices on disk).
type layerView struct {
	m map[string]*image.Entry // nil value: an implied directory
}

var impliedDir = &image.Entry{Type: image.TypeDir, Mode: 0o755}

func viewOf(l *image.Layer) *layerView {
	v := &layerView{m: make(map[string]*image.Entry, len(l.Entries))}
	for i := range l.Entries {
		e := &l.Entries[i]
		for d := path.Dir(e.Path); d != "/"; d = path.Dir(d) {
			if _, ok := v.m[d]; ok {
				break
			}
			v.m[d] = impliedDir
		}
		if e.Whiteout == image.WhiteoutOpaque {
			if _, ok := v.m[e.Path]; !ok {
				v.m[e.Path] = impliedDir
			}
			continue
		}
		v.m[e.Path] = e
	}
	return v
}

// stat is os.Stat of the path in the layer's directory: symbolic links are followed, relative
// ones within the layer (an absolute one would be resolved against the host's own root by the
// engine: strata takes it as absent), and a path below a non-directory is absent.
func (v *layerView) stat(p string) *image.Entry {
	for hops := 0; hops < 40; hops++ {
		e, ok := v.lookupDirs(p)
		if !ok {
			return nil
		}
		if e.Type != image.TypeSymlink || e.Whiteout != image.NotWhiteout {
			return e
		}
		t := e.Link()
		if strings.HasPrefix(t, "/") {
			return nil
		}
		p = path.Join(path.Dir(p), t)
	}
	return nil
}

// lookupDirs finds p, following symlinks among its parent directories (relative only).
func (v *layerView) lookupDirs(p string) (*image.Entry, bool) {
	if p == "/" {
		return impliedDir, true
	}
	d := path.Dir(p)
	if d != "/" {
		de := v.stat(d)
		if de == nil || de.Type != image.TypeDir || de.Whiteout != image.NotWhiteout {
			return nil, false
		}
	}
	e, ok := v.m[p]
	return e, ok
}

// whiteout reports a whiteout (a 0/0 device) at p in the layer.
func (v *layerView) whiteout(p string) bool {
	e := v.stat(p)
	return e != nil && e.Whiteout == image.WhiteoutDelete
}

// overlayChanges is containers/storage's OverlayChanges (podman diff on overlay): it walks
// the writable layer's upper directory and looks each path up in the lower layers' directories,
// top down.
func overlayChanges(lower []*image.Layer, upper *image.Layer) []kpath {
	views := make([]*layerView, len(lower))
	for i := range lower {
		views[len(lower)-1-i] = viewOf(lower[i]) // top first
	}
	opaque := map[string]bool{}
	for _, e := range upper.Entries {
		if e.Whiteout == image.WhiteoutOpaque {
			opaque[e.Path] = true
		}
	}
	changed := map[string]bool{}
	var out []kpath
	for i := range upper.Entries {
		e := &upper.Entries[i]
		if e.Whiteout == image.WhiteoutOpaque || e.Path == "/" {
			continue
		}
		isDir := e.Type == image.TypeDir
		k := kpath{path: e.Path}
		switch {
		case e.Whiteout == image.WhiteoutDelete:
			k.kind = 'D'
		case isDir && opaque[e.Path] && opaqueDeleted(views, e.Path):
			k.kind, k.opaque = 'D', true
		default:
			k.kind = 'A'
			skip := false
		scan:
			for _, v := range views {
				for d := e.Path; d != "/"; d = path.Dir(d) {
					if v.whiteout(d) {
						break scan
					}
				}
				le := v.stat(e.Path)
				if le == nil {
					continue
				}
				if le.Type == image.TypeDir && isDir && le.Mode == e.Mode && sameTime(le.MTime, e.MTime) {
					skip = true // the same directory: not a change
				}
				k.kind = 'C'
				break
			}
			if skip {
				continue
			}
		}
		if isDir {
			changed[e.Path] = true
		}
		if k.kind == 'A' || k.kind == 'D' {
			var tail []kpath
			for d := path.Dir(e.Path); d != "/"; d = path.Dir(d) {
				if !changed[d] {
					tail = append([]kpath{{kind: 'C', path: d, child: true}}, tail...)
					changed[d] = true
				}
			}
			out = append(out, tail...)
		}
		out = append(out, k)
	}
	return out
}

// opaqueDeleted is containers/storage's rule for an opaque directory: deleted (and made
// again) when the first lower layer that has the path has it as something other than a
// whiteout, and no parent of it is whited out there.
func opaqueDeleted(views []*layerView, p string) bool {
	for _, v := range views {
		if le := v.stat(p); le != nil {
			return le.Whiteout != image.WhiteoutDelete
		}
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if v.whiteout(d) {
				return false
			}
		}
	}
	return false
}

// continuityChanges is containerd's walking differ (continuity's double walk): paths on one
// side only are added or deleted (a deleted directory's contents with it), paths on both are
// modified unless sameFile.
func continuityChanges(o, n *side) ([]kpath, error) {
	var out []kpath
	type cmp struct {
		k    int
		a, b stat
	}
	var pending []cmp
	var walk func(on, nn *fstree.Node, p string)
	walk = func(on, nn *fstree.Node, p string) {
		var oc, nc []*fstree.Node
		if on != nil && on.IsDir() {
			oc = on.Children()
		}
		if nn != nil && nn.IsDir() {
			nc = nn.Children()
		}
		i, j := 0, 0
		for i < len(oc) || j < len(nc) {
			var a, b *fstree.Node
			switch {
			case j >= len(nc) || (i < len(oc) && oc[i].Name() < nc[j].Name()):
				a = oc[i]
				i++
			case i >= len(oc) || nc[j].Name() < oc[i].Name():
				b = nc[j]
				j++
			default:
				a, b = oc[i], nc[j]
				i++
				j++
			}
			if b == nil {
				out = append(out, kpath{kind: 'D', path: path.Join(p, a.Name())})
				continue // its contents go with it
			}
			cp := path.Join(p, b.Name())
			if a == nil {
				out = append(out, kpath{kind: 'A', path: cp})
				walk(nil, b, cp)
				continue
			}
			sa, sb := statOf(o, a), statOf(n, b)
			same, needContent := sameFile(sa, sb)
			switch {
			case needContent:
				pending = append(pending, cmp{len(out), sa, sb})
				out = append(out, kpath{kind: 'C', path: cp})
			case !same:
				out = append(out, kpath{kind: 'C', path: cp})
			}
			if b.IsDir() {
				walk(a, b, cp)
			}
		}
	}
	walk(o.fs.Root, n.fs.Root, "/")
	if len(pending) > 0 {
		refs := make([]content.Ref, 0, 2*len(pending))
		for _, c := range pending {
			refs = append(refs, content.Ref{Layer: c.a.layer, Entry: c.a.e}, content.Ref{Layer: c.b.layer, Entry: c.b.e})
		}
		sums, err := content.Digests(refs, "sha256")
		if err != nil {
			return nil, err
		}
		for _, c := range pending {
			if sums[c.a.e] == sums[c.b.e] {
				out[c.k].kind = 0 // the same content: unchanged
			}
		}
		kept := out[:0]
		for _, k := range out {
			if k.kind != 0 {
				kept = append(kept, k)
			}
		}
		out = kept
	}
	return out, nil
}

// sameFile is continuity's: stat (mode, owner, device), capability; for non-directories size
// and mtime seconds, then nanoseconds, or — when both lack them — the symlink target or the
// content (needContent: the caller compares it).
func sameFile(a, b stat) (same, needContent bool) {
	if a.e == b.e {
		return true, false
	}
	if a.typ != b.typ || a.mode != b.mode || a.uid != b.uid || a.gid != b.gid || a.maj != b.maj || a.min != b.min || a.caps != b.caps {
		return false, false
	}
	if a.typ == image.TypeDir {
		return true, false
	}
	if a.size != b.size || a.mtime/1e9 != b.mtime/1e9 {
		return false, false
	}
	an, bn := a.mtime%1e9, b.mtime%1e9
	switch {
	case an == 0 && bn == 0 && a.typ == image.TypeSymlink:
		return a.link == b.link, false
	case an == 0 && bn == 0 && a.typ == image.TypeFile && a.size > 0:
		return false, true
	case an == 0 && bn == 0:
		return true, false
	}
	return an == bn, false
}

// linkPeers adds, as containerd's diff tar does, the other names of a hardlinked file of the
// writable layer one of whose names changed: its ChangeWriter writes them as hardlinks of it,
// unchanged as they are.
func linkPeers(ks []kpath, rw *image.Layer, n *side) []kpath {
	groups := map[string][]string{} // first name → every name of the inode
	for _, e := range rw.Entries {
		if e.Type == image.TypeHardlink && e.Whiteout == image.NotWhiteout {
			if len(groups[e.Link()]) == 0 {
				groups[e.Link()] = []string{e.Link()}
			}
			groups[e.Link()] = append(groups[e.Link()], e.Path)
		}
	}
	if len(groups) == 0 {
		return ks
	}
	listed := map[string]bool{}
	for _, k := range ks {
		listed[k.path] = true
	}
	var add []kpath
	for _, names := range groups {
		hit := false
		for _, p := range names {
			hit = hit || listed[p]
		}
		if !hit {
			continue
		}
		for _, p := range names {
			if !listed[p] && n.fs.Lookup(p) != nil {
				listed[p] = true
				add = append(add, kpath{kind: 'C', path: p, link: true})
			}
		}
	}
	ks = append(ks, add...)
	sort.SliceStable(ks, func(i, j int) bool { return fstree.ComparePaths(ks[i].path, ks[j].path) < 0 })
	return ks
}

// withParents adds, as containerd's diff tar does (its ChangeWriter includes every parent
// directory of an entry), each directory above a change that is not a change itself.
func withParents(ks []kpath) []kpath {
	seen := map[string]bool{}
	for _, k := range ks {
		seen[k.path] = true
	}
	var out []kpath
	for _, k := range ks {
		var tail []kpath
		for d := path.Dir(k.path); d != "/"; d = path.Dir(d) {
			if !seen[d] {
				seen[d] = true
				tail = append([]kpath{{kind: 'C', path: d, child: true}}, tail...)
			}
		}
		out = append(out, tail...)
		out = append(out, k)
	}
	return out
}

var _ = bytes.Equal
