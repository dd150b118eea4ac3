package render

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/strata-dev/strata/history"
)

// clip is clip with the options' truncation: none with NoTrunc, and none when fitting to a
// terminal (Width > 0), where tableFit shortens the flexible columns to what fits instead.
func (o Options) clip(s string, n int) string {
	return clip(s, n, o.NoTrunc || o.Width > 0)
}

// command is a history command as a table shows it: its instruction (history.Command:
// "RUN …", "CMD …") clipped at n runes, or, with NoTrunc, created_by whole.
func (o Options) command(createdBy string, n int) string {
	if o.NoTrunc {
		return clip(createdBy, n, true)
	}
	return o.clip(history.Command(createdBy), n)
}

// line fits a line of text that is not a table (a key/value line, a summary) to the
// terminal's width when fitting, clipping it with "…"; otherwise it is unchanged.
func (o Options) line(s string) string {
	if o.Width <= 0 || o.NoTrunc || runewidth.StringWidth(s) <= o.Width {
		return s
	}
	return runewidth.Truncate(s, o.Width, "…")
}

// minFlex is the narrowest a flexible column is shrunk to.
const minFlex = 8

// tableFit is table fitted to width terminal columns (0: not fitted, the stable piped
// layout): when the rows are wider, the flexible columns (indexes into header) shrink, the
// widest first, down to their header's width or minFlex, and their cells are clipped with
// "…". Only these columns shrink; a table whose other columns alone are wider stays wider.
func tableFit(w io.Writer, width int, header []string, rows [][]string, flex ...int) error {
	if width <= 0 || len(flex) == 0 || len(rows) == 0 {
		return table(w, header, rows)
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = runewidth.StringWidth(h)
	}
	esc := make([][]string, len(rows))
	for r, row := range rows {
		esc[r] = make([]string, len(row))
		for i, c := range row {
			esc[r][i] = Escape(c)
			if i < len(widths) {
				widths[i] = max(widths[i], runewidth.StringWidth(esc[r][i]))
			}
		}
	}
	total := 3 * (len(widths) - 1) // the padding between columns
	for _, x := range widths {
		total += x
	}
	limit := make([]int, len(widths))
	copy(limit, widths)
	for excess := total - width; excess > 0; excess-- {
		widest := -1
		for _, i := range flex {
			floor := max(minFlex, runewidth.StringWidth(header[i]))
			if limit[i] > floor && (widest < 0 || limit[i] > limit[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // nothing left to shrink
		}
		limit[widest]--
	}
	for _, row := range esc {
		for _, i := range flex {
			if i < len(row) && runewidth.StringWidth(row[i]) > limit[i] {
				row[i] = runewidth.Truncate(row[i], limit[i], "…")
			}
		}
	}
	return table(w, header, esc)
}

// Width returns the terminal width COLUMNS asks for, when it is a positive number, else
// fallback.
func Width(columns string, fallback int) int {
	n := 0
	for _, r := range strings.TrimSpace(columns) {
		if r < '0' || r > '9' || n > 1<<20 {
			return fallback
		}
		n = n*10 + int(r-'0')
	}
	if n <= 0 {
		return fallback
	}
	return n
}
