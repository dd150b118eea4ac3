package html

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// hostile are file names that are markup: the page must show them as text.
var hostile = []string{
	`<img src=x onerror=alert(1)>`,
	`<script>alert(2)<\script>`,
	`"><svg onload=alert(3)>`,
	`&lt;b&gt;not bold&lt;\b&gt;`,
}

// largeImage writes a generated image of files regular files over 6 layers, plus hostile
// names and a secret-looking file that a later layer deletes (still shipped).
func largeImage(t *testing.T, files int) string {
	t.Helper()
	img := testgen.Large(testgen.LargeOpts{Files: files, TotalBytes: 16 << 20, Layers: 6})
	top := &img.Layers[len(img.Layers)-1]
	for i, name := range hostile {
		top.Entries = append(top.Entries, testgen.File("opt/hostile/"+name, fmt.Sprintf("file %d", i)))
	}
	top.CreatedBy = `/bin/sh -c #(nop) COPY <img src=x onerror=alert(4)> /opt/hostile`
	mid := &img.Layers[1]
	mid.Entries = append(mid.Entries, testgen.File("root/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----"))
	top.Entries = append(top.Entries, testgen.Whiteout("root/.ssh/id_rsa"))
	p := filepath.Join(t.TempDir(), "large.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := testgen.WriteDockerArchive(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrowserLarge(t *testing.T) {
	browser(t)
	r, im := imageReport(t, largeImage(t, 50000))
	p, page := writePage(t, r, "large")
	t.Logf("page: %d bytes for %d paths", len(page), len(im.Index.Nodes))
	for _, name := range hostile {
		if strings.Contains(string(page), name) {
			t.Errorf("the page holds %q raw", name)
		}
	}
	tb := open(t, p)
	checkLayerChart(tb, im)

	// Hostile names are text: found by a search, shown verbatim, and nothing they spell ran
	// or exists (no dialog, no img or svg element, no third script).
	search(tb, "onerror")
	names := evalAs[[]string](tb, `[...document.querySelectorAll('#explorer .viewport .row .nm')].map(e => e.textContent)`)
	if !contains2(names, hostile[0]) {
		t.Errorf("search onerror: rows %q, want %q among them", names, hostile[0])
	}
	tb.do(clickSel(`#explorer button.collapse`))
	search(tb, "hostile")
	tb.do(clickTog(tb, "hostile"))
	tb.frame()
	names = evalAs[[]string](tb, `[...document.querySelectorAll('#explorer .viewport .row .nm')].map(e => e.textContent)`)
	for _, name := range hostile {
		if !contains2(names, name) {
			t.Errorf("hostile name %q not shown as text; rows %q", name, names)
		}
	}
	if n := evalAs[int](tb, `document.querySelectorAll('img, svg:not(.layers), script').length`); n != 2 {
		t.Errorf("%d img/svg/script elements, want only the 2 scripts of the page", n)
	}
	tip := evalAs[string](tb, `document.querySelector('#layers svg .bar:last-child title').textContent`)
	if !strings.Contains(tip, `<img src=x onerror=alert(4)>`) {
		t.Errorf("the last layer's hover text is %q, want its created_by verbatim", tip)
	}
	search(tb, "")
	// A secret-looking deleted file is flagged.
	if s := evalAs[string](tb, `document.querySelector('[data-stat="sensitive"] .v').textContent`); s != "1" {
		t.Errorf("sensitive count %q, want 1 (/root/.ssh/id_rsa)", s)
	}
	// A glob on names, compared with path.Match.
	tb.do(clickSel(`#explorer button.collapse`))
	const glob = "file00[0-4]?.dat"
	search(tb, glob)
	want := searchRows(im.Index, im.Index.Layers-1, func(name string) bool { ok, _ := path.Match(glob, name); return ok })
	if got := rowCount(tb); got != len(want) || len(want) < 10 {
		t.Errorf("glob %q: %d rows, want %d (and at least 10)", glob, got, len(want))
	}
	search(tb, "")
	checkExplorer(tb, im, "f00")
	tb.screenshot("large")
	tb.checkClean()
}

// clickTog clicks the toggle of the first explorer row named name.
func clickTog(tb *tab, name string) chromedpAction {
	tb.t.Helper()
	node := evalAs[int](tb, fmt.Sprintf(`+[...document.querySelectorAll('#explorer .viewport .row')].find(r => r.querySelector('.nm').textContent === %q).dataset.node`, name))
	return clickSel(fmt.Sprintf(`#explorer .row[data-node="%d"] .tog`, node))
}

func contains2(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
