package packages

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	vorder "github.com/strata-dev/strata/packages/version"
)

// prefix is the image as it was after layer k (the intermediate image Docker kept).
func prefix(img *image.Image, k int) *image.Image {
	c := *img
	c.Layers = img.Layers[:k+1]
	return &c
}

// TestCompareAgainstDpkg: for every pair of the fixture's intermediate images, the deb
// packages only in one, and every version change with its direction, are what the two
// images' dpkg-query -W lists and dpkg --compare-versions' order say.
func TestCompareAgainstDpkg(t *testing.T) {
	img, _ := debianReport(t)
	tr := readTruth(t)
	reports := make([]*Report, len(img.Layers))
	for k := range img.Layers {
		p := prefix(img, k)
		r, err := Of(p, fstree.Merge(p.Layers), Options{})
		if err != nil {
			t.Fatal(err)
		}
		reports[k] = r
	}
	state := func(k int) map[string]string {
		m := map[string]string{}
		for _, p := range tr.Layers[k].Dpkg {
			if len(p.Status) >= 2 && !strings.ContainsRune("nc", rune(p.Status[1])) {
				m[p.Name+":"+p.Arch] = p.Version
			}
		}
		return m
	}
	for i := range reports {
		for j := range reports {
			if i == j {
				continue
			}
			old, new := state(i), state(j)
			var want []string
			for k, v := range old {
				nv, ok := new[k]
				switch {
				case !ok:
					want = append(want, "- "+k+" "+v)
				case nv != v:
					dir := map[int]string{-1: KindUpgraded, 1: KindDowngraded, 0: KindChanged}[vorder.Dpkg(v, nv)]
					want = append(want, dir+" "+k+" "+v+" "+nv)
				}
			}
			for k, v := range new {
				if _, ok := old[k]; !ok {
					want = append(want, "+ "+k+" "+v)
				}
			}
			d := Compare(reports[i], reports[j])
			var got []string
			for _, p := range d.OnlyOld {
				if p.Ecosystem == Deb {
					got = append(got, "- "+p.Name+":"+p.Arch+" "+p.Version)
				}
			}
			for _, p := range d.OnlyNew {
				if p.Ecosystem == Deb {
					got = append(got, "+ "+p.Name+":"+p.Arch+" "+p.Version)
				}
			}
			for _, c := range d.Changed {
				if c.Ecosystem == Deb && c.Kind != "resized" {
					got = append(got, c.Kind+" "+c.Name+":"+c.Arch+" "+c.OldVersion+" "+c.NewVersion)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("image %d → %d (-dpkg +strata):\n%s", i, j, diff)
			}
		}
	}
	// An upgrade renames a dist-info directory, a jar keeps its directory: still one package.
	d := Compare(reports[4], reports[6])
	var kinds []string
	for _, c := range d.Changed {
		if c.Ecosystem != Deb {
			kinds = append(kinds, string(c.Ecosystem)+" "+c.Kind+" "+c.Name)
		}
	}
	for _, p := range d.OnlyNew {
		kinds = append(kinds, string(p.Ecosystem)+" + "+p.Name)
	}
	want := []string{"go + example.com/strata/gohello", "go + github.com/google/go-cmp", "go + stdlib",
		"npm + @isaacs/string-locale-compare", "npm + debug", "npm + ms", "npm + ms", "python + strata-fixture-py"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("4 → 6 (-want +got):\n%s", diff)
	}
	d = Compare(reports[5], reports[6])
	kinds = nil
	for _, c := range d.Changed {
		if c.Ecosystem != Deb {
			kinds = append(kinds, string(c.Ecosystem)+" "+c.Kind+" "+c.Name+" "+c.OldVersion+" "+c.NewVersion)
		}
	}
	want = []string{"go upgraded github.com/google/go-cmp v0.6.0 v0.7.0", "npm upgraded ms 2.1.2 2.1.3", "python upgraded strata-fixture-py 1.0 1.1"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("5 → 6 (-want +got):\n%s", diff)
	}
}

// TestCompareInstallOnly: several versions of one package side by side are matched version
// for version; what is left pairs by version order.
func TestCompareInstallOnly(t *testing.T) {
	mk := func(vs ...string) *Report {
		r := &Report{}
		for _, v := range vs {
			r.Packages = append(r.Packages, Package{Ecosystem: RPM, Name: "kernel", Arch: "x86_64", Version: v, Location: "/var/lib/rpm/rpmdb.sqlite"})
		}
		return r
	}
	d := Compare(mk("5.14.0-1", "5.14.0-2"), mk("5.14.0-2", "5.14.0-3"))
	if len(d.Changed) != 1 || d.Changed[0].OldVersion != "5.14.0-1" || d.Changed[0].NewVersion != "5.14.0-3" || d.Changed[0].Kind != KindUpgraded {
		t.Errorf("%+v", d)
	}
}
