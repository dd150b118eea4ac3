package packages

import (
	"path"
	"sort"
	"strings"

	vorder "github.com/strata-dev/strata/packages/version"
)

// Diff is what changed in software between two images: packages only in OLD, only in NEW,
// and those in both whose version or bytes differ.
type Diff struct {
	Summary DiffSummary     `json:"summary"`
	OnlyOld []Package       `json:"only_old"`
	OnlyNew []Package       `json:"only_new"`
	Changed []PackageChange `json:"changed"`
}

// DiffSummary counts a Diff.
type DiffSummary struct {
	OnlyOld    int   `json:"only_old"`
	OnlyNew    int   `json:"only_new"`
	Upgraded   int   `json:"upgraded"`
	Downgraded int   `json:"downgraded"`
	Changed    int   `json:"changed"` // version spelled differently, equal in the ecosystem's order
	Resized    int   `json:"resized"` // same version, other bytes
	SizeDelta  int64 `json:"size_delta"`
}

// PackageChange is one package present in both images that differs.
type PackageChange struct {
	// Kind is upgraded, downgraded or changed (by the ecosystem's version order), or
	// resized (same version; its files take other bytes).
	Kind       string    `json:"kind"`
	Ecosystem  Ecosystem `json:"ecosystem"`
	Name       string    `json:"name"`
	Arch       string    `json:"architecture"`
	OldVersion string    `json:"old_version"`
	NewVersion string    `json:"new_version"`
	OldSize    *int64    `json:"old_size"`
	NewSize    *int64    `json:"new_size"`
	SizeDelta  int64     `json:"size_delta"` // new − old, 0 when either is unknown
	OldLayer   int       `json:"old_layer"`
	NewLayer   int       `json:"new_layer"`
	// NewChangedLayer is the layer of NEW that last changed the package (its install
	// layer when none did since).
	NewChangedLayer int    `json:"new_changed_layer"`
	Location        string `json:"location"` // NEW's
	OldPURL         string `json:"old_purl"`
	NewPURL         string `json:"new_purl"`
}

// Key is what makes two images' packages the same package: the ecosystem, name and
// architecture, and where it lives as far as a version does not change it (a dist-info's or
// a jar's directory, an npm package's directory, a binary; not a distribution's database).
func Key(eco Ecosystem, name, arch, location string) string {
	where := location
	switch eco {
	case Deb, APK, RPM:
		where = "" // one system database per image, wherever it lives (status, status.d/)
	case Python:
		return string(eco) + "|" + pyName(name) + "|" + path.Dir(where) // NAME-VERSION.dist-info is renamed by an upgrade
	case Java:
		if i := strings.LastIndexByte(where, '!'); i >= 0 {
			where = where[:i] + "!" + path.Dir(where[i+1:])
		} else {
			where = path.Dir(where)
		}
	}
	return string(eco) + "|" + name + "|" + arch + "|" + where
}

func identity(p *Package) string { return Key(p.Ecosystem, p.Name, p.Arch, p.Location) }

// Compare compares the packages of two reports. Every package is matched by identity; a
// package that several versions of one identity share (kernels) is matched version for
// version first.
func Compare(old, new *Report) *Diff {
	d := &Diff{OnlyOld: []Package{}, OnlyNew: []Package{}, Changed: []PackageChange{}}
	group := func(ps []Package) map[string][]*Package {
		m := map[string][]*Package{}
		for i := range ps {
			m[identity(&ps[i])] = append(m[identity(&ps[i])], &ps[i])
		}
		return m
	}
	og, ng := group(old.Packages), group(new.Packages)
	keys := map[string]bool{}
	for k := range og {
		keys[k] = true
	}
	for k := range ng {
		keys[k] = true
	}
	for k := range keys {
		os, ns := og[k], ng[k]
		// Same versions first.
		var restO, restN []*Package
		used := make([]bool, len(ns))
		for _, o := range os {
			found := false
			for j, n := range ns {
				if !used[j] && n.Version == o.Version {
					used[j], found = true, true
					d.pair(o, n)
					break
				}
			}
			if !found {
				restO = append(restO, o)
			}
		}
		for j, n := range ns {
			if !used[j] {
				restN = append(restN, n)
			}
		}
		byVersion := func(ps []*Package) {
			sort.Slice(ps, func(i, j int) bool {
				return vorder.Compare(string(ps[i].Ecosystem), ps[i].Version, ps[j].Version) < 0
			})
		}
		byVersion(restO)
		byVersion(restN)
		for len(restO) > 0 && len(restN) > 0 {
			d.pair(restO[0], restN[0])
			restO, restN = restO[1:], restN[1:]
		}
		for _, o := range restO {
			d.OnlyOld = append(d.OnlyOld, *o)
			if o.Size != nil {
				d.Summary.SizeDelta -= *o.Size
			}
		}
		for _, n := range restN {
			d.OnlyNew = append(d.OnlyNew, *n)
			if n.Size != nil {
				d.Summary.SizeDelta += *n.Size
			}
		}
	}
	sortPackages(d.OnlyOld)
	sortPackages(d.OnlyNew)
	sort.Slice(d.Changed, func(i, j int) bool {
		x, y := &d.Changed[i], &d.Changed[j]
		return less(x.Ecosystem, y.Ecosystem, x.Name, y.Name, x.Arch, y.Arch, x.Location, y.Location, x.NewVersion, y.NewVersion)
	})
	d.Summary.OnlyOld, d.Summary.OnlyNew = len(d.OnlyOld), len(d.OnlyNew)
	for _, c := range d.Changed {
		switch c.Kind {
		case KindUpgraded:
			d.Summary.Upgraded++
		case KindDowngraded:
			d.Summary.Downgraded++
		case KindChanged:
			d.Summary.Changed++
		case "resized":
			d.Summary.Resized++
		}
	}
	return d
}

func sortPackages(ps []Package) {
	sort.Slice(ps, func(i, j int) bool {
		x, y := &ps[i], &ps[j]
		return less(x.Ecosystem, y.Ecosystem, x.Name, y.Name, x.Arch, y.Arch, x.Location, y.Location, x.Version, y.Version)
	})
}

// pair records the change between a package's two versions, if any.
func (d *Diff) pair(o, n *Package) {
	c := PackageChange{Ecosystem: n.Ecosystem, Name: n.Name, Arch: n.Arch, OldVersion: o.Version, NewVersion: n.Version,
		OldSize: o.Size, NewSize: n.Size, OldLayer: o.Layer, NewLayer: n.Layer, NewChangedLayer: n.Layer,
		Location: n.Location, OldPURL: o.PURL, NewPURL: n.PURL}
	if n.Changed != nil {
		c.NewChangedLayer = n.Changed.Layer
	}
	if o.Size != nil && n.Size != nil {
		c.SizeDelta = *n.Size - *o.Size
	}
	d.Summary.SizeDelta += c.SizeDelta
	switch {
	case o.Version != n.Version:
		switch direction(n.Ecosystem, o.Version, n.Version) {
		case "upgrade":
			c.Kind = KindUpgraded
		case "downgrade":
			c.Kind = KindDowngraded
		default:
			c.Kind = KindChanged
		}
	case c.SizeDelta != 0:
		c.Kind = "resized"
	default:
		return
	}
	d.Changed = append(d.Changed, c)
}

// Different reports whether the diff holds anything.
func (d *Diff) Different() bool {
	return len(d.OnlyOld)+len(d.OnlyNew)+len(d.Changed) > 0
}
