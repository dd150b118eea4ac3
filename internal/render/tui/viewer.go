package tui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/internal/render"
)

// ViewerCap is the most bytes the viewer reads of a file; it says when it showed less.
const ViewerCap = 1 << 20

// viewer shows one file: text with line numbers, a hex dump for binary content. Its bytes
// are read by a Cmd through Data.Open, on demand, at most ViewerCap of them.
type viewer struct {
	id        int
	path      string
	layer     int
	size      int64 // the file's size, as the index says
	loading   bool
	err       error
	data      []byte
	truncated bool
	binary    bool
	lines     []int // text: offsets of line starts
	top       int
}

type viewerMsg struct {
	id        int
	data      []byte
	truncated bool
	err       error
}

var viewerIDs int

// openViewer starts reading node i as of the tree's layer (for a removed path, as of the
// layer below, which still showed it).
func (m *Model) openViewer(i int32) tea.Cmd {
	v, mark := m.d.Index.Shown(int(i), m.tree.layer)
	if v == nil {
		return nil
	}
	layer := m.tree.layer
	if mark == explore.Removed {
		layer--
	}
	viewerIDs++
	vw := &viewer{id: viewerIDs, path: m.d.Index.Path(int(i)), layer: layer, size: v.Size(), loading: true}
	m.viewer = vw
	open := m.d.Open
	if open == nil {
		vw.loaded(viewerMsg{id: vw.id, err: fmt.Errorf("no content reader")})
		return nil
	}
	id, p := vw.id, vw.path
	return func() tea.Msg {
		rc, err := open(p, layer)
		if err != nil {
			return viewerMsg{id: id, err: err}
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, ViewerCap+1))
		if err != nil {
			return viewerMsg{id: id, err: err}
		}
		msg := viewerMsg{id: id, data: data}
		if len(data) > ViewerCap {
			msg.data, msg.truncated = data[:ViewerCap], true
		}
		return msg
	}
}

func (v *viewer) loaded(msg viewerMsg) {
	v.loading = false
	v.err, v.data, v.truncated = msg.err, msg.data, msg.truncated
	v.binary = isBinary(v.data)
	if !v.binary {
		v.lines = []int{0}
		for k, c := range v.data {
			if c == '\n' && k+1 < len(v.data) {
				v.lines = append(v.lines, k+1)
			}
		}
	}
}

// isBinary: a NUL byte or invalid UTF-8 in the first 8 KiB.
func isBinary(b []byte) bool {
	head := b[:min(len(b), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	for len(head) > 0 {
		r, n := utf8.DecodeRune(head)
		if r == utf8.RuneError && n <= 1 && len(head) >= utf8.UTFMax {
			return true
		}
		head = head[n:]
	}
	return false
}

func (v *viewer) rows() int {
	if v.binary {
		return (len(v.data) + 15) / 16
	}
	return len(v.lines)
}

func (v *viewer) scroll(d, height int) {
	v.top = clamp(v.top+d, 0, max(v.rows()-height, 0))
}

func (v *viewer) key(m *Model, k tea.KeyPressMsg) {
	h := m.viewerHeight()
	km := m.keys
	switch {
	case keyIs(k, km.Up):
		v.scroll(-1, h)
	case keyIs(k, km.Down):
		v.scroll(1, h)
	case keyIs(k, km.PageUp):
		v.scroll(-max(h-1, 1), h)
	case keyIs(k, km.PageDown):
		v.scroll(max(h-1, 1), h)
	case keyIs(k, km.Top):
		v.scroll(-1<<30, h)
	case keyIs(k, km.Bottom):
		v.scroll(1<<30, h)
	}
}

func (v *viewer) describe() string {
	switch {
	case v.loading:
		return "reading " + printable(v.path) + "…"
	case v.err != nil:
		return "esc closes the viewer"
	}
	kind := "text"
	if v.binary {
		kind = "binary, hex"
	}
	s := fmt.Sprintf("%s  as of layer %d  %s  %s", printable(v.path), v.layer, render.Size(v.size), kind)
	if v.truncated {
		s += fmt.Sprintf("  showing the first %s only", render.Size(ViewerCap))
	}
	return s + "  · esc closes"
}

// view draws the rows on screen only: a hex line or a text line is formatted when shown.
func (v *viewer) view(m *Model, w, h int) []string {
	iw, ih := inner(w, h)
	var lines []string
	switch {
	case v.loading:
		lines = append(lines, fit("reading…", iw))
	case v.err != nil:
		for _, l := range wrap(printable(v.err.Error()), iw, ih) {
			lines = append(lines, fit(l, iw))
		}
	case v.binary:
		for r := v.top; r < v.rows() && len(lines) < ih; r++ {
			lines = append(lines, fit(hexLine(v.data, r*16), iw))
		}
	default:
		digits := len(itoa(len(v.lines)))
		for r := v.top; r < len(v.lines) && len(lines) < ih; r++ {
			end := len(v.data)
			if r+1 < len(v.lines) {
				end = v.lines[r+1]
			}
			text := strings.TrimRight(string(v.data[v.lines[r]:end]), "\n")
			text = strings.ReplaceAll(text, "\t", "    ")
			num := m.st.dim.Render(fmt.Sprintf("%*d ", digits, r+1))
			lines = append(lines, num+fit(printable(text), max(iw-digits-1, 0)))
		}
	}
	title := printable(v.path)
	if v.truncated {
		title += fmt.Sprintf(" (first %s of %s)", render.Size(ViewerCap), render.Size(v.size))
	}
	return box(&m.st, title, lines, w, h, true)
}

// hexLine formats 16 bytes from off as hexdump -C does.
func hexLine(b []byte, off int) string {
	end := min(off+16, len(b))
	var s strings.Builder
	fmt.Fprintf(&s, "%08x  ", off)
	for k := off; k < off+16; k++ {
		if k < end {
			fmt.Fprintf(&s, "%02x ", b[k])
		} else {
			s.WriteString("   ")
		}
		if k == off+7 {
			s.WriteByte(' ')
		}
	}
	s.WriteString(" |")
	for k := off; k < end; k++ {
		c := b[k]
		if c < 0x20 || c >= 0x7f {
			c = '.'
		}
		s.WriteByte(c)
	}
	s.WriteString("|")
	return s.String()
}
