package render

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/strata-dev/strata/packages"
)

// Packages prints an image's packages, one row each: the layer that installed it, the last
// version change, its bytes in the final filesystem and those its history still ships;
// then the packages a layer removed. -q prints purls.
func Packages(w io.Writer, r *packages.Report, o Options) error {
	if o.Quiet {
		ids := make([]string, 0, len(r.Packages))
		for _, p := range r.Packages {
			ids = append(ids, packageID(p))
		}
		return list(w, ids, o.Null)
	}
	if len(r.Packages) == 0 && len(r.Removed) == 0 {
		_, err := fmt.Fprintf(w, "%s\n", o.line("No packages: no layer holds a package database or metadata strata reads (dpkg, apk, rpm, Python, npm, Go binaries, Java archives)"+warningsNote(r.Warnings)))
		return err
	}
	var rows [][]string
	for _, p := range r.Packages {
		rows = append(rows, []string{string(p.Ecosystem), p.Name, o.clip(p.Version, 32), orDash(p.Arch), strconv.Itoa(p.Layer),
			changeCell(p.Changed, o), sizeCell(p.Size), hiddenCell(p.HiddenSize), o.clip(strings.Join(p.Licenses, ", "), 24),
			o.clip(layerCmd(r, p.Layer), 40)})
	}
	header := []string{"TYPE", "NAME", "VERSION", "ARCH", "LAYER", "CHANGED", "SIZE", "HIDDEN", "LICENSE", "CREATED BY"}
	header, rows, flex := dropToFit(o.Width, header, rows, []int{1, 2, 5, 8, 9}, 9, 8, 7)
	if len(rows) == 0 {
		fmt.Fprintf(w, "%s\n", o.line("No packages in the final image: a later layer removed every package lower layers installed"))
	} else if err := tableFit(w, o.Width, header, rows, flex...); err != nil {
		return err
	}
	if len(r.Removed) > 0 {
		fmt.Fprintf(w, "\n%s\n", o.line("Removed by a later layer (their files still ship in lower layers):"))
		var rm [][]string
		for _, p := range r.Removed {
			rm = append(rm, []string{string(p.Ecosystem), p.Name, o.clip(p.Version, 32), orDash(p.Arch), strconv.Itoa(p.Layer),
				strconv.Itoa(p.RemovedIn), hiddenCell(p.HiddenSize), o.clip(p.RemovedBy, 40)})
		}
		rh, rm, rflex := dropToFit(o.Width, []string{"TYPE", "NAME", "VERSION", "ARCH", "LAYER", "REMOVED IN", "HIDDEN", "REMOVED BY"}, rm, []int{1, 2, 7}, 7)
		if err := tableFit(w, o.Width, rh, rm, rflex...); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", o.line(packageTotals(r)+warningsNote(r.Warnings)))
	return err
}

// dropToFit leaves out columns of a table fitted to width (0: none left out), the indexes in
// drop first to last, while the table could not fit even with its flexible columns shrunk
// as far as tableFit shrinks them: the header, rows and flexible columns that remain.
func dropToFit(width int, header []string, rows [][]string, flex []int, drop ...int) ([]string, [][]string, []int) {
	if width <= 0 || len(rows) == 0 {
		return header, rows, flex
	}
	isFlex := map[int]bool{}
	for _, i := range flex {
		isFlex[i] = true
	}
	keep := make([]bool, len(header))
	for i := range keep {
		keep[i] = true
	}
	narrowest := func() int {
		total := -3
		for i, h := range header {
			if !keep[i] {
				continue
			}
			cw := runewidth.StringWidth(h)
			for _, row := range rows {
				cw = max(cw, runewidth.StringWidth(Escape(row[i])))
			}
			if isFlex[i] {
				cw = min(cw, max(minFlex, runewidth.StringWidth(h)))
			}
			total += cw + 3
		}
		return total
	}
	for _, d := range drop {
		if narrowest() <= width {
			break
		}
		keep[d] = false
	}
	var h2 []string
	var f2 []int
	at := map[int]int{}
	for i, h := range header {
		if keep[i] {
			at[i] = len(h2)
			h2 = append(h2, h)
		}
	}
	for _, i := range flex {
		if keep[i] {
			f2 = append(f2, at[i])
		}
	}
	r2 := make([][]string, len(rows))
	for r, row := range rows {
		for i, c := range row {
			if keep[i] {
				r2[r] = append(r2[r], c)
			}
		}
	}
	return h2, r2, f2
}

// packageID is what -q prints for a package: its purl, else name@version.
func packageID(p packages.Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	return p.Name + "@" + p.Version
}

// packageTotals says "123 packages (deb 118, python 2, …), 4.1MB hidden, 1 removed".
func packageTotals(r *packages.Report) string {
	by := map[packages.Ecosystem]int{}
	var hidden int64
	for _, p := range r.Packages {
		by[p.Ecosystem]++
		hidden += p.HiddenSize
	}
	for _, p := range r.Removed {
		hidden += p.HiddenSize
	}
	var parts []string
	for eco, n := range by {
		parts = append(parts, fmt.Sprintf("%s %d", eco, n))
	}
	sort.Strings(parts)
	s := Count(len(r.Packages), "package")
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	s += ", " + Size(hidden) + " shipped but hidden"
	if len(r.Removed) > 0 {
		s += ", " + strconv.Itoa(len(r.Removed)) + " removed"
	}
	return s
}

func warningsNote(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	return "; " + Count(len(ws), "warning") + " (on stderr)"
}

func layerCmd(r *packages.Report, l int) string {
	if l >= 0 && l < len(r.Layers) {
		return r.Layers[l].CreatedBy
	}
	return ""
}

// changeCell is "3 ↑ 1.0-1" (layer 3 upgraded it from 1.0-1), "-" when unchanged.
func changeCell(c *packages.Change, o Options) string {
	if c == nil {
		return "-"
	}
	arrow := map[string]string{"upgrade": "↑", "downgrade": "↓"}[c.Direction]
	if arrow == "" {
		arrow = "~"
	}
	return fmt.Sprintf("%d %s %s", c.Layer, arrow, o.clip(c.OldVersion, 24))
}

func sizeCell(n *int64) string {
	if n == nil {
		return "-"
	}
	return Size(*n)
}

func hiddenCell(n int64) string {
	if n == 0 {
		return "-"
	}
	return Size(n)
}

// PackagesByLayer prints one row per layer: how many packages it installed, upgraded,
// downgraded and removed, the bytes of package files it ships and of other files, and the
// packages whose files weigh most in it.
func PackagesByLayer(w io.Writer, r *packages.Report, o Options) error {
	var rows [][]string
	for _, l := range r.Layers {
		var largest []string
		for _, c := range l.Changes {
			if len(largest) == 3 || c.Size == 0 {
				break
			}
			largest = append(largest, c.Name+" "+Size(c.Size))
		}
		rows = append(rows, []string{strconv.Itoa(l.Index), counts(l), Size(l.Size), Size(l.UnownedSize),
			o.clip(orDash(strings.Join(largest, ", ")), 48), o.clip(l.CreatedBy, 40)})
	}
	return tableFit(w, o.Width, []string{"LAYER", "PACKAGES", "PKG BYTES", "OTHER", "LARGEST", "CREATED BY"}, rows, 4, 5)
}

// counts is "+37 ↑2 ↓1 −3" (the zero counts left out), "-" for none.
func counts(l packages.Layer) string {
	var s []string
	for _, c := range []struct {
		n    int
		sign string
	}{{l.Installed, "+"}, {l.Upgraded, "↑"}, {l.Downgraded, "↓"}, {l.Removed, "−"}} {
		if c.n > 0 {
			s = append(s, c.sign+strconv.Itoa(c.n))
		}
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, " ")
}

// PackagesLayer prints one layer's package changes and the packages whose files it ships.
func PackagesLayer(w io.Writer, r *packages.Report, l packages.Layer, o Options) error {
	if o.Quiet {
		var ids []string
		for _, c := range l.Changes {
			ids = append(ids, c.Kind+" "+string(c.Ecosystem)+" "+c.Name)
		}
		return list(w, ids, o.Null)
	}
	p := &printer{w: w, o: o}
	p.kv("Layer", strconv.Itoa(l.Index))
	p.kv("Created by", o.clip(orDash(l.CreatedBy), 100))
	p.kv("Diff ID", shortDigest(l.DiffID, o.NoTrunc))
	p.kv("Packages", orDash(counts(l))+fmt.Sprintf(" (%s of package files, %s of other files)", Size(l.Size), Size(l.UnownedSize)))
	if p.err != nil {
		return p.err
	}
	if len(l.Changes) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	var rows [][]string
	for _, c := range l.Changes {
		ver := c.Version
		switch c.Kind {
		case packages.KindUpgraded, packages.KindDowngraded, packages.KindChanged:
			ver = c.OldVersion + " → " + c.Version
		case packages.KindRemoved:
			ver = c.OldVersion
		}
		rows = append(rows, []string{c.Kind, string(c.Ecosystem), c.Name, orDash(c.Arch), o.clip(ver, 48), Size(c.Size), strconv.Itoa(c.Files)})
	}
	return tableFit(w, o.Width, []string{"CHANGE", "TYPE", "NAME", "ARCH", "VERSION", "SIZE", "FILES"}, rows, 2, 4)
}

// PackagesDiff prints a packages diff: one row per package only in OLD (-), only in NEW
// (+), or changed (↑ upgraded, ↓ downgraded, ~ changed, ≈ resized).
func PackagesDiff(w io.Writer, d *packages.Diff, o Options) error {
	if o.Quiet {
		var lines []string
		for _, p := range d.OnlyOld {
			lines = append(lines, "- "+packageID(p))
		}
		for _, p := range d.OnlyNew {
			lines = append(lines, "+ "+packageID(p))
		}
		for _, c := range d.Changed {
			lines = append(lines, diffSign(c.Kind)+" "+c.NewPURL)
		}
		return list(w, lines, o.Null)
	}
	var rows [][]string
	for _, p := range d.OnlyOld {
		rows = append(rows, []string{"-", string(p.Ecosystem), p.Name, orDash(p.Arch), o.clip(p.Version, 48), signedSizePtr(p.Size, -1), "-"})
	}
	for _, p := range d.OnlyNew {
		rows = append(rows, []string{"+", string(p.Ecosystem), p.Name, orDash(p.Arch), o.clip(p.Version, 48), signedSizePtr(p.Size, 1), strconv.Itoa(p.Layer)})
	}
	for _, c := range d.Changed {
		ver := c.OldVersion + " → " + c.NewVersion
		if c.Kind == "resized" {
			ver = c.NewVersion
		}
		rows = append(rows, []string{diffSign(c.Kind), string(c.Ecosystem), c.Name, orDash(c.Arch), o.clip(ver, 48), signedSize(c.SizeDelta), strconv.Itoa(c.NewChangedLayer)})
	}
	s := d.Summary
	fmt.Fprintf(w, "%s\n", o.line(fmt.Sprintf("Packages: %d only in old, %d only in new, %d upgraded, %d downgraded, %d changed, %d resized (%s)",
		s.OnlyOld, s.OnlyNew, s.Upgraded, s.Downgraded, s.Changed, s.Resized, signedSize(s.SizeDelta))))
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return tableFit(w, o.Width, []string{"", "TYPE", "NAME", "ARCH", "VERSION", "SIZE", "LAYER"}, rows, 2, 4)
}

func diffSign(kind string) string {
	switch kind {
	case packages.KindUpgraded:
		return "↑"
	case packages.KindDowngraded:
		return "↓"
	case "resized":
		return "≈"
	}
	return "~"
}

func signedSizePtr(n *int64, sign int64) string {
	if n == nil {
		return "-"
	}
	return signedSize(sign * *n)
}
