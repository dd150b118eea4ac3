package html

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

func packagesImage(t *testing.T, name string) (*Image, func()) {
	t.Helper()
	img, err := load.Open(context.Background(), filepath.Join(fixtures, "..", "packages", name), nil,
		load.Options{HashFiles: "sha256", KeepMatch: packages.Wants})
	if err != nil {
		t.Fatal(err)
	}
	im, err := NewImage(img, inspect.Options{}, packages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if im.Packages == nil {
		t.Fatalf("packages: %s", im.PackagesErr)
	}
	return im, func() { img.Close() }
}

// TestBrowserPackages: the report's packages section lists every package of the Debian
// fixture, filters by ecosystem and name, shows each layer's changes and the removed
// package, and a click reveals a package's location in the explorer; a diff report lists
// the package diff.
func TestBrowserPackages(t *testing.T) {
	browser(t)
	im, done := packagesImage(t, "debian.tar.zst")
	defer done()
	p, _ := writePage(t, Report{Image: im}, "packages")
	tb := open(t, p)
	rows := func(sel string) int {
		return evalAs[int](tb, fmt.Sprintf(`+document.querySelector('%s .viewport').dataset.rows`, sel))
	}
	if got, want := rows(`#packages .vtable.packages`), len(im.Packages.Packages); got != want {
		t.Errorf("%d package rows, want %d", got, want)
	}
	if got, want := rows(`#packages .vtable.pkglayers`), len(im.Packages.Layers); got != want {
		t.Errorf("%d layer rows, want %d", got, want)
	}
	if got := rows(`#packages .vtable.pkgremoved`); got != len(im.Packages.Removed) {
		t.Errorf("%d removed rows, want %d", got, len(im.Packages.Removed))
	}
	npm := 0
	for _, x := range im.Packages.Packages {
		if x.Ecosystem == packages.NPM {
			npm++
		}
	}
	evalAs[bool](tb, `(() => { const s = document.querySelector('#packages select.ecosystem'); s.value = 'npm'; s.dispatchEvent(new Event('change')); return true })()`)
	tb.frame()
	if got := rows(`#packages .vtable.packages`); got != npm {
		t.Errorf("npm filter: %d rows, want %d", got, npm)
	}
	evalAs[bool](tb, `(() => { const q = document.querySelector('#packages input.search'); q.value = 'ms'; q.dispatchEvent(new Event('input')); return true })()`)
	tb.frame()
	if got := rows(`#packages .vtable.packages`); got != 2 {
		t.Errorf("npm and 'ms': %d rows, want 2", got)
	}
	// A click on the first (…/node_modules/debug/node_modules/ms/package.json or the top ms)
	// shows that file in the explorer.
	tb.do(chromedp.Click(`#packages .vtable.packages .vrow`))
	tb.frame()
	sel := evalAs[string](tb, `(document.querySelector('#explorer .detail .path') || {}).textContent || ''`)
	if sel == "" || sel[len(sel)-len("package.json"):] != "package.json" {
		t.Errorf("after a click the explorer shows %q", sel)
	}
	tb.screenshot("packages")
	tb.checkClean()

	// The diff report of the Debian fixture against the distroless one.
	old := im // the same image, opened once
	new, done3 := packagesImage(t, "distroless/distroless.tar.gz")
	defer done3()
	pd := packages.Compare(old.Packages, new.Packages)
	res := &diff.Result{Changes: []diff.Change{}, Config: []diff.ConfigChange{}, Runtime: []string{}, Warnings: []string{}}
	p, _ = writePage(t, Report{Diff: res, Old: old, New: new, PackagesDiff: pd}, "packages-diff")
	tb = open(t, p)
	if got, want := evalAs[int](tb, `+document.querySelector('#packages-diff .viewport').dataset.rows`), len(pd.OnlyOld)+len(pd.OnlyNew)+len(pd.Changed); got != want {
		t.Errorf("%d package diff rows, want %d", got, want)
	}
	tb.checkClean()
}
