package packages

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// overlappingZip is an archive of n central-directory entries (lib/a000.jar, …) that all
// name one local entry: content, deflated. Its size is about content's compressed size;
// read entry by entry it inflates n times.
func overlappingZip(t testing.TB, content []byte, n int) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "lib/a000.jar", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z := b.Bytes()
	eocd := z[len(z)-22:]
	dirOff := binary.LittleEndian.Uint32(eocd[16:])
	entry := z[dirOff : len(z)-22]
	out := append([]byte(nil), z[:dirOff]...)
	for i := range n {
		e := append([]byte(nil), entry...)
		copy(e[46:], fmt.Sprintf("lib/a%03d.jar", i))
		out = append(out, e...)
	}
	end := append([]byte(nil), eocd...)
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(n*len(entry)))
	return append(out, end...)
}

// TestJarBomb: an archive whose entries share one compressed stream inflates no more than
// its budget (it inflated 500 × 4 MiB here, and a nesting of such archives without end),
// and what is left unread is a warning; warnings about one archive are bounded too.
func TestJarBomb(t *testing.T) {
	lim := DefaultLimits
	lim.MaxBuffer = 4 << 20
	inner := zipOf(t, map[string][]byte{"zeros": make([]byte, 4<<20-200)})
	bomb := overlappingZip(t, inner, 500)
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
