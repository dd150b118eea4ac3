package load

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readCorpusFile(t *testing.T, f string) []byte {
	b, _ := os.ReadFile(f)
	lines := strings.SplitN(string(b), "\n", 2)
	s := strings.TrimSpace(lines[1])
	s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
	u, err := strconv.Unquote(s)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(u)
}

func TestScratchCorpusTimes(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("CORPUS") + "/*")
	for _, f := range files {
		b := readCorpusFile(t, f)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		st := time.Now()
		fuzzOpenOnce(t, b, Options{Limits: fuzzLimits})
		d := time.Since(st)
		runtime.ReadMemStats(&m1)
		if d > 20*time.Millisecond || m1.TotalAlloc-m0.TotalAlloc > 50<<20 {
			t.Logf("%s (%d bytes): %v, alloc %d MiB", filepath.Base(f), len(b), d, (m1.TotalAlloc-m0.TotalAlloc)>>20)
		}
	}
}
