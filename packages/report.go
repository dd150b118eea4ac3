package packages

import (
	"path"
	"sort"
	"strings"

	vorder "github.com/strata-dev/strata/packages/version"
)

// report assembles the Report from the timeline and the byte accounting.
func (a *analysis) report() *Report {
	n := len(a.img.Layers)
	r := &Report{
		Source: a.img.Source, ID: a.img.ID, RepoTags: a.img.RepoTags,
		Packages: []Package{}, Removed: []Removed{}, Layers: make([]Layer, n), Read: []Read{}, Warnings: a.warns,
	}
	if r.RepoTags == nil {
		r.RepoTags = []string{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if loc := a.s.locs[p]; loc != nil && r.Distro == nil {
			if v := loc.at(n - 1); v != nil && v.osrel != nil {
				r.Distro = v.osrel
			}
		}
	}
	createdBy := func(l int) string { return a.img.Layers[l].CreatedBy() }
	for id := range a.keys {
		id := int32(id)
		h := a.hist[id]
		if len(h) == 0 {
			continue
		}
		installed := 0
		for i, t := range h {
			if t.from == nil {
				installed = i
			}
		}
		if fp := a.final[id]; fp != nil {
			p := fp.p
			pk := Package{
				Ecosystem: p.eco, Name: p.name, Version: p.version, Arch: p.arch, Location: p.location,
				Layer: h[installed].layer, CreatedBy: createdBy(h[installed].layer),
				Licenses: p.licenses, PURL: purl(p, r.Distro), Source: p.source, LayerSizes: []LayerSize{},
			}
			if pk.Licenses == nil {
				pk.Licenses = []string{}
			}
			for _, t := range h[installed+1:] {
				if t.from != nil && t.to != nil {
					pk.Changed = &Change{Layer: t.layer, CreatedBy: createdBy(t.layer), OldVersion: t.from.version,
						Direction: direction(p.eco, t.from.version, t.to.version)}
				}
			}
			pk.Size, pk.Files = a.finalSize(id, p)
			if hs := a.hiddenBytes[id]; hs != nil {
				pk.HiddenSize, pk.HiddenFiles = hs.Size, hs.Files
			}
			for l := 0; l < n; l++ {
				if ls := a.layerBytes[l][id]; ls != nil {
					pk.LayerSizes = append(pk.LayerSizes, *ls)
				}
			}
			if p.installed >= 0 {
				v := p.installed
				pk.InstalledSize = &v
			}
			r.Packages = append(r.Packages, pk)
			continue
		}
		last := h[len(h)-1]
		p := last.from
		rm := Removed{Ecosystem: p.eco, Name: p.name, Version: p.version, Arch: p.arch, Location: p.location,
			Layer: h[installed].layer, CreatedBy: createdBy(h[installed].layer),
			RemovedIn: last.layer, RemovedBy: createdBy(last.layer), PURL: purl(p, r.Distro)}
		if hs := a.hiddenBytes[id]; hs != nil {
			rm.HiddenSize, rm.HiddenFiles = hs.Size, hs.Files
		}
		r.Removed = append(r.Removed, rm)
	}
	sort.Slice(r.Packages, func(i, j int) bool {
		x, y := &r.Packages[i], &r.Packages[j]
		if x.Ecosystem == y.Ecosystem && x.Name == y.Name && x.Arch == y.Arch && x.Location == y.Location {
			return vorder.Compare(string(x.Ecosystem), x.Version, y.Version) < 0 // installonly rpms
		}
		return less(x.Ecosystem, y.Ecosystem, x.Name, y.Name, x.Arch, y.Arch, x.Location, y.Location)
	})
	sort.Slice(r.Removed, func(i, j int) bool {
		x, y := &r.Removed[i], &r.Removed[j]
		return less(x.Ecosystem, y.Ecosystem, x.Name, y.Name, x.Arch, y.Arch, x.Location, y.Location)
	})
	for l := 0; l < n; l++ {
		r.Layers[l] = a.layerReport(l)
	}
	r.Read = a.readSummary()
	return r
}

// less orders by ecosystem, then the pairs of rest in turn; the first pair (names) without
// regard to case first.
func less(e1, e2 Ecosystem, rest ...string) bool {
	if e1 != e2 {
		return e1 < e2
	}
	if len(rest) >= 2 {
		if a, b := strings.ToLower(rest[0]), strings.ToLower(rest[1]); a != b {
			return a < b
		}
	}
	for i := 0; i+1 < len(rest); i += 2 {
		if rest[i] != rest[i+1] {
			return rest[i] < rest[i+1]
		}
	}
	return false
}

// direction names a version change by the ecosystem's order.
func direction(eco Ecosystem, from, to string) string {
	switch vorder.Compare(string(eco), from, to) {
	case -1:
		return "upgrade"
	case 1:
		return "downgrade"
	}
	return "change"
}

func (a *analysis) layerReport(l int) Layer {
	img := a.img.Layers[l]
	out := Layer{Index: l, DiffID: img.DiffID, CreatedBy: img.CreatedBy(), Changes: []LayerChange{},
		Size: a.layerOwned[l], UnownedSize: a.layerOther[l]}
	seen := map[int32]bool{}
	for _, id := range a.changed[l] {
		seen[id] = true
		var t transition
		for _, x := range a.hist[id] {
			if x.layer == l {
				t = x
			}
		}
		c := LayerChange{}
		p := t.to
		switch {
		case t.from == nil:
			c.Kind = KindInstalled
			out.Installed++
		case t.to == nil:
			c.Kind, p = KindRemoved, t.from
			out.Removed++
		default:
			switch direction(t.to.eco, t.from.version, t.to.version) {
			case "upgrade":
				c.Kind = KindUpgraded
				out.Upgraded++
			case "downgrade":
				c.Kind = KindDowngraded
				out.Downgraded++
			default:
				c.Kind = KindChanged
			}
		}
		c.Ecosystem, c.Name, c.Arch, c.Location = p.eco, p.name, p.arch, p.location
		if t.to != nil {
			c.Version = t.to.version
		}
		if t.from != nil {
			c.OldVersion = t.from.version
		}
		if ls := a.layerBytes[l][id]; ls != nil {
			c.Size, c.Files = ls.Size, ls.Files
		}
		out.Changes = append(out.Changes, c)
	}
	for id, ls := range a.layerBytes[l] {
		if seen[id] {
			continue
		}
		p := a.stateAt(id, l)
		if p == nil {
			continue
		}
		out.Changes = append(out.Changes, LayerChange{Kind: KindFiles, Ecosystem: p.eco, Name: p.name, Arch: p.arch,
			Location: p.location, Version: p.version, OldVersion: p.version, Size: ls.Size, Files: ls.Files})
	}
	sort.Slice(out.Changes, func(i, j int) bool {
		x, y := &out.Changes[i], &out.Changes[j]
		if x.Size != y.Size {
			return x.Size > y.Size
		}
		return less(x.Ecosystem, y.Ecosystem, x.Name, y.Name, x.Arch, y.Arch, x.Location, y.Location)
	})
	return out
}

// stateAt is a package as it is after layer l (nil when absent).
func (a *analysis) stateAt(id int32, l int) *pkgInfo {
	var p *pkgInfo
	for _, t := range a.hist[id] {
		if t.layer > l {
			break
		}
		p = t.to
	}
	return p
}

func (a *analysis) readSummary() []Read {
	dbs := map[Ecosystem]map[string]bool{}
	for _, loc := range a.s.order {
		var db string
		switch loc.kind {
		case kDpkgStatus, kAPK, kRPM:
			db = loc.path
		case kDpkgStatusD:
			db = path.Dir(loc.path)
		default:
			continue
		}
		eco := ecosystemOf[loc.kind]
		if dbs[eco] == nil {
			dbs[eco] = map[string]bool{}
		}
		dbs[eco][db] = true
	}
	var out []Read
	for _, r := range a.reads {
		for db := range dbs[r.Ecosystem] {
			r.Databases = append(r.Databases, db)
		}
		sort.Strings(r.Databases)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	if out == nil {
		out = []Read{}
	}
	return out
}
