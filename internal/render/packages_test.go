package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/strata-dev/strata/packages"
)

// wideReport is a report whose every text is longer than an 80-column terminal allows.
func wideReport() *packages.Report {
	long := strings.Repeat("x", 90)
	size := int64(123456789)
	files := 3
	cmd := "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends " + long
	return &packages.Report{
		Packages: []packages.Package{
			{Ecosystem: packages.Python, Name: "strata-fixture-" + long, Version: "1:2.38.1-5+deb12u3" + long, Arch: "aarch64", Layer: 12,
				Changed: &packages.Change{Layer: 13, OldVersion: "1:2.38.1-5+deb12u2" + long, Direction: "upgrade"},
				Size:    &size, Files: &files, HiddenSize: 987654321, Licenses: []string{"GPL-2.0-or-later", "LGPL-2.1-or-later", long}, PURL: "pkg:pypi/x@1"},
		},
		Removed: []packages.Removed{{Ecosystem: packages.Python, Name: "removed-" + long, Version: "9.9" + long, Arch: "aarch64", Layer: 12, RemovedIn: 13, RemovedBy: cmd, HiddenSize: 987654321}},
		Layers: []packages.Layer{{Index: 13, DiffID: "sha256:" + strings.Repeat("a", 64), CreatedBy: cmd, Installed: 100, Upgraded: 20, Downgraded: 3, Removed: 40,
			Size: 123456789, UnownedSize: 987654321, Changes: []packages.LayerChange{{Kind: packages.KindDowngraded, Ecosystem: packages.Python, Name: long, Arch: "aarch64",
				Version: "1.0" + long, OldVersion: "2.0" + long, Size: 123456789, Files: 123456}}}},
	}
}

// TestPackagesFit80: every view of packages fits an 80-column terminal, the main table by
// leaving out CREATED BY and LICENSE, the free-text lines clipped.
func TestPackagesFit80(t *testing.T) {
	r := wideReport()
	o := Options{Width: 80}
	d := &packages.Diff{Summary: packages.DiffSummary{OnlyOld: 1000, OnlyNew: 1000, Upgraded: 1000, Downgraded: 1000, Changed: 1000, Resized: 1000, SizeDelta: -123456789}}
	views := map[string]func(*bytes.Buffer) error{
		"table":    func(b *bytes.Buffer) error { return Packages(b, r, o) },
		"by-layer": func(b *bytes.Buffer) error { return PackagesByLayer(b, r, o) },
		"layer":    func(b *bytes.Buffer) error { return PackagesLayer(b, r, r.Layers[0], o) },
		"diff":     func(b *bytes.Buffer) error { return PackagesDiff(b, d, o) },
		"none":     func(b *bytes.Buffer) error { return Packages(b, &packages.Report{Warnings: []string{"w"}}, o) },
	}
	for name, view := range views {
		var b bytes.Buffer
		if err := view(&b); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if w := runewidth.StringWidth(line); w > 80 {
				t.Errorf("%s: a line of %d columns:\n%s", name, w, line)
			}
		}
	}
	var b bytes.Buffer
	if err := Packages(&b, r, o); err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(b.String(), "\n"); strings.Join(strings.Fields(head), " ") != "TYPE NAME VERSION ARCH LAYER CHANGED SIZE HIDDEN" {
		t.Errorf("80 columns: header %q, want CREATED BY and LICENSE left out", head)
	}
	b.Reset()
	if err := Packages(&b, r, Options{Width: 200}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "LICENSE") || !strings.Contains(b.String(), "CREATED BY") {
		t.Errorf("200 columns: a column left out:\n%s", b.String())
	}
}

// TestPackagesOnlyRemoved: an image whose every package a later layer removed says so
// rather than print a table header with no rows.
func TestPackagesOnlyRemoved(t *testing.T) {
	r := wideReport()
	r.Packages = nil
	var b bytes.Buffer
	if err := Packages(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "No packages in the final image: a later layer removed every package lower layers installed\n\nRemoved by a later layer") {
		t.Errorf("got:\n%s", b.String())
	}
}
