package html

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/internal/units"
)

// TestBrowserSizesAsEverywhere: the page writes sizes as every other strata output does
// (units.Size), from 0 bytes to exabytes.
func TestBrowserSizesAsEverywhere(t *testing.T) {
	browser(t)
	r, _ := imageReport(t, filepath.Join(fixtures, "small.tar"))
	p, _ := writePage(t, r, "units")
	tb := open(t, p)
	ns := []int64{0, 1, 999, 1000, 1001, 9999, 204_856, 661_818, 999_950, 999_960, 2_980_000, 1_126_288_896, 1 << 50, 1 << 62}
	for _, n := range ns {
		if got, want := evalAs[string](tb, fmt.Sprintf("bytes(%d)", n)), units.Size(n); got != want {
			t.Errorf("bytes(%d) = %q in the page, %q elsewhere", n, got, want)
		}
	}
	tb.checkClean()
}
