package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/strata-dev/strata/internal/render"
)

// printable escapes what must not reach the terminal from an archive, as every table does
// (render.Escape: control characters, bidi overrides, invalid UTF-8).
func printable(s string) string { return render.Escape(s) }

// fit truncates or pads plain text to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// box draws a pane of exactly w×h cells: a border with the title on top, and the lines
// (already fitted to w-2 cells, styled) inside, padded with blank lines.
func box(st *styles, title string, lines []string, w, h int, focused bool) []string {
	out := make([]string, 0, h)
	if h <= 0 {
		return out
	}
	if w < 2 || h < 2 {
		for range h {
			out = append(out, strings.Repeat(" ", max(w, 0)))
		}
		return out
	}
	bs := st.border
	if focused {
		bs = st.focus
	}
	iw, ih := inner(w, h)
	t := ""
	if title != "" && iw > 2 {
		t = ansi.Truncate(" "+title+" ", iw-1, "…")
	}
	top := "╭─" + t
	top += strings.Repeat("─", max(w-1-ansi.StringWidth(top), 0)) + "╮"
	if w < 3 {
		top = "╭╮"
	}
	out = append(out, bs.Render(top))
	side := bs.Render("│")
	blank := strings.Repeat(" ", iw)
	for k := range ih {
		l := blank
		if k < len(lines) {
			l = lines[k]
		}
		out = append(out, side+l+side)
	}
	out = append(out, bs.Render("╰"+strings.Repeat("─", w-2)+"╯"))
	return out
}

// styled fits plain text to w cells and styles it.
func styled(s lipgloss.Style, text string, w int) string { return s.Render(fit(text, w)) }

// wrap breaks text into at most n lines of at most w cells (hard breaks, for commands
// and digests): one pass over the text, stopping at n lines.
func wrap(text string, w, n int) []string {
	if w <= 0 || n <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		start, width := 0, 0
		for k, r := range para {
			rw := ansi.StringWidth(string(r))
			if width+rw > w && k > start {
				out = append(out, para[start:k])
				if len(out) == n {
					return out
				}
				start, width = k, 0
			}
			width += rw
		}
		out = append(out, para[start:])
		if len(out) == n {
			return out
		}
	}
	return out
}
