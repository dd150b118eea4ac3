package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/strata-dev/strata/explore"
)

// styles are made once. In monochrome no colour is used: the marker column tells A/M/D
// apart and the selection is reverse video.
type styles struct {
	mark          [4]lipgloss.Style // by explore.Mark
	selected      lipgloss.Style
	border, focus lipgloss.Style // pane borders, unfocused and focused
	title         lipgloss.Style
	dim           lipgloss.Style
	status        lipgloss.Style
}

func newStyles(mono bool) styles {
	c := func(s lipgloss.Style, col color.Color) lipgloss.Style {
		if mono {
			return s
		}
		return s.Foreground(col)
	}
	var s styles
	s.mark[explore.Unchanged] = lipgloss.NewStyle()
	s.mark[explore.Added] = c(lipgloss.NewStyle(), lipgloss.Green)
	s.mark[explore.Modified] = c(lipgloss.NewStyle(), lipgloss.Yellow)
	s.mark[explore.Removed] = c(lipgloss.NewStyle(), lipgloss.Red)
	s.selected = lipgloss.NewStyle().Reverse(true)
	s.border = c(lipgloss.NewStyle(), lipgloss.BrightBlack)
	s.focus = c(lipgloss.NewStyle().Bold(true), lipgloss.Cyan)
	s.title = lipgloss.NewStyle().Bold(true)
	s.dim = c(lipgloss.NewStyle(), lipgloss.BrightBlack)
	s.status = lipgloss.NewStyle().Reverse(true)
	return s
}
