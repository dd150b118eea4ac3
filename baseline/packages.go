package baseline

import (
	"fmt"
	"sort"

	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/packages"
)

// LayerPackages is what one layer did to packages.
type LayerPackages struct {
	Layer   int              `json:"layer"`
	Changes []PackageChanged `json:"changes"`
}

// PackageChanged is one package a layer installed, upgraded, downgraded, changed or
// removed, as strata packages --layer reports it (the layer's packages whose files it
// merely ships are not recorded).
type PackageChanged struct {
	Kind       string `json:"kind"`
	Ecosystem  string `json:"ecosystem"`
	Name       string `json:"name"`
	Arch       string `json:"architecture"`
	Location   string `json:"location"`
	Version    string `json:"version"`     // after the layer ("" when removed)
	OldVersion string `json:"old_version"` // before it ("" when installed)
}

// The package rules, after the others in Compare's order.
const (
	RuleBasePackages = "baseline.base_packages"
	RuleNewPackages  = "baseline.new_packages"
)

// SetPackages records each layer's package changes in the lock.
func (lk *Lock) SetPackages(r *packages.Report) {
	lk.Packages = make([]LayerPackages, len(r.Layers))
	for i, l := range r.Layers {
		lp := LayerPackages{Layer: i, Changes: []PackageChanged{}}
		for _, c := range l.Changes {
			if c.Kind == packages.KindFiles {
				continue
			}
			lp.Changes = append(lp.Changes, PackageChanged{Kind: c.Kind, Ecosystem: string(c.Ecosystem), Name: c.Name,
				Arch: c.Arch, Location: c.Location, Version: c.Version, OldVersion: c.OldVersion})
		}
		sort.Slice(lp.Changes, func(a, b int) bool {
			x, y := lp.Changes[a], lp.Changes[b]
			if x.Ecosystem != y.Ecosystem {
				return x.Ecosystem < y.Ecosystem
			}
			if x.Name != y.Name {
				return x.Name < y.Name
			}
			if x.Arch != y.Arch {
				return x.Arch < y.Arch
			}
			if x.Location != y.Location {
				return x.Location < y.Location
			}
			if x.Version != y.Version { // installonly packages (kernels): versions side by side
				return x.Version < y.Version
			}
			return x.Kind < y.Kind
		})
		lk.Packages[i] = lp
	}
}

// held is a package as a replay of layer changes leaves it.
type held struct {
	c     PackageChanged
	layer int // the layer that last changed it
}

// replay applies the changes of the first n layers; key → the versions of the package
// present, in layer order. Several versions of one package may be installed side by side
// (installonly rpms: kernels), so a change replaces the version it names, not the package:
// a layer's changes take their old versions out first, then put their new ones in.
func replay(ls []LayerPackages, n int) map[string][]held {
	out := map[string][]held{}
	for i := 0; i < n && i < len(ls); i++ {
		for _, c := range ls[i].Changes {
			if c.OldVersion == "" {
				continue
			}
			k := packages.Key(packages.Ecosystem(c.Ecosystem), c.Name, c.Arch, c.Location)
			hs := out[k]
			for j := range hs {
				if hs[j].c.Version == c.OldVersion {
					hs = append(hs[:j:j], hs[j+1:]...)
					break
				}
			}
			if len(hs) == 0 {
				delete(out, k)
			} else {
				out[k] = hs
			}
		}
		for _, c := range ls[i].Changes {
			if c.Kind == packages.KindRemoved {
				continue
			}
			k := packages.Key(packages.Ecosystem(c.Ecosystem), c.Name, c.Arch, c.Location)
			out[k] = append(out[k], held{c, i})
		}
	}
	return out
}

// versionsApart is the versions of was and is not in the other (each version once).
func versionsApart(was, is []held) (gone, added []held) {
	in := func(hs []held, v string) bool {
		for _, h := range hs {
			if h.c.Version == v {
				return true
			}
		}
		return false
	}
	for _, h := range was {
		if !in(is, h.c.Version) {
			gone = append(gone, h)
		}
	}
	for _, h := range is {
		if !in(was, h.c.Version) {
			added = append(added, h)
		}
	}
	return gone, added
}

// ComparePackages adds the package rules' verdicts to c: with base_packages (unless
// allow_base_package_change), the packages the base layers leave must be those the lock's
// base layers left, at the same versions; with new_packages (unless allow_new_packages),
// every package of the image must be one the lock has (any version). r is the image's
// packages report; a lock that records none skips both rules.
func ComparePackages(c *Comparison, lk *Lock, r *packages.Report, p Policy) {
	if lk.Packages == nil {
		msg := "the lock records no packages (written by an older strata): re-run strata baseline"
		c.Verdicts = append(c.Verdicts, Verdict{Rule: RuleBasePackages, Skipped: true, Layer: -1, Message: msg, Paths: []string{}},
			Verdict{Rule: RuleNewPackages, Skipped: true, Layer: -1, Message: msg, Paths: []string{}})
		return
	}
	img := make([]LayerPackages, len(r.Layers))
	tmp := &Lock{}
	tmp.SetPackages(r)
	copy(img, tmp.Packages)
	cmd := func(l int) string {
		if l >= 0 && l < len(r.Layers) {
			return r.Layers[l].CreatedBy
		}
		return ""
	}
	name := func(c PackageChanged) string {
		s := c.Ecosystem + " " + c.Name
		if c.Arch != "" {
			s += ":" + c.Arch
		}
		return escape.String(s)
	}
	// The base layers.
	switch {
	case p.AllowBasePackageChange:
		c.Verdicts = append(c.Verdicts, Verdict{Rule: RuleBasePackages, Skipped: true, Layer: -1, Message: "allow_base_package_change: true", Paths: []string{}})
	case c.BaseLayers == 0:
		c.Verdicts = append(c.Verdicts, Verdict{Rule: RuleBasePackages, Skipped: true, Layer: -1,
			Message: "the base layers are unknown (strata baseline --base-layers N, or baseline.base_layers)", Paths: []string{}})
	default:
		was, is := replay(lk.Packages, c.BaseLayers), replay(img, c.BaseLayers)
		var fails []Verdict
		keys := map[string]bool{}
		for k := range was {
			keys[k] = true
		}
		for k := range is {
			keys[k] = true
		}
		for k := range keys {
			gone, added := versionsApart(was[k], is[k])
			if len(gone) == 1 && len(added) == 1 {
				o, n := gone[0], added[0]
				fails = append(fails, Verdict{Rule: RuleBasePackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
					Message: fmt.Sprintf("package changed in base layer %d: %s %s → %s", n.layer, name(n.c), escape.String(o.c.Version), escape.String(n.c.Version))})
				continue
			}
			for _, n := range added {
				fails = append(fails, Verdict{Rule: RuleBasePackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
					Message: fmt.Sprintf("package added in base layer %d: %s %s", n.layer, name(n.c), escape.String(n.c.Version))})
			}
			for _, o := range gone {
				fails = append(fails, Verdict{Rule: RuleBasePackages, Failed: true, Layer: -1,
					Message: fmt.Sprintf("package no longer in the base layers: %s %s (locked in layer %d)", name(o.c), escape.String(o.c.Version), o.layer)})
			}
		}
		c.Verdicts = append(c.Verdicts, sortVerdicts(fails, RuleBasePackages)...)
	}
	// New packages.
	if p.AllowNewPackages {
		c.Verdicts = append(c.Verdicts, Verdict{Rule: RuleNewPackages, Skipped: true, Layer: -1, Message: "allow_new_packages: true", Paths: []string{}})
		return
	}
	was, is := replay(lk.Packages, len(lk.Packages)), replay(img, len(img))
	var fails []Verdict
	for k, ns := range is {
		if _, ok := was[k]; !ok {
			for _, n := range ns {
				fails = append(fails, Verdict{Rule: RuleNewPackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
					Message: fmt.Sprintf("new package in layer %d: %s %s", n.layer, name(n.c), escape.String(n.c.Version))})
			}
		}
	}
	c.Verdicts = append(c.Verdicts, sortVerdicts(fails, RuleNewPackages)...)
}

// sortVerdicts orders failures by layer and message, or passes the rule when there are none.
func sortVerdicts(vs []Verdict, rule string) []Verdict {
	if len(vs) == 0 {
		return []Verdict{{Rule: rule, Layer: -1, Message: "as locked", Paths: []string{}}}
	}
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Layer != vs[j].Layer {
			return vs[i].Layer < vs[j].Layer
		}
		return vs[i].Message < vs[j].Message
	})
	for i := range vs {
		vs[i].Paths = []string{}
	}
	return vs
}
