package tui

import (
	"fmt"

	"github.com/strata-dev/strata/internal/render"
)

// wasteView lists inspect's waste rows: bytes a layer added that a later one hid, why, and
// where. Enter jumps to the layer that added them, at the path.
func (m *Model) wasteView(w, h int) []string {
	iw, ih := inner(w, h)
	rows := m.d.Report.Wasted
	var lines []string
	if len(rows) == 0 && ih > 0 {
		lines = append(lines, m.st.dim.Render(fit("no wasted bytes", iw)))
	}
	for r := m.waste.top; r < len(rows) && len(lines) < ih; r++ {
		x := rows[r]
		why := fmt.Sprintf("%s (layer %d)", x.Reason, x.HiddenBy)
		path := printable(x.Path)
		if x.Files > 1 {
			path += fmt.Sprintf(" (%d files)", x.Files)
		}
		if x.Sensitive {
			path += " [sensitive]"
		}
		text := fmt.Sprintf("%8s %3d  %s  %s", render.Size(x.Size), x.Layer, path, why)
		s := m.st.mark[0]
		if r == m.waste.cursor {
			s = m.st.selected
		}
		lines = append(lines, styled(s, text, iw))
	}
	title := fmt.Sprintf("Waste %s (%d)", render.Size(m.d.Report.WastedBytes), len(rows))
	return box(&m.st, title, lines, w, h, true)
}

// describeWaste is the status line for a waste row: what added the bytes, what hid them, why.
func (m *Model) describeWaste() string {
	rows := m.d.Report.Wasted
	if m.waste.cursor >= len(rows) {
		return ""
	}
	x := rows[m.waste.cursor]
	return fmt.Sprintf("%s: %s added by layer %d (%s), %s by layer %d (%s) · enter: show it",
		printable(x.Path), render.Size(x.Size), x.Layer, oneLine(x.CreatedBy), x.Reason, x.HiddenBy, oneLine(x.HiddenCreatedBy))
}
