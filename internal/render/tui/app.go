// Package tui is strata's terminal explorer: a layers pane, the file tree as of the selected
// layer, the waste and image panes, and a file viewer, drawn from the structs the analysis
// packages compute (explore, inspect, diff). It knows nothing of archives: file bytes come
// from the caller's Open function.
package tui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/packages"
)

// Data is what the explorer shows.
type Data struct {
	Title   string          // the image, as the user named it
	Index   *explore.Index  // the paths, layer by layer
	Report  *inspect.Report // layers, waste, config (of NEW when comparing)
	History []history.Row   // docker history, newest first, empty-layer rows too (of NEW)
	// Diff is set when comparing two images: the index then has two layers, 0 for OLD and
	// 1 for NEW, whose marks are diff's; OldTitle names OLD.
	Diff     *diff.Result
	OldTitle string
	// Packages is the image's packages report (of NEW when comparing), PackagesDiff the two
	// images' package diff; nil when not read, and PackagesErr says why when reading failed.
	Packages     *packages.Report
	PackagesDiff *packages.Diff
	PackagesErr  string
	// Open reads the regular file at path as of a layer (symlinks followed, hardlinks
	// resolved), for the viewer.
	Open func(path string, layer int) (io.ReadCloser, error)
}

// Options change how the explorer draws.
type Options struct {
	Mono bool // no colours: A/M/D by the marker column only
}

type pane int

const (
	paneLayers pane = iota
	paneTree
	paneWaste
	paneImage
	panePackages
	numPanes
)

var paneNames = [...]string{"Layers", "Files", "Waste", "Image", "Packages"}

// debounce is how long the filter waits after the last key before it runs.
const debounce = 150 * time.Millisecond

// Model is the explorer's state. The root routes keys to the focused pane; View only reads.
type Model struct {
	d     Data
	keys  keyMap
	st    styles
	w, h  int
	focus pane
	lay   layout

	layers  list // cursor = the selected layer
	tree    *tree
	waste   list
	image   list
	pkgs    list
	imgText []string // the image pane's lines, built once
	viewer  *viewer
	help    bool

	filtering bool                                                 // typing a filter
	query     string                                               // the filter being typed or applied
	filterTag int                                                  // bumped per key: only the last tick applies
	status    string                                               // a message for the status line, until the next key
	tick      func(time.Duration, func(time.Time) tea.Msg) tea.Cmd // tea.Tick; tests deliver at once
}

// list is a cursor and a scroll offset over n rows.
type list struct{ cursor, top int }

func (l *list) move(d, n, height int) {
	l.cursor = clamp(l.cursor+d, 0, n-1)
	l.top = scrollTop(l.top, l.cursor, height, n)
}

// New makes the explorer's model, showing the last layer. Its cost is one pass over the
// top level of the tree and one over the sizes.
func New(d Data, o Options) *Model {
	m := &Model{d: d, keys: newKeyMap(), st: newStyles(o.Mono), w: 80, h: 24, tick: tea.Tick}
	last := max(d.Index.Layers-1, 0)
	m.layers.cursor = last
	m.tree = newTree(d.Index, last)
	m.imgText = imageLines(d)
	m.resize(m.w, m.h)
	return m
}

// Init asks for nothing: the first frame needs no I/O.
func (m *Model) Init() tea.Cmd { return nil }

type filterMsg struct{ tag int }

// Update handles one message: O(1) work per key, except what the key is for (expanding
// adds the rows it shows, a layer switch lays out the visible rows again).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case filterMsg:
		if msg.tag == m.filterTag {
			m.applyFilter()
		}
		return m, nil
	case viewerMsg:
		if m.viewer != nil && m.viewer.id == msg.id {
			m.viewer.loaded(msg)
		}
		return m, nil
	case tea.MouseWheelMsg:
		d := 3
		if msg.Button == tea.MouseWheelUp {
			d = -3
		}
		m.moveBy(d)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.status = ""
	if k.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.filtering {
		return m.filterKey(k)
	}
	if m.help {
		if key.Matches(k, m.keys.Quit) && k.String() == "q" || key.Matches(k, m.keys.Back, m.keys.Help) {
			m.help = false
		}
		return m, nil
	}
	if m.viewer != nil {
		if key.Matches(k, m.keys.Back, m.keys.Quit, m.keys.Enter) {
			m.viewer = nil
			return m, nil
		}
		m.viewer.key(m, k)
		return m, nil
	}
	km := m.keys
	switch {
	case key.Matches(k, km.Quit):
		return m, tea.Quit
	case key.Matches(k, km.Help):
		m.help = true
	case key.Matches(k, km.NextPane):
		m.focus = m.nextPane(1)
	case key.Matches(k, km.PrevPane):
		m.focus = m.nextPane(-1)
	case key.Matches(k, km.Waste):
		if m.focus == paneWaste {
			m.focus = paneTree
		} else {
			m.focus = paneWaste
		}
	case key.Matches(k, km.Packages):
		if m.focus == panePackages {
			m.focus = paneTree
		} else {
			m.focus = panePackages
		}
	case key.Matches(k, km.Up):
		m.moveBy(-1)
	case key.Matches(k, km.Down):
		m.moveBy(1)
	case key.Matches(k, km.PageUp):
		m.moveBy(-max(m.paneHeight()-1, 1))
	case key.Matches(k, km.PageDown):
		m.moveBy(max(m.paneHeight()-1, 1))
	case key.Matches(k, km.Top):
		m.moveBy(-1 << 30)
	case key.Matches(k, km.Bottom):
		m.moveBy(1 << 30)
	case key.Matches(k, km.PrevLayer):
		m.selectLayer(m.layers.cursor - 1)
	case key.Matches(k, km.NextLayer):
		m.selectLayer(m.layers.cursor + 1)
	case key.Matches(k, km.Collapse):
		if m.focus == paneTree {
			m.tree.collapse()
			m.tree.scroll(m.treeHeight())
		}
	case key.Matches(k, km.Expand):
		if m.focus == paneTree {
			m.tree.expand()
		}
	case key.Matches(k, km.Filter):
		m.filtering = true
		m.focus = paneTree
	case key.Matches(k, km.Back):
		if m.query != "" {
			m.query = ""
			m.applyFilter()
		}
	case key.Matches(k, km.Sort):
		m.tree.bySize = !m.tree.bySize
		m.tree.rebuild()
		m.tree.scroll(m.treeHeight())
	case key.Matches(k, km.Changes):
		m.tree.setChangesOnly(!m.tree.changesOnly)
		m.tree.scroll(m.treeHeight())
	case key.Matches(k, km.Enter):
		return m, m.enter()
	}
	return m, nil
}

func (m *Model) filterKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "enter":
		m.filtering = false
		m.applyFilter()
		return m, nil
	case "esc":
		m.filtering = false
		m.query = ""
		m.applyFilter()
		return m, nil
	case "backspace":
		if m.query != "" {
			r := []rune(m.query)
			m.query = string(r[:len(r)-1])
		}
	default:
		if k.Text == "" {
			return m, nil
		}
		m.query += k.Text
	}
	m.filterTag++
	tag := m.filterTag
	return m, m.tick(debounce, func(time.Time) tea.Msg { return filterMsg{tag} })
}

func (m *Model) applyFilter() {
	m.filterTag++ // a pending tick is stale now
	if err := m.tree.filter(m.query); err != nil {
		m.status = err.Error()
	}
	m.tree.scroll(m.treeHeight())
}

// moveBy moves the focused pane's cursor.
func (m *Model) moveBy(d int) {
	if m.viewer != nil {
		m.viewer.scroll(d, m.viewerHeight())
		return
	}
	switch m.focus {
	case paneLayers:
		m.selectLayer(clamp(m.layers.cursor+d, 0, m.d.Index.Layers-1))
	case paneTree:
		m.tree.move(d, m.treeHeight())
	case paneWaste:
		m.waste.move(d, len(m.d.Report.Wasted), m.bottomHeight())
	case paneImage:
		m.image.move(d, len(m.imgText), m.bottomHeight())
	case panePackages:
		m.pkgs.move(d, len(m.packageRows()), m.bottomHeight())
	}
}

func (m *Model) selectLayer(l int) {
	l = clamp(l, 0, m.d.Index.Layers-1)
	m.layers.cursor = l
	m.layers.top = scrollTop(m.layers.top, l, m.layersHeight(), m.d.Index.Layers)
	if l != m.tree.layer {
		m.tree.setLayer(l)
		m.tree.scroll(m.treeHeight())
		m.pkgs = list{}
	}
}

// enter opens the selected file in the viewer, or jumps to a waste row's layer and path.
func (m *Model) enter() tea.Cmd {
	switch m.focus {
	case panePackages:
		m.revealPackage()
	case paneWaste:
		if m.waste.cursor < len(m.d.Report.Wasted) {
			w := m.d.Report.Wasted[m.waste.cursor]
			m.selectLayer(w.Layer)
			if i := m.d.Index.Find(w.Path); i > 0 {
				m.tree.reveal(int32(i))
			}
			m.focus = paneTree
			m.tree.scroll(m.treeHeight())
		}
	case paneTree:
		i := m.tree.selected()
		if i < 0 {
			return nil
		}
		if v, _ := m.d.Index.Shown(int(i), m.tree.layer); v != nil && v.Type() == image.TypeDir {
			if !m.tree.isDir(i) {
				return nil
			}
			if m.tree.expanded[i] {
				m.tree.collapse()
			} else {
				m.tree.expand()
			}
			return nil
		}
		return m.openViewer(i)
	}
	return nil
}

func (m *Model) resize(w, h int) {
	m.w, m.h = max(w, 0), max(h, 0)
	m.lay = layoutFor(m.w, m.h, m.d.Index.Layers+1)
	m.tree.scroll(m.treeHeight())
	m.layers.top = scrollTop(m.layers.top, m.layers.cursor, m.layersHeight(), m.d.Index.Layers)
	m.waste.move(0, len(m.d.Report.Wasted), m.bottomHeight())
	m.image.move(0, len(m.imgText), m.bottomHeight())
	m.pkgs.move(0, len(m.packageRows()), m.bottomHeight())
	if m.viewer != nil {
		m.viewer.scroll(0, m.viewerHeight())
	}
}

// layersHeight is the layer rows on screen: the pane less its header line (none in a diff).
func (m *Model) layersHeight() int {
	_, h := inner(m.lay.leftW, m.lay.layersH)
	if m.d.Diff != nil {
		return h
	}
	return max(h-1, 0)
}

// treeHeight is the tree's rows on screen: its pane less the header line.
func (m *Model) treeHeight() int {
	_, h := inner(m.lay.rightW, m.lay.bodyH)
	return max(h-1, 0)
}

func (m *Model) bottomHeight() int {
	_, h := inner(m.lay.leftW, m.lay.bottomH)
	return h
}

func (m *Model) viewerHeight() int {
	_, h := inner(m.w, m.lay.bodyH)
	return h
}

func (m *Model) paneHeight() int {
	switch m.focus {
	case paneLayers:
		return m.layersHeight()
	case paneTree:
		return m.treeHeight()
	}
	return m.bottomHeight()
}

// View draws the frame: O(visible rows).
func (m *Model) View() tea.View {
	v := tea.NewView(m.Frame())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "strata explore " + printable(m.d.Title)
	return v
}

// Frame is the screen as text, exactly the terminal's height in lines.
func (m *Model) Frame() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	var body []string
	switch {
	case m.viewer != nil:
		body = m.viewer.view(m, m.w, m.lay.bodyH)
	case m.help:
		body = m.helpView(m.w, m.lay.bodyH)
	default:
		left := append(m.layersView(m.lay.leftW, m.lay.layersH), m.bottomView(m.lay.leftW, m.lay.bottomH)...)
		right := m.treeView(m.lay.rightW, m.lay.bodyH)
		body = make([]string, m.lay.bodyH)
		for k := range body {
			var l, r string
			if k < len(left) {
				l = left[k]
			}
			if k < len(right) {
				r = right[k]
			}
			body[k] = l + r
		}
	}
	body = append(body, m.statusLine())
	return strings.Join(body, "\n")
}

func (m *Model) statusLine() string {
	var s string
	switch {
	case m.filtering:
		s = " filter: " + printable(m.query) + "▏  (enter keeps, esc clears)"
	case m.status != "":
		s = " " + m.status
	case m.viewer != nil:
		s = " " + m.viewer.describe()
	case m.help:
		s = " esc, q or ? closes the help"
	case m.focus == paneTree && m.tree.selected() >= 0:
		s = " " + m.tree.describe(m.tree.selected())
	case m.focus == paneWaste && len(m.d.Report.Wasted) > 0:
		s = " " + m.describeWaste()
	case m.focus == panePackages && len(m.packageRows()) > 0:
		s = " " + m.describePackage()
	default:
		s = " " + paneNames[m.focus] + " · tab: next pane · ?: help · q: quit"
	}
	return m.st.status.Render(fit(s, m.w))
}

func (m *Model) treeView(w, h int) []string {
	iw, ih := inner(w, h)
	t := m.tree
	title := "Files as of layer " + itoa(t.layer)
	if m.d.Diff != nil {
		title = "Files of " + [2]string{"OLD", "NEW"}[clamp(t.layer, 0, 1)]
	}
	if t.changesOnly {
		title += " · only its changes"
	}
	if t.bySize {
		title += " · by size"
	}
	if m.query != "" {
		title += " · filter " + printable(m.query)
	}
	lines := make([]string, 0, ih)
	head := fmt.Sprintf("%s %8s %3s  %s", " ", "SIZE", "L", "NAME")
	if ih > 0 {
		lines = append(lines, m.st.title.Render(fit(head, iw)))
	}
	for r := t.top; r < len(t.rows) && len(lines) < ih; r++ {
		text, mark := t.row(t.rows[r])
		s := m.st.mark[mark]
		if r == t.cursor && m.focus == paneTree {
			s = s.Inherit(m.st.selected).Reverse(true)
		} else if r == t.cursor {
			s = s.Bold(true)
		}
		lines = append(lines, styled(s, text, iw))
	}
	if len(t.rows) == 0 && ih > 1 {
		msg := "(nothing as of this layer)"
		if t.changesOnly {
			msg = "(this layer changed no file)"
		}
		if m.query != "" {
			msg = "(no name matches the filter)"
		}
		lines = append(lines, m.st.dim.Render(fit(msg, iw)))
	}
	return box(&m.st, title, lines, w, h, m.focus == paneTree)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func (m *Model) helpView(w, h int) []string {
	iw, _ := inner(w, h)
	var lines []string
	for _, b := range m.keys.all() {
		hp := b.Help()
		lines = append(lines, fit("  "+fit(hp.Key, 14)+"  "+hp.Desc, iw))
	}
	lines = append(lines, fit("", iw),
		fit("  Marks: A added, M modified, D removed by the selected layer (compared with the one below).", iw),
		fit("  Sizes are regular-file bytes as of the layer; a directory sums what it holds. L is the providing layer.", iw))
	return box(&m.st, "Keys", lines, w, h, true)
}
