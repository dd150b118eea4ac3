package packages

import (
	"bytes"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestJarBomb: an archive whose entries share one compressed stream inflates no more than
// its budget (it inflated 500 × 4 MiB here, and a nesting of such archives without end),
// and what is left unread is a warning; warnings about one archive are bounded too.
func TestJarBomb(t *testing.T) {
	lim := DefaultLimits
	lim.MaxBuffer = 4 << 20
	inner := zipOf(t, map[string][]byte{"zeros": make([]byte, 4<<20-200)})
	bomb := testgen.OverlappingZip(inner, 500)
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	var warns []string
	n := allocated(func() { _, warns = readJar(bytes.NewReader(bomb), int64(len(bomb)), "/x.jar", 0, lim) })
	t.Logf("%d bytes allocated", n)
	if n > 256<<20 { // 5 GB before the budget
		t.Errorf("%d bytes allocated reading a %d-byte archive", n, len(bomb))
	}
	if len(warns) != jarMaxWarnings+1 || !strings.Contains(strings.Join(warns, "\n"), "over the bytes the archive may inflate to") ||
		!strings.HasPrefix(warns[jarMaxWarnings], "/x.jar: ") || !strings.HasSuffix(warns[jarMaxWarnings], " more warnings about its entries") {
		t.Errorf("%d warnings: %q", len(warns), warns[:min(len(warns), 3)])
	}
}
