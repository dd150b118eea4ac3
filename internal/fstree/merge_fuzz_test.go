package fstree

import (
	"path"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/image"
)

// fzNames are the raw tar names the fuzzer composes layers from: few enough that
// overwrites, replacements, whiteouts and opaque markers of the same places collide often.
var fzNames = []string{"a", "b", "a/b", "a/b/c", "b/a", "c", "a/c", "./a/", "/b/", "a/b/c/d"}

// fzDecode turns bytes into layers of entries normalised as the loader normalises tar
// headers (absolute cleaned paths; `.wh.` and `.wh..wh..opq` markers as whiteouts). Each
// entry takes two bytes: an op and a name; hardlinks take a third for the target.
func fzDecode(b []byte) []*image.Layer {
	layers := []*image.Layer{{Index: 0}}
	for len(b) >= 2 {
		op, name := b[0]%9, fzNames[int(b[1])%len(fzNames)]
		b = b[2:]
		p := path.Clean("/" + name)
		e := image.Entry{Path: p, Mode: 0o644}
		switch op {
		case 0:
			e.Type, e.Size = image.TypeFile, int64(len(layers))
		case 1:
			e.Type = image.TypeDir
		case 2:
			e.Type = image.TypeSymlink
			e.SetLink("x")
		case 3:
			if len(b) == 0 {
				continue
			}
			e.Type = image.TypeHardlink
			e.SetLink(path.Clean("/" + fzNames[int(b[0])%len(fzNames)]))
			b = b[1:]
		case 4: // name/.wh..wh..opq
			e.Type, e.Whiteout = image.TypeDir, image.WhiteoutOpaque
		case 5: // dir/.wh.base
			e.Type, e.Whiteout = image.TypeFile, image.WhiteoutDelete
		case 6:
			layers = append(layers, &image.Layer{Index: len(layers)})
			continue
		case 7: // "./" or "/": the root directory itself
			e.Path, e.Type = "/", image.TypeDir
		case 8:
			e.Type = image.TypeFifo
		}
		l := layers[len(layers)-1]
		l.Entries = append(l.Entries, e)
	}
	return layers
}

// refNode is a path of the reference model: an entry (nil for a directory no entry
// wrote), its layer (-1 then) and a hardlink's target.
type refNode struct {
	e      *image.Entry
	layer  int
	target *image.Entry
}

func (n *refNode) isDir() bool { return n.e == nil || n.e.Type == image.TypeDir }

// refMerge is a naive model of OCI layer merging over a flat map of paths.
type refMerge struct {
	m      map[string]*refNode
	root   *refNode
	hidden map[*image.Entry]refHidden // why each shipped entry no longer shows
}

type refHidden struct {
	by     int
	hider  *image.Entry
	reason Reason
}

// hide removes p (for reason top) and, if below is not empty, its descendants (for below).
func (r *refMerge) hide(p string, by int, hider *image.Entry, top, below Reason) {
	if n := r.m[p]; n != nil {
		if n.e != nil {
			r.hidden[n.e] = refHidden{by, hider, top}
		}
		delete(r.m, p)
	}
	r.hideBelow(p, by, hider, below)
}

func (r *refMerge) hideBelow(p string, by int, hider *image.Entry, reason Reason) {
	for q, n := range r.m {
		if under(q, p) {
			if n.e != nil {
				r.hidden[n.e] = refHidden{by, hider, reason}
			}
			delete(r.m, q)
		}
	}
}

// implyDirs creates missing directories down to p and reports whether p is then a directory.
func (r *refMerge) implyDirs(p string) bool {
	var chain []string
	for a := p; a != "/"; a = path.Dir(a) {
		chain = append(chain, a)
	}
	for k := len(chain) - 1; k >= 0; k-- {
		n := r.m[chain[k]]
		if n == nil {
			r.m[chain[k]] = &refNode{layer: -1}
			continue
		}
		if !n.isDir() {
			return false
		}
	}
	return true
}

func under(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

func refRun(layers []*image.Layer) *refMerge {
	r := &refMerge{m: map[string]*refNode{}, hidden: map[*image.Entry]refHidden{}}
	for li, l := range layers {
		for i := range l.Entries {
			e := &l.Entries[i]
			// A whiteout's missing parents are implied, as extraction creates them; a
			// non-directory in the way stops that.
			switch e.Whiteout {
			case image.WhiteoutDelete:
				if e.Path != "/" && r.implyDirs(path.Dir(e.Path)) {
					r.hide(e.Path, li, e, Deleted, Deleted)
				}
			case image.WhiteoutOpaque:
				if r.implyDirs(e.Path) {
					r.hideBelow(e.Path, li, e, Opaque)
				}
			}
		}
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Whiteout != image.NotWhiteout {
				continue
			}
			if e.Path == "/" {
				if r.root != nil {
					r.hidden[r.root.e] = refHidden{li, e, Overwritten}
				}
				r.root = &refNode{e: e, layer: li}
				continue
			}
			// Missing parents are implied; non-directories in the way are replaced by them.
			var parents []string
			for a := path.Dir(e.Path); a != "/"; a = path.Dir(a) {
				parents = append(parents, a)
			}
			for k := len(parents) - 1; k >= 0; k-- {
				if n := r.m[parents[k]]; n == nil || !n.isDir() {
					if n != nil {
						r.hidden[n.e] = refHidden{li, e, Replaced}
					}
					r.m[parents[k]] = &refNode{layer: -1}
				}
			}
			n := &refNode{e: e, layer: li}
			if e.Type == image.TypeHardlink {
				if t := r.m[e.Link()]; t != nil && !t.isDir() {
					switch {
					case t.target != nil:
						n.target = t.target
					case t.e.Type != image.TypeHardlink:
						n.target = t.e
					}
				}
			}
			if old := r.m[e.Path]; old != nil && old.isDir() && e.Type == image.TypeDir {
				if old.e != nil {
					r.hidden[old.e] = refHidden{li, e, Overwritten}
				}
			} else {
				// The same type over a path overwrites it; another type replaces it.
				top := Replaced
				if old != nil && old.e != nil && old.e.Type == e.Type {
					top = Overwritten
				}
				r.hide(e.Path, li, e, top, Replaced)
			}
			r.m[e.Path] = n
		}
	}
	return r
}

func FuzzMerge(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 2, 6, 0, 5, 0, 0, 2})                // dir a, file a/b | delete a, file a/b
	f.Add([]byte{1, 0, 0, 2, 0, 3, 6, 0, 4, 0, 0, 6})          // opaque a over a/b, a/b/c
	f.Add([]byte{0, 0, 3, 2, 0, 6, 0, 5, 0, 0, 0, 0})          // hardlink a/b -> a, then delete a
	f.Add([]byte{0, 0, 3, 5, 0, 3, 2, 5, 6, 0, 0, 0, 5, 5})    // hardlink chains
	f.Add([]byte{0, 3, 0, 0, 1, 2, 7, 0, 6, 0, 4, 7, 0, 1, 0}) // file under a file, root opaque
	f.Add([]byte{1, 9, 0, 9, 2, 0, 6, 0, 1, 0, 0, 0, 8, 0, 3, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		layers := fzDecode(b)
		fs := Merge(layers)

		// Structure: paths match positions; only directories have children.
		seen := map[*image.Entry]int{}
		var walk func(n *Node, p string)
		walk = func(n *Node, p string) {
			if n.Path() != p {
				t.Fatalf("node at %s has Path %s", p, n.Path())
			}
			if n.Entry != nil {
				seen[n.Entry]++
				if n.Entry.Path != p {
					t.Fatalf("node at %s holds the entry of %s", p, n.Entry.Path)
				}
				if n.first != nil && n.Entry.Type != image.TypeDir {
					t.Fatalf("%s is a %s with children", p, n.Entry.Type)
				}
			} else if n.Layer != -1 {
				t.Fatalf("implied directory %s has layer %d", p, n.Layer)
			}
			if n.Target != nil && (n.Target.Type == image.TypeHardlink || n.Target.Type == image.TypeDir) {
				t.Fatalf("hardlink %s has a %s as target", p, n.Target.Type)
			}
			for c := n.first; c != nil; c = c.next {
				if c.next != nil && c.next.name <= c.name {
					t.Fatalf("children %q and %q of %s are out of order", c.name, c.next.name, p)
				}
				if c.parent != n {
					t.Fatalf("child %q of %s has another parent", c.name, p)
				}
				if n.Child(c.name) != c {
					t.Fatalf("Child(%q) of %s does not find it", c.name, p)
				}
				walk(c, path.Join(p, c.name))
			}
		}
		walk(fs.Root, "/")
		if !fs.Root.IsDir() {
			t.Fatalf("the root is not a directory")
		}

		// Conservation: every shipped entry is visible or hidden, exactly once.
		for _, h := range fs.Hidden {
			seen[h.Entry]++
			if h.By < h.Layer {
				t.Errorf("%s of layer %d hidden by lower layer %d", h.Entry.Path, h.Layer, h.By)
			}
			if h.Layer < 0 || h.Layer >= len(layers) || !inLayer(layers[h.Layer], h.Entry) {
				t.Errorf("%s: hidden with layer %d, which does not hold it", h.Entry.Path, h.Layer)
			}
		}
		for li, l := range layers {
			for i := range l.Entries {
				e := &l.Entries[i]
				want := 1
				if e.Whiteout != image.NotWhiteout {
					want = 0
				}
				if seen[e] != want {
					t.Errorf("layer %d entry %d (%s %s, whiteout %d): visible or hidden %d times, want %d",
						li, i, e.Type, e.Path, e.Whiteout, seen[e], want)
				}
			}
		}

		// The merge agrees with the naive model.
		ref := refRun(layers)
		vis := ref.m
		got := map[string]*Node{}
		var last string
		fs.Walk(func(p string, n *Node) {
			if p != n.Path() {
				t.Errorf("Walk gives path %s, Path() %s", p, n.Path())
			}
			if last != "" && ComparePaths(last, p) >= 0 {
				t.Errorf("Walk visits %s after %s", p, last)
			}
			last = p
			got[p] = n
		})
		for p, n := range got {
			r := vis[p]
			if r == nil {
				t.Errorf("%s is visible; the model hides it", p)
				continue
			}
			if n.Entry != r.e || int(n.Layer) != r.layer {
				t.Errorf("%s: entry of layer %d, the model's of layer %d", p, n.Layer, r.layer)
			}
			if n.Entry != nil && n.Entry.Type == image.TypeHardlink && n.Target != r.target {
				t.Errorf("hardlink %s: target %v, the model's %v", p, n.Target, r.target)
			}
		}
		for p := range vis {
			if got[p] == nil {
				t.Errorf("%s is hidden; the model shows it", p)
			}
		}
		if ref.root != nil && (fs.Root.Entry != ref.root.e || int(fs.Root.Layer) != ref.root.layer) {
			t.Errorf("root: layer %d, the model's layer %d", fs.Root.Layer, ref.root.layer)
		}
		for _, h := range fs.Hidden {
			if want, ok := ref.hidden[h.Entry]; !ok {
				t.Errorf("%s of layer %d: hidden by %d (%s); the model shows it", h.Entry.Path, h.Layer, h.By, h.Reason)
			} else if h.By != want.by || h.Reason != want.reason || h.Hider != want.hider {
				t.Errorf("%s of layer %d: hidden by %d (%s, %+v); the model says by %d (%s, %+v)",
					h.Entry.Path, h.Layer, h.By, h.Reason, h.Hider, want.by, want.reason, want.hider)
			}
		}
		if len(fs.Hidden) != len(ref.hidden) {
			t.Errorf("%d hidden entries; the model hides %d", len(fs.Hidden), len(ref.hidden))
		}
		// The log of MergeLogged, replayed up to each layer, is the merge of that prefix.
		logged := MergeLogged(layers)
		if len(logged.Hidden) != len(fs.Hidden) {
			t.Errorf("MergeLogged hides %d entries, Merge %d", len(logged.Hidden), len(fs.Hidden))
		}
		checkLog(t, layers, logged.Log)
		// Lookup finds what Walk shows.
		for p, n := range got {
			if fs.Lookup(p) != n {
				t.Errorf("Lookup(%s) does not find the walked node", p)
			}
		}
	})
}

func inLayer(l *image.Layer, e *image.Entry) bool {
	for i := range l.Entries {
		if &l.Entries[i] == e {
			return true
		}
	}
	return false
}

// checkLog replays a merge log layer by layer and compares each state with the merge of
// the layers so far: the same paths, entries and providing layers.
func checkLog(t *testing.T, layers []*image.Layer, log []Step) {
	t.Helper()
	type state struct {
		e     *image.Entry
		layer int
	}
	live := map[*Node]state{}
	next := 0
	for li := range layers {
		for ; next < len(log) && log[next].Layer <= li; next++ {
			s := log[next]
			if s.Layer < li {
				t.Fatalf("log step %d is for layer %d after layer %d's", next, s.Layer, li)
			}
			provider := s.Layer
			if s.Entry == nil {
				provider = -1
			}
			switch s.Op {
			case Created:
				if _, ok := live[s.Node]; ok {
					t.Fatalf("layer %d: %s created twice", li, s.Node.Path())
				}
				live[s.Node] = state{s.Entry, provider}
			case Updated:
				if _, ok := live[s.Node]; !ok && s.Node.parent != nil {
					t.Fatalf("layer %d: %s updated while not visible", li, s.Node.Path())
				}
				live[s.Node] = state{s.Entry, provider}
			case Removed:
				if _, ok := live[s.Node]; !ok {
					t.Fatalf("layer %d: %s removed while not visible", li, s.Node.Path())
				}
				delete(live, s.Node)
			}
		}
		got := map[string]state{}
		for n, st := range live {
			if n.parent != nil {
				got[n.Path()] = st
			}
		}
		want := map[string]state{}
		Merge(layers[:li+1]).Walk(func(p string, n *Node) { want[p] = state{n.Entry, int(n.Layer)} })
		if len(got) != len(want) {
			t.Errorf("as of layer %d the log shows %d paths, the merge %d", li, len(got), len(want))
		}
		for p, w := range want {
			if g, ok := got[p]; !ok || g != w {
				t.Errorf("as of layer %d, %s: log %+v, merge %+v", li, p, g, w)
			}
		}
	}
	if next != len(log) {
		t.Errorf("log has %d steps past the last layer", len(log)-next)
	}
}
