package tui

import (
	"fmt"
	"strings"

	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/internal/render"
)

// layersView lists the layers: index, size, wasted bytes, command; in a diff, OLD and NEW.
func (m *Model) layersView(w, h int) []string {
	iw, ih := inner(w, h)
	var lines []string
	focused := m.focus == paneLayers
	if m.d.Diff != nil {
		for l, name := range [2]string{"OLD " + m.d.OldTitle, "NEW " + m.d.Title} {
			lines = append(lines, m.layerLine(l, fmt.Sprintf("%d %s", l, printable(name)), iw, focused))
		}
		return box(&m.st, "Images", lines, w, h, focused)
	}
	ls := m.d.Report.Layers
	if ih > 0 {
		lines = append(lines, m.st.title.Render(fit(fmt.Sprintf("%3s %8s %8s  %s", "#", "SIZE", "WASTED", "COMMAND"), iw)))
	}
	for l := m.layers.top; l < len(ls) && len(lines) < ih; l++ {
		L := ls[l]
		wasted := ""
		if L.Wasted > 0 {
			wasted = render.Size(L.Wasted)
		}
		text := fmt.Sprintf("%3d %8s %8s  %s", L.Index, render.Size(L.Size), wasted, oneLine(L.CreatedBy))
		lines = append(lines, m.layerLine(l, text, iw, focused))
	}
	return box(&m.st, fmt.Sprintf("Layers (%d)", len(ls)), lines, w, h, focused)
}

func (m *Model) layerLine(l int, text string, iw int, focused bool) string {
	s := m.st.mark[0]
	if l == m.layers.cursor {
		if focused {
			s = m.st.selected
		} else {
			s = s.Bold(true)
		}
	}
	return styled(s, text, iw)
}

// oneLine is a command as the tables show it (history.Command: "RUN …", "CMD …"), escaped.
func oneLine(s string) string { return printable(history.Command(s)) }

// bottomView is the pane under the layers: the focused waste or image pane, else the
// selected layer's details.
func (m *Model) bottomView(w, h int) []string {
	switch m.focus {
	case paneWaste:
		return m.wasteView(w, h)
	case paneImage:
		return m.imageView(w, h)
	case panePackages:
		return m.packagesView(w, h)
	}
	return m.detailsView(w, h)
}

func (m *Model) detailsView(w, h int) []string {
	iw, ih := inner(w, h)
	l := m.layers.cursor
	var text []string
	c := m.d.Index.Counts(l)
	marks := fmt.Sprintf("A %d  M %d  D %d", c.Added, c.Modified, c.Removed)
	if m.d.Diff != nil {
		s := m.d.Diff.Summary
		text = append(text,
			fmt.Sprintf("OLD  %s", printable(m.d.OldTitle)),
			fmt.Sprintf("NEW  %s", printable(m.d.Title)),
			fmt.Sprintf("Mode: %s", m.d.Diff.Mode),
			fmt.Sprintf("Added %d, changed %d, deleted %d", s.Added, s.Changed, s.Deleted),
			fmt.Sprintf("Size delta: %+d bytes", s.SizeDelta),
		)
		return box(&m.st, "Diff", fitAll(text, iw, ih), w, h, false)
	}
	L := m.d.Report.Layers[l]
	text = append(text,
		"Digest:  "+orNone(L.Digest),
		"DiffID:  "+orNone(L.DiffID),
		fmt.Sprintf("Size %s, stored %s, %s", render.Size(L.Size), render.Size(L.TarSize), render.Count(L.Files, "file")),
		"Wasted later: "+render.Size(L.Wasted),
		"Changes: "+marks,
		"Command:",
	)
	for _, line := range wrap(strings.Join(strings.Fields(printable(L.CreatedBy)), " "), max(iw-2, 1), max(ih-len(text), 0)) {
		text = append(text, "  "+line)
	}
	return box(&m.st, fmt.Sprintf("Layer %d", l), fitAll(text, iw, ih), w, h, false)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// fitAll fits up to h lines of plain text to w cells.
func fitAll(text []string, w, h int) []string {
	out := make([]string, 0, min(len(text), h))
	for _, t := range text {
		if len(out) == h {
			break
		}
		out = append(out, fit(t, w))
	}
	return out
}
