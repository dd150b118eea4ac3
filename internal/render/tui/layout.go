package tui

// layout is where the panes go for a terminal size: a left column with the layers above
// the details (or waste, or image) pane, the file tree on the right, one status line.
type layout struct {
	leftW, rightW int
	layersH       int // height of the layers pane, borders included
	bottomH       int // height of the pane below it
	bodyH         int // height of both columns
}

// layoutFor computes pane sizes from the terminal size and the number of layers; every size
// is at least 0 and they add up to the terminal's.
func layoutFor(w, h, layers int) layout {
	var l layout
	if w < 0 {
		w = 0
	}
	l.bodyH = max(h-1, 0)
	l.leftW = min(max(w*2/5, min(36, w)), w)
	l.rightW = w - l.leftW
	want := layers + 2
	l.layersH = min(want, l.bodyH*3/5)
	if l.layersH < 3 {
		l.layersH = min(3, l.bodyH)
	}
	l.bottomH = l.bodyH - l.layersH
	return l
}

// inner is a pane's content size: borders take one cell on each side.
func inner(w, h int) (int, int) { return max(w-2, 0), max(h-2, 0) }
