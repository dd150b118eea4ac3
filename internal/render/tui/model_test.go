package tui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

var fixtures = []string{"docker/kitchen.tar", "docker/small2.tar", "synth/whiteouts.tar", "synth/oci.tar", "docker/ctr-basic.export.tar"}

// expandAll opens every directory, as pressing → on each would.
func expandAll(m *Model) {
	for i := range m.tree.expanded {
		m.tree.expanded[i] = true
	}
	m.tree.rebuild()
}

// rowsOf lists the tree's rows as "MARK LAYER PATH", marks blank for unchanged.
func rowsOf(m *Model) []string {
	var out []string
	for _, i := range m.tree.rows {
		v, mark := m.d.Index.Shown(int(i), m.tree.layer)
		out = append(out, fmt.Sprintf("%1s %d %s", mark, v.Layer, m.d.Index.Path(int(i))))
	}
	return out
}

// TestTreeAsOfLayer selects each layer with the keys and checks the rows, all directories
// open: the visible ones are exactly the merge of layers 0 to N, in its order, each with the
// layer that provides it; the others are what layer N removed, marked D.
func TestTreeAsOfLayer(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			img := openImage(t, name)
			m := New(data(t, img, name), Options{})
			press(m, "home") // layers pane: layer 0
			for n := range img.Layers {
				if m.tree.layer != n {
					t.Fatalf("after %d downs the tree is as of layer %d", n, m.tree.layer)
				}
				expandAll(m)
				var want []string
				fstree.Merge(img.Layers[:n+1]).Walk(func(p string, nd *fstree.Node) {
					want = append(want, fmt.Sprintf("%d %s", nd.Layer, p))
				})
				var got, removed []string
				for _, r := range rowsOf(m) {
					if r[0] == 'D' {
						removed = append(removed, r[2:])
						continue
					}
					got = append(got, r[2:])
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("layer %d (-merge +tree):\n%s", n, d)
				}
				var wantRemoved []string
				for _, i := range m.d.Index.Changes(n) {
					if v, mk := m.d.Index.Shown(int(i), n); mk == explore.Removed {
						wantRemoved = append(wantRemoved, fmt.Sprintf("%d %s", v.Layer, m.d.Index.Path(int(i))))
					}
				}
				if d := cmp.Diff(wantRemoved, removed); d != "" {
					t.Errorf("layer %d removals (-index +tree):\n%s", n, d)
				}
				press(m, "down")
			}
		})
	}
}

// TestChangesOnly toggles d on each layer: the marked rows are what diff reports between the
// image up to layer N-1 and up to N (changes of content alone aside: marks read no bytes),
// every other row is a directory holding a marked one, and every entry files --layer N
// lists that is visible as of N is a row whose providing layer is N.
func TestChangesOnly(t *testing.T) {
	kinds := map[string]string{"A": "A", "M": "C", "D": "D"}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			img := openImage(t, name)
			m := New(data(t, img, name), Options{})
			press(m, "d", "home")
			prefix := func(n int) *image.Image {
				return &image.Image{Source: img.Source, ID: img.ID, Config: img.Config, Layers: img.Layers[:n]}
			}
			for n := range img.Layers {
				expandAll(m)
				if !m.tree.changesOnly || m.tree.layer != n {
					t.Fatalf("changes-only %v, layer %d, want layer %d", m.tree.changesOnly, m.tree.layer, n)
				}
				rows := rowsOf(m)
				var marked []string
				holders := map[string]bool{}
				for _, r := range rows {
					f := fields(r)
					if f[0] != "" {
						marked = append(marked, kinds[f[0]]+" "+f[2])
						for p := f[2]; p != "/"; {
							p = parent(p)
							holders[p] = true
						}
					}
				}
				for _, r := range rows {
					if f := fields(r); f[0] == "" && !holders[f[2]] {
						t.Errorf("layer %d: unmarked row %s holds no change", n, f[2])
					}
				}
				if n > 0 && img.Config != nil {
					r, err := diff.Compare(merged(prefix(n)), merged(prefix(n+1)), diff.Options{Expand: true})
					if err != nil {
						t.Fatal(err)
					}
					var want []string
					for _, c := range r.Changes {
						if c.Kind == "C" && slices.Equal(c.Reasons, []string{"content"}) {
							continue
						}
						want = append(want, c.Kind+" "+c.Path)
					}
					slices.SortFunc(want, func(a, b string) int { return fstree.ComparePaths(a[2:], b[2:]) })
					if d := cmp.Diff(want, marked); d != "" {
						t.Errorf("layer %d (-diff +marked rows):\n%s", n, d)
					}
				}
				raw, err := files.Layer(img.Layers[n], "")
				if err != nil {
					t.Fatal(err)
				}
				byPath := map[string]string{}
				for _, r := range rowsOf(New(data(t, img, name), Options{}).atLayer(n)) {
					f := fields(r)
					byPath[f[2]] = f[1]
				}
				for _, f := range raw {
					if f.Whiteout != "" {
						continue
					}
					if l, ok := byPath[f.Path]; ok && l != fmt.Sprint(n) {
						t.Errorf("layer %d: files --layer lists %s, the tree says layer %s provides it", n, f.Path, l)
					}
				}
				press(m, "down")
			}
		})
	}
}

// atLayer selects layer n with the keys and opens every directory.
func (m *Model) atLayer(n int) *Model {
	press(m, "home")
	for range n {
		press(m, "down")
	}
	expandAll(m)
	return m
}

// fields splits a row of rowsOf into mark ("" when unchanged), layer and path.
func fields(r string) [3]string {
	mark := strings.TrimSpace(r[:1])
	layer, path, _ := strings.Cut(r[2:], " ")
	return [3]string{mark, layer, path}
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// TestKitchenSecret walks to the deleted key as a user would and reads it in the viewer.
func TestKitchenSecret(t *testing.T) {
	img := openImage(t, "docker/kitchen.tar")
	m := New(data(t, img, "kitchen.tar"), Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	press(m, "k", "tab") // layer 15 removes /root/.ssh/id_rsa
	press(m, "/", "i", "d", "_", "r", "s", "a", "enter")
	got := rowsOf(m)
	want := []string{"  15 /root", "  15 /root/.ssh", "D 4 /root/.ssh/id_rsa"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("filtered rows (-want +got):\n%s", d)
	}
	press(m, "G", "enter")
	if m.viewer == nil || m.viewer.err != nil || m.viewer.layer != 14 {
		t.Fatalf("viewer: %+v", m.viewer)
	}
	if !strings.Contains(ansi.Strip(m.Frame()), "│2 not-a-real-key") {
		t.Errorf("the viewer does not show the key with line numbers:\n%s", m.Frame())
	}
	press(m, "esc", "esc")
	if m.viewer != nil || m.query != "" || m.tree.keep != nil {
		t.Errorf("esc left the viewer or the filter open")
	}
}

// TestWasteJump: Enter on a waste row selects the layer that added the bytes and the path.
func TestWasteJump(t *testing.T) {
	img := openImage(t, "docker/kitchen.tar")
	m := New(data(t, img, "kitchen.tar"), Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for k, w := range m.d.Report.Wasted {
		press(m, "w", "home")
		for range k {
			press(m, "j")
		}
		press(m, "enter")
		if m.focus != paneTree || m.tree.layer != w.Layer {
			t.Errorf("%s: focus %d, layer %d, want the tree at layer %d", w.Path, m.focus, m.tree.layer, w.Layer)
		}
		if i := m.tree.selected(); i < 0 || m.d.Index.Path(int(i)) != w.Path {
			t.Errorf("%s: cursor on %d", w.Path, i)
		}
	}
}

// TestExpandCollapseSplices checks that the rows after expand and collapse are those a full
// layout gives, with the cursor where it was.
func TestExpandCollapseSplices(t *testing.T) {
	img := openImage(t, "docker/kitchen.tar")
	m := New(data(t, img, "kitchen.tar"), Options{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	rng := rand.New(rand.NewPCG(1, 2))
	press(m, "tab")
	for range 300 {
		press(m, []string{"j", "k", "l", "l", "h", "s"}[rng.IntN(6)])
		got := slices.Clone(m.tree.rows)
		at := m.tree.selected()
		m.tree.rebuild()
		if d := cmp.Diff(m.tree.rows, got); d != "" {
			t.Fatalf("spliced rows differ from a full layout (-full +spliced):\n%s", d)
		}
		if m.tree.selected() != at {
			t.Fatalf("rebuild moved the cursor")
		}
	}
}

// TestRandomKeys sends random keys and sizes, tiny ones included: no panic, cursors in
// range, a frame of exactly the terminal's size.
func TestRandomKeys(t *testing.T) {
	keys := []string{"up", "down", "left", "right", "j", "k", "h", "l", "g", "G", "pgup", "pgdown", "tab", "shift+tab",
		"w", "d", "s", "/", "a", "b", "*", "[", "backspace", "enter", "esc", "?", "[", "]", "x", "ctrl+d"}
	for _, d := range []Data{data(t, openImage(t, "docker/kitchen.tar"), "kitchen"), data(t, openImage(t, "docker/base.tar"), "base"), diffData(t, "docker/kitchen.tar", "docker/ctr-basic.export.tar")} {
		rng := rand.New(rand.NewPCG(7, 11))
		m := New(d, Options{Mono: rng.IntN(2) == 0})
		for step := range 3000 {
			if rng.IntN(20) == 0 {
				m.Update(tea.WindowSizeMsg{Width: rng.IntN(14), Height: rng.IntN(12)})
			} else if rng.IntN(40) == 0 {
				m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
			} else {
				press(m, keys[rng.IntN(len(keys))])
			}
			if m.tree.cursor < 0 || (len(m.tree.rows) > 0 && m.tree.cursor >= len(m.tree.rows)) {
				t.Fatalf("step %d: tree cursor %d of %d rows", step, m.tree.cursor, len(m.tree.rows))
			}
			if m.layers.cursor < 0 || m.layers.cursor >= d.Index.Layers {
				t.Fatalf("step %d: layer %d", step, m.layers.cursor)
			}
			checkFrame(t, m)
		}
	}
}

// checkFrame: the frame has the terminal's height and no line is wider than it.
func checkFrame(t *testing.T, m *Model) {
	t.Helper()
	f := m.Frame()
	if m.w == 0 || m.h == 0 {
		if f != "" {
			t.Fatalf("%dx%d: frame %q", m.w, m.h, f)
		}
		return
	}
	lines := strings.Split(f, "\n")
	if len(lines) != m.h {
		t.Fatalf("%dx%d: %d lines", m.w, m.h, len(lines))
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w != m.w {
			t.Fatalf("%dx%d: a line of width %d: %q", m.w, m.h, w, ansi.Strip(l))
		}
	}
}

// TestHostileNames: control characters in names reach the screen escaped.
func TestHostileNames(t *testing.T) {
	if got := printable("a\x1b[31mred\x07\xff"); got != `a\u001b[31mred\u0007\xff` {
		t.Errorf("printable: %q", got)
	}
}

// TestFilter: a substring, a name glob and a path glob keep the matches and their
// ancestors, opened.
func TestFilter(t *testing.T) {
	img := openImage(t, "docker/kitchen.tar")
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"ORIG", []string{"/opt", "/opt/app", "/opt/app/data", "/opt/app/data/orig.txt"}},
		{"*.conf", []string{"/etc", "/etc/app", "/etc/app/app.conf"}},
		{"/opt/**/child.txt", []string{"/opt", "/opt/app", "/opt/app/swap", "/opt/app/swap/new", "/opt/app/swap/new/child.txt",
			"/opt/app/swap2", "/opt/app/swap2/new", "/opt/app/swap2/new/child.txt"}},
		{"/etc/*", []string{"/etc", "/etc/app", "/etc/group", "/etc/passwd"}},
	} {
		m := New(data(t, img, "kitchen"), Options{})
		press(m, append([]string{"/"}, append(strings.Split(c.q, ""), "enter")...)...)
		var got []string
		for _, r := range rowsOf(m) {
			got = append(got, fields(r)[2])
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("filter %q (-want +got):\n%s", c.q, d)
		}
	}
}

// TestPackagesPane: for every layer the pane lists what packages reports of it; enter
// shows a package's location in the tree; tab reaches the pane only when packages were read.
func TestPackagesPane(t *testing.T) {
	d := packagesData(t)
	m := New(d, Options{Mono: true})
	m.resize(120, 40)
	press(m, "p")
	if m.focus != panePackages {
		t.Fatalf("focus %d", m.focus)
	}
	for l := range d.Packages.Layers {
		m.selectLayer(l)
		rows := m.packageRows()
		if len(rows) != len(d.Packages.Layers[l].Changes) {
			t.Errorf("layer %d: %d rows, packages says %d changes", l, len(rows), len(d.Packages.Layers[l].Changes))
		}
		if !strings.Contains(m.Frame(), fmt.Sprintf("Packages of layer %d", l)) {
			t.Errorf("layer %d: frame without the pane's title", l)
		}
	}
	m.selectLayer(5) // the app layer: gohello is its largest
	press(m, "enter")
	if m.focus != paneTree || m.tree.selected() < 0 || !strings.Contains(m.tree.describe(m.tree.selected()), "gohello") {
		t.Errorf("enter: focus %d, %q", m.focus, m.status)
	}
	kitchen := New(data(t, openImage(t, "docker/kitchen.tar"), "kitchen.tar"), Options{Mono: true})
	for range 10 {
		press(kitchen, "tab")
		if kitchen.focus == panePackages {
			t.Fatal("tab reached the packages pane of an image whose packages were not read")
		}
	}
}
