package html

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// checkDiffPage compares a diff page's tables with the result, then opens each image's tab.
func checkDiffPage(tb *tab, r Report) {
	t := tb.t
	t.Helper()
	res := r.Diff
	if got := evalAs[int](tb, `document.querySelectorAll('.tab').length`); got != 3 {
		t.Errorf("%d tabs, want 3 (changes, old, new)", got)
	}
	stats := evalAs[[]string](tb, `['added', 'changed', 'deleted'].map(k => document.querySelector('.diff [data-stat="' + k + '"] .v').textContent)`)
	want := []string{fmt.Sprint(res.Summary.Added), fmt.Sprint(res.Summary.Changed), fmt.Sprint(res.Summary.Deleted)}
	if fmt.Sprint(stats) != fmt.Sprint(want) {
		t.Errorf("summary %v, want %v", stats, want)
	}
	if got := evalAs[string](tb, `document.querySelector('#changes .controls .muted').textContent`); got != fmt.Sprintf("%d of %d", len(res.Changes), len(res.Changes)) {
		t.Errorf("changes count %q, want %d of %d", got, len(res.Changes), len(res.Changes))
	}
	// Filter to deletions.
	evalAs[bool](tb, `(() => { const s = document.querySelector('#changes select.kind'); s.value = 'D'; s.dispatchEvent(new Event('change')); return true })()`)
	if got := evalAs[string](tb, `document.querySelector('#changes .controls .muted').textContent`); got != fmt.Sprintf("%d of %d", res.Summary.Deleted, len(res.Changes)) {
		t.Errorf("deleted changes %q, want %d of %d", got, res.Summary.Deleted, len(res.Changes))
	}
	if res.Flattened != nil {
		if !evalAs[bool](tb, `!!document.querySelector('#flattened')`) {
			t.Error("export mode without the flattened section")
		}
		got := evalAs[string](tb, `[...document.querySelectorAll('#flattened table.kv tr')].find(r => r.firstChild.textContent === 'layers merged').lastChild.textContent`)
		if got != fmt.Sprint(len(res.Flattened.Layers)) {
			t.Errorf("layers merged %q, want %d", got, len(res.Flattened.Layers))
		}
	}
	for k, side := range []*Image{r.Old, r.New} {
		tb.do(chromedp.Click(fmt.Sprintf(`.tabs .tab:nth-child(%d)`, k+2)))
		tb.frame()
		label := []string{"old", "new"}[k]
		bars := evalAs[[][]int64](tb, `[...document.querySelectorAll('#layers-`+label+` svg .bar')].map(g => [+g.dataset.layer, +g.dataset.size, +g.dataset.wasted])`)
		wantBars := make([][]int64, len(side.Inspect.Layers))
		for i, l := range side.Inspect.Layers {
			wantBars[i] = []int64{int64(i), l.Size, l.Wasted}
		}
		if fmt.Sprint(bars) != fmt.Sprint(wantBars) {
			t.Errorf("%s tab layer bars:\n got %v\nwant %v", label, bars, wantBars)
		}
		if n := evalAs[int](tb, `+document.querySelector('#explorer-`+label+` .viewport').dataset.rows`); n != rootRows(side.Index, side.Index.Layers-1) {
			t.Errorf("%s tab explorer: %d rows, want %d", label, n, rootRows(side.Index, side.Index.Layers-1))
		}
		if evalAs[int](tb, `+document.querySelector('#treemap-`+label+` canvas').dataset.boxes`) == 0 {
			t.Errorf("%s tab treemap drew nothing", label)
		}
	}
}

func TestBrowserDiff(t *testing.T) {
	browser(t)
	for _, c := range []struct{ name, old, new string }{
		{"images", "small.tar", "small2.tar"},
		{"export", "kitchen.tar", "ctr-basic.export.tar"},
		{"export-volume", "kitchen.tar", "ctr-volume.export.tar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := diffReport(t, filepath.Join(fixtures, c.old), filepath.Join(fixtures, c.new))
			p, _ := writePage(t, r, c.name)
			tb := open(t, p)
			tb.screenshot("diff-" + c.name)
			checkDiffPage(tb, r)
			tb.checkClean()
		})
	}
}

// TestBrowserImage opens the report of $STRATA_REPORT_IMAGE (e.g. the benchmarks' 1 GB,
// 70,000-file image) and logs its size, how long writing it took and how long the page took
// to become interactive.
func TestBrowserImage(t *testing.T) {
	p := os.Getenv("STRATA_REPORT_IMAGE")
	if p == "" {
		t.Skip("set STRATA_REPORT_IMAGE to an archive to measure its report")
	}
	browser(t)
	start := time.Now()
	r, im := imageReport(t, p)
	analysed := time.Since(start)
	page, data := writePage(t, r, "image")
	t.Logf("%s: %d paths; analysed in %v, page of %d bytes written in %v", p, len(im.Index.Nodes), analysed.Round(time.Millisecond), len(data), (time.Since(start) - analysed).Round(time.Millisecond))
	tb := open(t, page)
	checkLayerChart(tb, im)
	tb.screenshot("image")
	tb.checkClean()
}
