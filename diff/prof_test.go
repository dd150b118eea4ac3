package diff

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"testing"

	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

func TestProfPeak(t *testing.T) {
	goruntime.MemProfileRate = 256
	dir := t.TempDir()
	p := filepath.Join(dir, "e.tar")
	f, _ := os.Create(p)
	testgen.WriteRootfs(f, testgen.Wide(100000))
	f.Close()
	q := filepath.Join(dir, "s.tar")
	f, _ = os.Create(q)
	testgen.WriteDockerArchive(f, testgen.Small("amd64"))
	f.Close()
	img, _ := load.Open(context.Background(), q, nil, load.Options{})
	ex, _ := load.Open(context.Background(), p, nil, load.Options{})
	atPeak = func() {
		goruntime.GC()
		f, _ := os.Create("/tmp/peak.prof")
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	defer func() { atPeak = nil }()
	Compare(img, ex, Options{Force: true})
}
