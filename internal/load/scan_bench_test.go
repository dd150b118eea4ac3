package load

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strata-dev/strata/internal/testgen"
)

// largeArchive is a docker save of testgen.Large (888 MB of files in 68,000 entries over 6
// layers, like the Docker-made save of issue 9), written once to $STRATA_BENCH_DIR (default
// $TMPDIR/strata-bench), or the file $STRATA_LARGE names.
func largeArchive(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("STRATA_LARGE"); p != "" {
		return p
	}
	largeOnce.Do(func() {
		dir := os.Getenv("STRATA_BENCH_DIR")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "strata-bench")
		}
		largePath = filepath.Join(dir, "load-large-68k.tar")
		if _, err := os.Stat(largePath); err == nil {
			return
		}
		os.MkdirAll(dir, 0o755)
		f, err := os.Create(largePath + ".tmp")
		if err != nil {
			largeErr = err
			return
		}
		w := bufio.NewWriterSize(f, 1<<20)
		img := testgen.Large(testgen.LargeOpts{TotalBytes: 888 << 20, Files: 68000, Layers: 6, Compressible: true})
		if largeErr = testgen.WriteDockerArchive(w, img); largeErr == nil {
			largeErr = w.Flush()
		}
		f.Close()
		if largeErr == nil {
			largeErr = os.Rename(largePath+".tmp", largePath)
		}
	})
	if largeErr != nil {
		b.Fatal(largeErr)
	}
	return largePath
}

var (
	largeOnce sync.Once
	largePath string
	largeErr  error
)

func BenchmarkNaiveScan(b *testing.B) {
	p := largeArchive(b)
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		n, err := testgen.NaiveHeaderScan(f, 0, fi.Size(), false)
		if err != nil || n < 68000 {
			b.Fatalf("%d headers, %v", n, err)
		}
	}
}

func BenchmarkOpenLarge(b *testing.B) {
	p := largeArchive(b)
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		img, err := Open(context.Background(), p, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		img.Close()
	}
}

// reportCPU reports the process's CPU time (user + system) per op: on a shared machine it
// varies far less than wall time. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
