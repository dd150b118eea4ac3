package html

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

// checkLayerChart compares the chart's bars with inspect's layers: one bar per layer, its
// bytes added and wasted.
func checkLayerChart(tb *tab, im *Image) {
	tb.t.Helper()
	bars := evalAs[[][]int64](tb, `[...document.querySelectorAll('#layers svg .bar')].map(g => [+g.dataset.layer, +g.dataset.size, +g.dataset.wasted])`)
	want := make([][]int64, len(im.Inspect.Layers))
	for i, l := range im.Inspect.Layers {
		want[i] = []int64{int64(i), l.Size, l.Wasted}
	}
	if fmt.Sprint(bars) != fmt.Sprint(want) {
		tb.t.Errorf("layer bars [layer size wasted]:\n got %v\nwant %v", bars, want)
	}
}

func rowCount(tb *tab) int {
	tb.t.Helper()
	return evalAs[int](tb, `+document.querySelector('#explorer .viewport').dataset.rows`)
}

func rowNodes(tb *tab) int {
	tb.t.Helper()
	return evalAs[int](tb, `document.querySelectorAll('#explorer .viewport .row').length`)
}

// search types q into the explorer's search box and waits for the debounced filter.
func search(tb *tab, q string) {
	tb.t.Helper()
	evalAs[bool](tb, fmt.Sprintf(`(() => { const s = document.querySelector('#explorer input.search'); s.value = %q; s.dispatchEvent(new Event('input')); return true })()`, q))
	evalAs[bool](tb, `new Promise(r => setTimeout(() => r(true), 300))`)
	tb.frame()
}

// checkExplorer expands, filters and scrolls the explorer, comparing with the index.
func checkExplorer(tb *tab, im *Image, query string) {
	t := tb.t
	t.Helper()
	x := im.Index
	last := x.Layers - 1
	tb.do(chromedp.Click(`#explorer button.collapse`))
	if got, want := rowCount(tb), rootRows(x, last); got != want {
		t.Errorf("explorer rows at first: got %d, want %d (the root's children)", got, want)
	}
	// Expand the first directory row.
	first := -1
	for c := 1; c < int(x.Nodes[0].End); c = int(x.Nodes[c].End) {
		if v, _ := x.Shown(c, last); v != nil && visibleChildren(x, c, last) > 0 {
			first = c
			break
		}
	}
	if first > 0 {
		before := rowCount(tb)
		tb.do(chromedp.Click(fmt.Sprintf(`#explorer .row[data-node="%d"] .tog`, first)))
		tb.frame()
		if got, want := rowCount(tb), before+visibleChildren(x, first, last); got != want {
			t.Errorf("expanding %s: %d rows, want %d", x.Path(first), got, want)
		}
		tb.do(chromedp.Click(fmt.Sprintf(`#explorer .row[data-node="%d"] .tog`, first)))
		tb.frame()
		if got, want := rowCount(tb), before; got != want {
			t.Errorf("collapsing %s: %d rows, want %d", x.Path(first), got, want)
		}
	}
	// Search by name.
	if query != "" {
		search(tb, query)
		want := searchRows(x, last, contains(query))
		if got := rowCount(tb); got != len(want) {
			t.Errorf("search %q: %d rows, want %d", query, got, len(want))
		}
		if len(want) > 0 {
			first := evalAs[int](tb, `+[...document.querySelectorAll('#explorer .viewport .row')].sort((a, b) => a.dataset.index - b.dataset.index)[0].dataset.node`)
			if first != want[0] {
				t.Errorf("search %q: first row is %s, want %s", query, x.Path(first), x.Path(want[0]))
			}
		}
		search(tb, "")
	}
	// Each layer's changes, as the layer chart's bars select them.
	for l := 0; l < x.Layers; l++ {
		tb.do(chromedp.Click(fmt.Sprintf(`#layers svg .bar[data-layer="%d"] .hit`, l)))
		tb.frame()
		if got, want := rowCount(tb), changeRows(x, l); got != want {
			t.Errorf("layer %d changes: %d rows, want %d", l, got, want)
		}
	}
	// Back to the last layer, everything expanded, scrolled to the end.
	evalAs[bool](tb, `(() => { document.querySelector('#explorer select.layer').value = '`+fmt.Sprint(last)+`'; const c = document.querySelector('#explorer input.changes'); c.checked = false; c.dispatchEvent(new Event('change')); const s = document.querySelector('#explorer select.layer'); s.dispatchEvent(new Event('change')); return true })()`)
	tb.do(chromedp.Click(`#explorer button.expand`))
	evalAs[bool](tb, `(() => { const v = document.querySelector('#explorer .viewport'); v.scrollTop = v.scrollHeight; return true })()`)
	tb.frame()
	lastNode := evalAs[int](tb, `Math.max(...[...document.querySelectorAll('#explorer .viewport .row')].map(r => +r.dataset.index)) === +document.querySelector('#explorer .viewport').dataset.rows - 1 ? +[...document.querySelectorAll('#explorer .viewport .row')].sort((a, b) => b.dataset.index - a.dataset.index)[0].dataset.node : -1`)
	if want := lastVisible(x, last); lastNode != want {
		t.Errorf("scrolled to the end: last row is node %d, want %d (%s)", lastNode, want, x.Path(want))
	}
	if n := rowNodes(tb); n >= 200 {
		t.Errorf("scrolled to the end: %d row nodes in the DOM, want < 200", n)
	}
}

func TestBrowserFixtures(t *testing.T) {
	browser(t)
	t.Run("verified", func(t *testing.T) {
		img, err := load.Open(context.Background(), filepath.Join(fixtures, "small.tar"), nil, load.Options{Verify: true, Limits: load.DefaultLimits})
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		im, err := NewImage(img, inspect.Options{}, packages.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := writePage(t, Report{Image: im}, "verified")
		tb := open(t, p)
		got := evalAs[string](tb, `[...document.querySelectorAll('header table.kv tr')].find(r => r.firstChild.textContent === 'verification').lastChild.textContent`)
		if want := fmt.Sprintf("✔ verified: config digest and %d layer diff_id", len(img.Layers)); !strings.HasPrefix(got, want) {
			t.Errorf("verification %q, want it to start %q", got, want)
		}
		tb.checkClean()
	})
	for _, c := range []struct{ file, query string }{
		{"base.tar", "busybox"},
		{"small.tar", "bin"},
		{"small2.tar", "a"},
		{"kitchen.tar", "txt"},
		{"kitchen.oci.tar", "link"},
	} {
		t.Run(c.file, func(t *testing.T) {
			r, im := imageReport(t, filepath.Join(fixtures, c.file))
			p, _ := writePage(t, r, strings.TrimSuffix(c.file, ".tar"))
			tb := open(t, p)
			checkLayerChart(tb, im)
			checkExplorer(tb, im, c.query)
			tb.screenshot(strings.ReplaceAll(c.file, ".", "-"))
			tb.checkClean()
		})
	}
}
