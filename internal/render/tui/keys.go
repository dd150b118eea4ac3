package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap is every key the explorer answers to; the help overlay is built from it.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Collapse, Expand                        key.Binding
	PrevLayer, NextLayer                    key.Binding
	NextPane, PrevPane, Waste, Packages     key.Binding
	Filter, Sort, Changes, Enter            key.Binding
	Help, Back, Quit                        key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:        b("↑/k", "move up", "up", "k"),
		Down:      b("↓/j", "move down", "down", "j"),
		PageUp:    b("pgup/ctrl+u/b", "page up", "pgup", "ctrl+u", "ctrl+b", "b"),
		PageDown:  b("pgdn/ctrl+d/f", "page down", "pgdown", "ctrl+d", "ctrl+f", "f"),
		Top:       b("home/g", "go to the top", "home", "g"),
		Bottom:    b("end/G", "go to the bottom", "end", "G"),
		Collapse:  b("←/h", "collapse (or go to the parent)", "left", "h"),
		Expand:    b("→/l", "expand", "right", "l"),
		PrevLayer: b("[", "previous layer", "["),
		NextLayer: b("]", "next layer", "]"),
		NextPane:  b("tab", "next pane (layers, files, waste, image, packages)", "tab"),
		PrevPane:  b("shift+tab", "previous pane", "shift+tab"),
		Waste:     b("w", "waste pane (enter: jump to the layer and path)", "w"),
		Packages:  b("p", "packages pane: the selected layer's package changes and bytes (enter: show where it lives)", "p"),
		Filter:    b("/", "filter: name substring, glob (*.so), path glob (/etc/**/*.conf); enter keeps, esc clears", "/"),
		Sort:      b("s", "sort: name, size", "s"),
		Changes:   b("d", "all files as of the layer / only the layer's changes", "d"),
		Enter:     b("enter", "open the file (viewer) or jump to a waste row", "enter"),
		Help:      b("?", "this help", "?"),
		Back:      b("esc", "close the viewer, help or filter", "esc"),
		Quit:      b("q/ctrl+c", "quit", "q", "ctrl+c"),
	}
}

// all lists the bindings in the order the help shows them.
func (k keyMap) all() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Collapse, k.Expand,
		k.PrevLayer, k.NextLayer, k.NextPane, k.PrevPane, k.Waste, k.Packages, k.Filter, k.Sort, k.Changes,
		k.Enter, k.Help, k.Back, k.Quit}
}

func keyIs(k tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(k, b...) }
