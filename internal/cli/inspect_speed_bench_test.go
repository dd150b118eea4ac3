package cli

import (
	"context"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/strata-dev/strata/internal/testgen"
)

// BenchmarkInspectVsScan runs `strata inspect -o json` on a large docker save and a naive
// header scan of the same file, alternately, and reports the CPU time of each and their
// ratio (issue 18, item 11: within 3×, JSON included). The input is STRATA_LARGE, or the
// benchmarks' generated save (see benchInputs):
//
//	go run ./internal/testgen/cmd/genhostile -large 70000 > large.tar
//	STRATA_LARGE=large.tar go test -run XXX -bench InspectVsScan -benchtime 10x -cpuprofile cpu.out
func BenchmarkInspectVsScan(b *testing.B) {
	p := os.Getenv("STRATA_LARGE")
	if p == "" {
		p = benchInputs(b)["tar"]
	}
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	var scan, inspect, scanUser, inspectUser time.Duration
	for i := 0; i < b.N; i++ {
		u0, t0 := userSys(b)
		if n, err := testgen.NaiveHeaderScan(f, 0, fi.Size(), false); err != nil || n == 0 {
			b.Fatalf("%d headers, %v", n, err)
		}
		u1, t1 := userSys(b)
		if err := run(context.Background(), []string{"inspect", "-o", "json", p}, nil, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		u2, t2 := userSys(b)
		scan, inspect = scan+t1-t0, inspect+t2-t1
		scanUser, inspectUser = scanUser+u1-u0, inspectUser+u2-u1
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(scan), "scan-cpu-ms/op")
	b.ReportMetric(ms(inspect), "inspect-cpu-ms/op")
	b.ReportMetric(ms(scanUser), "scan-user-ms/op")
	b.ReportMetric(ms(inspectUser), "inspect-user-ms/op")
	b.ReportMetric(float64(inspect)/float64(scan), "×scan")
}

// userSys is the process's user CPU time and its user + system CPU time so far.
func userSys(b *testing.B) (user, total time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
