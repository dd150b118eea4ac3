package packages

import (
	"fmt"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Options tune Of.
type Options struct {
	Limits Limits // the zero value means DefaultLimits
}

// analysis is one run of Of.
type analysis struct {
	img    *image.Image
	fs     *fstree.FS
	lim    Limits
	s      *scanned
	warns  []string
	total  int64 // bytes of databases and metadata read (atomic while reading)
	listed int64 // paths the file lists read name (atomic while reading)
	stated int64 // packages the versions read state, every version counted (atomic while reading)
	reads  map[Ecosystem]*Read
	res    *resolver

	// The timeline.
	keys    []string         // key id → key
	keyID   map[string]int32 // key → id
	hist    [][]transition   // key id → its changes, in layer order
	final   []*provider      // key id → its provider after the last layer (nil: absent)
	changed [][]int32        // layer → key ids that changed there

	// Ownership and bytes.
	owners      map[string][]span // canonical path → the packages whose lists name it, when
	prefixes    map[string][]span // npm package directory → its package, when
	finalList   map[int32][]string
	layerBytes  []map[int32]*LayerSize // layer → key id → bytes its files take in the layer
	layerOwned  []int64
	layerOther  []int64
	hiddenBytes map[int32]*LayerSize
	paths       int
}

// provider is one version of a location stating one package.
type provider struct {
	v *version
	p *pkgInfo
}

// transition is a change of a package by a layer: from nil (installed), to nil (removed),
// or between two versions.
type transition struct {
	layer    int
	from, to *pkgInfo
}

// span says a package's list names a path from layer From up to (not including) Until.
type span struct {
	key         int32
	from, until int32
}

// Of reports the packages of an image merged into fs, reading only the databases and
// metadata files each ecosystem needs, through the layers' content access.
func Of(img *image.Image, fs *fstree.FS, opts Options) (*Report, error) {
	lim := opts.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	a := &analysis{img: img, fs: fs, lim: lim, reads: map[Ecosystem]*Read{}, keyID: map[string]int32{}}
	a.s = scan(img, fs)
	if err := a.read(); err != nil {
		return nil, err
	}
	a.res = newResolver(fs)
	a.timeline()
	if err := a.index(); err != nil {
		return nil, err
	}
	a.account()
	return a.report(), nil
}

func (a *analysis) warn(format string, args ...any) {
	a.warns = append(a.warns, fmt.Sprintf(format, args...))
}

func (a *analysis) id(key string) int32 {
	if id, ok := a.keyID[key]; ok {
		return id
	}
	id := int32(len(a.keys))
	a.keys = append(a.keys, key)
	a.keyID[key] = id
	a.hist = append(a.hist, nil)
	a.final = append(a.final, nil)
	return id
}

// states reports whether a kind's locations state packages (rather than lists or settings).
func states(k kind) bool {
	switch k {
	case kDpkgStatus, kDpkgStatusD, kAPK, kRPM, kPyMeta, kNPM, kBinary, kJar:
		return true
	}
	return false
}

// timeline replays the layers: which package each database states after each layer, and
// every change (installed, removed, a version changed) with the layer that made it.
func (a *analysis) timeline() {
	n := len(a.img.Layers)
	starts := make([][]*version, n)
	ends := make([][]*version, n+1)
	for _, loc := range a.s.order {
		if !states(loc.kind) {
			continue
		}
		for _, v := range loc.versions {
			if !v.read || v.until <= v.layer {
				continue
			}
			starts[v.layer] = append(starts[v.layer], v)
			ends[v.until] = append(ends[v.until], v)
		}
	}
	providers := map[int32][]provider{}
	a.changed = make([][]int32, n)
	for l := 0; l < n; l++ {
		touched := map[int32]bool{}
		for _, v := range ends[l] {
			for _, p := range v.pkgs {
				id := a.id(p.key)
				ps := providers[id]
				for i := range ps {
					if ps[i].v == v && ps[i].p == p {
						ps = append(ps[:i], ps[i+1:]...)
						break
					}
				}
				providers[id] = ps
				touched[id] = true
			}
		}
		for _, v := range starts[l] {
			for _, p := range v.pkgs {
				id := a.id(p.key)
				providers[id] = append(providers[id], provider{v, p})
				touched[id] = true
			}
		}
		ids := make([]int32, 0, len(touched))
		for id := range touched {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return a.keys[ids[i]] < a.keys[ids[j]] })
		for _, id := range ids {
			next := pick(providers[id])
			old := a.final[id]
			a.final[id] = next
			var from, to *pkgInfo
			if old != nil {
				from = old.p
			}
			if next != nil {
				to = next.p
			}
			if from == nil && to == nil || from != nil && to != nil && from.version == to.version && from.arch == to.arch {
				continue
			}
			a.hist[id] = append(a.hist[id], transition{layer: l, from: from, to: to})
			a.changed[l] = append(a.changed[l], id)
		}
	}
}

// pick is the provider that counts when several state one package: the newest layer's,
// then the first path.
func pick(ps []provider) *provider {
	var best *provider
	for i := range ps {
		p := &ps[i]
		if best == nil || p.v.layer > best.v.layer || p.v.layer == best.v.layer && p.v.loc.path < best.v.loc.path {
			best = p
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}

// presentAt reports whether a key's package is present after layer l.
func (a *analysis) presentAt(id int32, l int) bool {
	present := false
	for _, t := range a.hist[id] {
		if t.layer > l {
			break
		}
		present = t.to != nil
	}
	return present
}

// debArch is the architecture of the dpkg package called name present after layer l (a
// .list file without ":ARCH" belongs to the one package of that name).
func (a *analysis) debArch(name string, l int) (string, bool) {
	prefix := "deb|" + name + ":"
	var found []string
	for id, k := range a.keys {
		if strings.HasPrefix(k, prefix) && a.presentAt(int32(id), l) {
			found = append(found, k[len(prefix):])
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return "", false
}
