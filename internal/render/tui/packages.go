package tui

import (
	"fmt"

	"github.com/strata-dev/strata/internal/render"
	"github.com/strata-dev/strata/packages"
)

// pkgRow is one line of the packages pane.
type pkgRow struct {
	mark              string // + ↑ ↓ ~ − · (diff: + − ↑ ↓ ~ ≈)
	eco               packages.Ecosystem
	name, arch        string
	version           string // "old → new" for a change
	size              int64  // bytes in the layer (diff: the size change)
	files             int
	location          string
	layer             int // the layer to show the location at
	kind, createdBy   string
	oldVer, newVer    string
	sizeKnown, isDiff bool
}

var kindMark = map[string]string{
	packages.KindInstalled: "+", packages.KindUpgraded: "↑", packages.KindDowngraded: "↓",
	packages.KindChanged: "~", packages.KindRemoved: "−", packages.KindFiles: "·", "resized": "≈",
}

// packageRows are the selected layer's package changes, and the packages whose files it
// ships, largest first (packages Layer.Changes); in a diff, the packages diff.
func (m *Model) packageRows() []pkgRow {
	if d := m.d.PackagesDiff; d != nil {
		var out []pkgRow
		for _, p := range d.OnlyOld {
			out = append(out, pkgRow{mark: "−", eco: p.Ecosystem, name: p.Name, arch: p.Arch, version: p.Version, size: -deref(p.Size),
				sizeKnown: p.Size != nil, location: p.Location, layer: 0, kind: "only in OLD", isDiff: true})
		}
		for _, p := range d.OnlyNew {
			out = append(out, pkgRow{mark: "+", eco: p.Ecosystem, name: p.Name, arch: p.Arch, version: p.Version, size: deref(p.Size),
				sizeKnown: p.Size != nil, location: p.Location, layer: 1, kind: "only in NEW", isDiff: true})
		}
		for _, c := range d.Changed {
			v := c.OldVersion + " → " + c.NewVersion
			if c.Kind == "resized" {
				v = c.NewVersion
			}
			out = append(out, pkgRow{mark: kindMark[c.Kind], eco: c.Ecosystem, name: c.Name, arch: c.Arch, version: v, size: c.SizeDelta,
				sizeKnown: c.OldSize != nil && c.NewSize != nil, location: c.Location, layer: 1, kind: c.Kind, isDiff: true})
		}
		return out
	}
	r := m.d.Packages
	l := m.layers.cursor
	if r == nil || l < 0 || l >= len(r.Layers) {
		return nil
	}
	var out []pkgRow
	for _, c := range r.Layers[l].Changes {
		v := c.Version
		switch c.Kind {
		case packages.KindUpgraded, packages.KindDowngraded, packages.KindChanged:
			v = c.OldVersion + " → " + c.Version
		case packages.KindRemoved:
			v = c.OldVersion
		}
		out = append(out, pkgRow{mark: kindMark[c.Kind], eco: c.Ecosystem, name: c.Name, arch: c.Arch, version: v, size: c.Size,
			files: c.Files, sizeKnown: true, location: c.Location, layer: l, kind: c.Kind, createdBy: r.Layers[l].CreatedBy,
			oldVer: c.OldVersion, newVer: c.Version})
	}
	return out
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// packagesView draws the packages pane.
func (m *Model) packagesView(w, h int) []string {
	iw, ih := inner(w, h)
	rows := m.packageRows()
	var lines []string
	var title string
	switch {
	case m.d.PackagesErr != "":
		lines = append(lines, m.st.dim.Render(fit("packages not read: "+printable(m.d.PackagesErr), iw)))
		title = "Packages"
	case m.d.PackagesDiff != nil:
		s := m.d.PackagesDiff.Summary
		title = fmt.Sprintf("Packages: −%d +%d ↑%d ↓%d", s.OnlyOld, s.OnlyNew, s.Upgraded, s.Downgraded)
	case m.d.Packages == nil:
		lines = append(lines, m.st.dim.Render(fit("packages not read", iw)))
		title = "Packages"
	default:
		L := m.d.Packages.Layers[clamp(m.layers.cursor, 0, len(m.d.Packages.Layers)-1)]
		title = fmt.Sprintf("Packages of layer %d: %s of package files", L.Index, render.Size(L.Size))
	}
	if len(rows) == 0 && len(lines) == 0 && ih > 0 {
		msg := "this layer changed no package and ships none of their files"
		if m.d.PackagesDiff != nil {
			msg = "the packages are the same"
		}
		lines = append(lines, m.st.dim.Render(fit(msg, iw)))
	}
	for r := m.pkgs.top; r < len(rows) && len(lines) < ih; r++ {
		x := rows[r]
		size := render.Size(x.size)
		switch {
		case !x.sizeKnown:
			size = "-"
		case x.isDiff && x.size > 0:
			size = "+" + size
		case x.isDiff && x.size < 0:
			size = "-" + render.Size(-x.size)
		}
		text := fmt.Sprintf("%s %9s  %-6s %s %s", x.mark, size, x.eco, printable(x.name), printable(x.version))
		s := m.st.mark[0]
		if r == m.pkgs.cursor {
			s = m.st.selected
		}
		lines = append(lines, styled(s, text, iw))
	}
	return box(&m.st, title, lines, w, h, true)
}

// describePackage is the status line for the selected package.
func (m *Model) describePackage() string {
	rows := m.packageRows()
	if m.pkgs.cursor >= len(rows) {
		return ""
	}
	x := rows[m.pkgs.cursor]
	name := printable(x.name)
	if x.arch != "" {
		name += ":" + printable(x.arch)
	}
	if x.isDiff {
		return fmt.Sprintf("%s %s (%s), %s · %s · enter: show it", name, printable(x.version), x.eco, x.kind, printable(x.location))
	}
	return fmt.Sprintf("%s %s (%s): %s by layer %d (%s); its files here: %s in %d · %s · enter: show it",
		name, printable(x.version), x.eco, x.kind, x.layer, oneLine(x.createdBy), render.Size(x.size), x.files, printable(x.location))
}

// revealPackage shows the selected package's location (its database or metadata file, its
// directory, binary or archive) in the file tree.
func (m *Model) revealPackage() {
	rows := m.packageRows()
	if m.pkgs.cursor >= len(rows) {
		return
	}
	x := rows[m.pkgs.cursor]
	loc := x.location
	for i := 0; i < len(loc); i++ {
		if loc[i] == '!' { // a jar inside a jar: the outer file
			loc = loc[:i]
			break
		}
	}
	m.selectLayer(x.layer)
	if i := m.d.Index.Find(loc); i > 0 {
		m.tree.reveal(int32(i))
		m.focus = paneTree
		m.tree.scroll(m.treeHeight())
		return
	}
	m.status = printable(loc) + " is not in the tree as of this layer"
}

// nextPane is the pane tab moves to: the packages pane only when packages were read.
func (m *Model) nextPane(d int) pane {
	f := m.focus
	for {
		f = (f + pane(d) + numPanes) % numPanes
		if f != panePackages || m.d.Packages != nil || m.d.PackagesDiff != nil || m.d.PackagesErr != "" {
			return f
		}
	}
}
