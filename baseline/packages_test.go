package baseline

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/packages"
)

func report(layers ...[]packages.LayerChange) *packages.Report {
	r := &packages.Report{}
	for i, cs := range layers {
		r.Layers = append(r.Layers, packages.Layer{Index: i, CreatedBy: "RUN " + string(rune('a'+i)), Changes: cs})
	}
	return r
}

func inst(name, ver string) packages.LayerChange {
	return packages.LayerChange{Kind: packages.KindInstalled, Ecosystem: packages.Deb, Name: name, Arch: "amd64", Location: "/var/lib/dpkg/status", Version: ver}
}

func up(name, old, ver string) packages.LayerChange {
	c := inst(name, ver)
	c.Kind, c.OldVersion = packages.KindUpgraded, old
	return c
}

// TestComparePackages: the base layers' packages must be as locked (whatever layer of the
// base changed them), and no package may be new; versions above the base may change.
func TestComparePackages(t *testing.T) {
	lk := &Lock{}
	lk.SetPackages(report([]packages.LayerChange{inst("libc6", "2.36-9"), inst("gone", "1")}, []packages.LayerChange{inst("app", "1.0")}))
	img := report([]packages.LayerChange{inst("libc6", "2.36-9+deb12u4"), inst("new-in-base", "1")},
		[]packages.LayerChange{inst("app", "1.0"), inst("curl", "7.88.1")}, []packages.LayerChange{up("app", "1.0", "1.1")})
	c := &Comparison{BaseLayers: 1}
	ComparePackages(c, lk, img, Policy{})
	var got []string
	for _, v := range c.Verdicts {
		got = append(got, v.Rule+" "+map[bool]string{true: "FAIL", false: "ok"}[v.Failed]+" "+v.Message)
	}
	want := []string{
		"baseline.base_packages FAIL package no longer in the base layers: deb gone:amd64 1 (locked in layer 0)",
		"baseline.base_packages FAIL package added in base layer 0: deb new-in-base:amd64 1",
		"baseline.base_packages FAIL package changed in base layer 0: deb libc6:amd64 2.36-9 → 2.36-9+deb12u4",
		"baseline.new_packages FAIL new package in layer 0: deb new-in-base:amd64 1",
		"baseline.new_packages FAIL new package in layer 1: deb curl:amd64 7.88.1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	c = &Comparison{BaseLayers: 1}
	ComparePackages(c, lk, img, Policy{AllowBasePackageChange: true, AllowNewPackages: true})
	for _, v := range c.Verdicts {
		if v.Failed || !v.Skipped {
			t.Errorf("allowed: %+v", v)
		}
	}
	c = &Comparison{BaseLayers: 1}
	ComparePackages(c, &Lock{}, img, Policy{})
	if len(c.Verdicts) != 2 || !c.Verdicts[0].Skipped || !strings.Contains(c.Verdicts[0].Message, "re-run strata baseline") {
		t.Errorf("no packages in the lock: %+v", c.Verdicts)
	}
}

// TestReadPackages: a lock's packages round-trip; a wrong type in them names the key.
func TestReadPackages(t *testing.T) {
	raw := readFile(t, "../testdata/baseline/small.lock.json")
	lk, err := Read(bytes.NewReader(raw), "small.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	lk.SetPackages(report([]packages.LayerChange{inst("a", "1")}))
	var b bytes.Buffer
	lk.Write(&b)
	back, err := Read(bytes.NewReader(b.Bytes()), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lk.Packages, back.Packages); diff != "" {
		t.Errorf("(-written +read):\n%s", diff)
	}
	bad := strings.Replace(b.String(), `"layer": 0`, `"layer": "0"`, 1)
	if _, err := Read(strings.NewReader(bad), "x.json"); err == nil || !strings.Contains(err.Error(), "key packages[0].layer: want an integer") {
		t.Errorf("err = %v", err)
	}
}

// TestComparePackagesSideBySide: versions of an installonly package (kernels, as rpm -qa
// lists them side by side) are held version by version: a lock of strata-k 1.0-1 and
// 3.0-1 against a base of 2.0-1 and 3.0-1 fails (it passed when one version stood for the
// package), and a layer that removes a version and installs it again leaves it installed.
func TestComparePackagesSideBySide(t *testing.T) {
	k := func(kind, old, ver string) packages.LayerChange {
		return packages.LayerChange{Kind: kind, Ecosystem: packages.RPM, Name: "strata-k", Arch: "noarch", Location: "/var/lib/rpm/rpmdb.sqlite", Version: ver, OldVersion: old}
	}
	verdicts := func(lock, img *packages.Report) []string {
		lk := &Lock{}
		lk.SetPackages(lock)
		c := &Comparison{BaseLayers: len(lock.Layers)}
		ComparePackages(c, lk, img, Policy{})
		var got []string
		for _, v := range c.Verdicts {
			got = append(got, v.Rule+" "+map[bool]string{true: "FAIL", false: "ok"}[v.Failed]+" "+v.Message)
		}
		return got
	}
	lock := report([]packages.LayerChange{k("installed", "", "3.0-1"), k("installed", "", "1.0-1")})
	got := verdicts(lock, report([]packages.LayerChange{k("installed", "", "2.0-1"), k("installed", "", "3.0-1")}))
	want := []string{
		"baseline.base_packages FAIL package changed in base layer 0: rpm strata-k:noarch 1.0-1 → 2.0-1",
		"baseline.new_packages ok as locked",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got = verdicts(lock, report([]packages.LayerChange{k("installed", "", "2.0-1"), k("installed", "", "3.0-1"), k("installed", "", "4.0-1")}))
	want = []string{
		"baseline.base_packages FAIL package no longer in the base layers: rpm strata-k:noarch 1.0-1 (locked in layer 0)",
		"baseline.base_packages FAIL package added in base layer 0: rpm strata-k:noarch 2.0-1",
		"baseline.base_packages FAIL package added in base layer 0: rpm strata-k:noarch 4.0-1",
		"baseline.new_packages ok as locked",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A lock written when a second version made the first "removed and installed again".
	old := report([]packages.LayerChange{k("installed", "", "1.0-1")}, []packages.LayerChange{k("installed", "", "1.0-1"), k("installed", "", "3.0-1"), k("removed", "1.0-1", "")})
	got = verdicts(old, report([]packages.LayerChange{k("installed", "", "1.0-1")}, []packages.LayerChange{k("installed", "", "3.0-1")}))
	want = []string{"baseline.base_packages ok as locked", "baseline.new_packages ok as locked"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
