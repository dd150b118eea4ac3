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
			return x.Location < y.Location
		})
		lk.Packages[i] = lp
	}
}

// held is a package as a replay of layer changes leaves it.
type held struct {
	c     PackageChanged
	layer int // the layer that last changed it
}

// replay applies the changes of the first n layers; key → the package.
func replay(ls []LayerPackages, n int) map[string]held {
	out := map[string]held{}
	for i := 0; i < n && i < len(ls); i++ {
		for _, c := range ls[i].Changes {
			k := packages.Key(packages.Ecosystem(c.Ecosystem), c.Name, c.Arch, c.Location)
			if c.Kind == packages.KindRemoved {
				delete(out, k)
				continue
			}
			out[k] = held{c, i}
		}
	}
	return out
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
		for k, n := range is {
			o, ok := was[k]
			switch {
			case !ok:
				fails = append(fails, Verdict{Rule: RuleBasePackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
					Message: fmt.Sprintf("package added in base layer %d: %s %s", n.layer, name(n.c), escape.String(n.c.Version))})
			case o.c.Version != n.c.Version:
				fails = append(fails, Verdict{Rule: RuleBasePackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
					Message: fmt.Sprintf("package changed in base layer %d: %s %s → %s", n.layer, name(n.c), escape.String(o.c.Version), escape.String(n.c.Version))})
			}
		}
		for k, o := range was {
			if _, ok := is[k]; !ok {
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
	for k, n := range is {
		if _, ok := was[k]; !ok {
			fails = append(fails, Verdict{Rule: RuleNewPackages, Failed: true, Layer: n.layer, CreatedBy: cmd(n.layer),
				Message: fmt.Sprintf("new package in layer %d: %s %s", n.layer, name(n.c), escape.String(n.c.Version))})
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
