package html

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strata-dev/strata/internal/testgen"
)

type drawnBox struct {
	X, Y, W, H float64
	Node       int
	Kind       string
	Sensitive  bool
}

func drawn(tb *tab, sel string) []drawnBox {
	tb.t.Helper()
	return evalAs[[]drawnBox](tb, `document.querySelector('`+sel+` canvas').drawn`)
}

// clickBox clicks the middle of a drawn box with the mouse.
func clickBox(tb *tab, sel string, b drawnBox) {
	tb.t.Helper()
	off := evalAs[[]float64](tb, `(() => { const c = document.querySelector('`+sel+` canvas'); c.scrollIntoView({block: 'center'}); const r = c.getBoundingClientRect(); return [r.left, r.top] })()`)
	tb.do(chromedp.MouseClickXY(off[0]+b.X+b.W/2, off[1]+b.Y+b.H/2))
	tb.frame()
}

func TestBrowserTreemap(t *testing.T) {
	browser(t)
	r, im := imageReport(t, filepath.Join(fixtures, "kitchen.tar"))
	p, _ := writePage(t, r, "kitchen")
	tb := open(t, p)
	x := im.Index
	boxes := drawn(tb, "#treemap")
	byNode := map[int]drawnBox{}
	for _, b := range boxes {
		byNode[b.Node] = b
	}
	// /root holds only a deleted key (shipped in layer 14, deleted by 15): drawn as hidden
	// content under a sensitive flag.
	root := x.Find("/root")
	if b, ok := byNode[root]; !ok || !b.Sensitive {
		t.Errorf("/root box %+v (found %v), want one flagged sensitive", b, ok)
	}
	// /opt/app/big.bin: overwritten by a chmod in layer 7, so its box carries waste.
	opt := x.Find("/opt")
	b, ok := byNode[opt]
	if !ok {
		t.Fatalf("no box for /opt in %v", boxes)
	}
	// Clicking a directory enters it; the path bar goes back.
	clickBox(tb, "#treemap", drawnBox{X: b.X, Y: b.Y, W: b.W, H: 14})
	if dir := evalAs[string](tb, `document.querySelector('#treemap canvas').dataset.dir`); dir != "/opt" {
		t.Errorf("after clicking /opt the treemap shows %q", dir)
	}
	tb.do(chromedp.Click(`#treemap .crumbs .crumb`))
	if dir := evalAs[string](tb, `document.querySelector('#treemap canvas').dataset.dir`); dir != "/" {
		t.Errorf("after clicking / the treemap shows %q", dir)
	}
	// Clicking a file shows it in the explorer.
	big := x.Find("/opt/app/big.bin")
	for _, b := range drawn(tb, "#treemap") {
		if b.Node == big {
			clickBox(tb, "#treemap", b)
			break
		}
	}
	if got := evalAs[string](tb, `document.querySelector('#explorer .detail .path').textContent`); got != "/opt/app/big.bin" {
		t.Errorf("after clicking big.bin the explorer shows %q", got)
	}
	wasted := evalAs[string](tb, `document.querySelector('#explorer .detail ul.bad') ? document.querySelector('#explorer .detail ul.bad').textContent : ''`)
	if want := fmt.Sprintf("wasted: layer #%d", 3); !strings.Contains(wasted, want) {
		t.Errorf("big.bin details %q, want %q", wasted, want)
	}
	tb.screenshot("treemap")
	tb.checkClean()
}

// TestBrowserTreemapHidden draws an image whose biggest parts are deleted but shipped.
func TestBrowserTreemapHidden(t *testing.T) {
	browser(t)
	img := testgen.Image{Layers: []testgen.Layer{
		{CreatedBy: "base", Entries: []testgen.Entry{
			testgen.BigFile("data/big.bin", 600<<10),
			testgen.BigFile("app/server", 300<<10),
			testgen.BigFile("root/.aws/credentials", 200<<10),
			testgen.BigFile("opt/lib/a.so", 100<<10),
		}},
		{CreatedBy: "cleanup", Entries: []testgen.Entry{
			testgen.Whiteout("data"),
			testgen.Whiteout("root/.aws/credentials"),
			testgen.Opaque("opt/lib"),
			testgen.BigFile("opt/lib/b.so", 50<<10),
		}},
	}}
	p := filepath.Join(t.TempDir(), "hidden.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := testgen.WriteDockerArchive(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, im := imageReport(t, p)
	page, _ := writePage(t, r, "hidden")
	tb := open(t, page)
	x := im.Index
	byNode := map[int]drawnBox{}
	for _, b := range drawn(tb, "#treemap") {
		if b.Kind != "hidden-below" {
			byNode[b.Node] = b
		}
	}
	for _, c := range []struct {
		path, kind string
		sensitive  bool
	}{
		{"/data", "hidden", false},
		{"/app/server", "live", false},
		{"/root", "live", true},
		{"/root/.aws/credentials", "hidden", true},
		{"/opt/lib", "live", false},
		{"/opt/lib/b.so", "live", false},
	} {
		b, ok := byNode[x.Find(c.path)]
		if !ok || b.Kind != c.kind || b.Sensitive != c.sensitive {
			t.Errorf("%s: box %+v (drawn %v), want kind %s, sensitive %v", c.path, b, ok, c.kind, c.sensitive)
		}
	}
	// The opaque directory's hidden children are one hatched box inside it.
	below := false
	for _, b := range drawn(tb, "#treemap") {
		below = below || (b.Kind == "hidden-below" && b.Node == x.Find("/opt/lib"))
	}
	if !below {
		t.Error("no hidden-below box for the opaque /opt/lib")
	}
	// Clicking deleted content shows it in the explorer as of the last layer that had it.
	clickBox(tb, "#treemap", byNode[x.Find("/data")])
	got := evalAs[[]string](tb, `[document.querySelector('#explorer .detail .path').textContent, document.querySelector('#explorer select.layer').value]`)
	if fmt.Sprint(got) != "[/data 0]" {
		t.Errorf("after clicking the deleted /data the explorer shows [path layer] %v, want [/data 0]", got)
	}
	tb.screenshot("treemap-hidden")
	tb.checkClean()
}
