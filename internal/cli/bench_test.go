package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

// Benchmarks run strata's commands end to end over generated large images (written once to
// $STRATA_BENCH_DIR, default $TMPDIR/strata-bench, and reused). Sizes: STRATA_BENCH_MB (default
// 1024) of regular files in STRATA_BENCH_FILES (default 70000) files over 6 layers, 1,000
// single-file deletions, a deleted subtree and an opaque directory.
//
//	go test -run XXX -bench . -benchmem -benchtime 5x
//
// Baselines: BenchmarkBaseline/read is a plain read of the archive (cat f >/dev/null);
// BenchmarkBaseline/gunzip a plain decompression of its gzip (gzip -dc f >/dev/null).

var (
	benchOnce  sync.Once
	benchFiles map[string]string
	benchErr   error
)

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

func benchInputs(b *testing.B) map[string]string {
	b.Helper()
	benchOnce.Do(func() { benchFiles, benchErr = makeBenchInputs() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFiles
}

func makeBenchInputs() (map[string]string, error) {
	mb, nfiles := envInt("STRATA_BENCH_MB", 1024), envInt("STRATA_BENCH_FILES", 70000)
	dir := os.Getenv("STRATA_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "strata-bench")
	}
	dir = filepath.Join(dir, fmt.Sprintf("%dmb-%dfiles", mb, nfiles))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := map[string]string{
		"tar": filepath.Join(dir, "large.tar"), "gzip": filepath.Join(dir, "large.tar.gz"),
		"tar2": filepath.Join(dir, "large2.tar"), "export": filepath.Join(dir, "large.export.tar"),
	}
	img := testgen.Large(testgen.LargeOpts{TotalBytes: int64(mb) << 20, Files: nfiles, Layers: 6, Compressible: true})
	// A second image sharing all but the top layer: the rebuilt-app case.
	img2 := img
	img2.Layers = append([]testgen.Layer{}, img.Layers[:len(img.Layers)-1]...)
	top := img.Layers[len(img.Layers)-1]
	changed := testgen.Layer{CreatedBy: "rebuild", Entries: append([]testgen.Entry{}, top.Entries...)}
	for i := range changed.Entries {
		if i%7 == 0 && changed.Entries[i].Size > 0 {
			changed.Entries[i].Seed = "v2"
		}
	}
	img2.Layers = append(img2.Layers, changed)
	write := func(name string, f func(w io.Writer) error) error {
		if _, err := os.Stat(name); err == nil {
			return nil
		}
		tmp := name + ".tmp"
		out, err := os.Create(tmp)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(out, 1<<20)
		if err := f(bw); err != nil {
			out.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		return os.Rename(tmp, name)
	}
	if err := write(files["tar"], func(w io.Writer) error { return testgen.WriteDockerArchive(w, img) }); err != nil {
		return nil, err
	}
	if err := write(files["tar2"], func(w io.Writer) error { return testgen.WriteDockerArchive(w, img2) }); err != nil {
		return nil, err
	}
	if err := write(files["gzip"], func(w io.Writer) error {
		in, err := os.Open(files["tar"])
		if err != nil {
			return err
		}
		defer in.Close()
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if _, err := io.Copy(zw, in); err != nil {
			return err
		}
		return zw.Close()
	}); err != nil {
		return nil, err
	}
	if err := write(files["export"], func(w io.Writer) error { return writeExport(w, files["tar"], img) }); err != nil {
		return nil, err
	}
	return files, nil
}

// writeExport writes what `docker export` of an unchanged container of img gives: the
// merged filesystem as one tar (strata's own merge picks the visible entries).
func writeExport(w io.Writer, archive string, img testgen.Image) error {
	loaded, err := load.Open(context.Background(), archive, nil, load.Options{})
	if err != nil {
		return err
	}
	defer loaded.Close()
	spec := map[string]testgen.Entry{}
	for i, l := range img.Layers {
		for _, e := range l.Entries {
			spec[fmt.Sprintf("%d:%s", i, path.Clean("/"+e.Name))] = e
		}
	}
	var entries []testgen.Entry
	fstree.Merge(loaded.Layers).Walk(func(p string, n *fstree.Node) {
		if e, ok := spec[fmt.Sprintf("%d:%s", n.Layer, p)]; ok {
			e.Name = p[1:]
			entries = append(entries, e)
		}
	})
	return testgen.WriteRootfs(w, entries)
}

func benchRun(b *testing.B, stdinFile string, args ...string) {
	b.Helper()
	for i := 0; i < b.N; i++ {
		var stdin io.Reader
		if stdinFile != "" {
			f, err := os.Open(stdinFile)
			if err != nil {
				b.Fatal(err)
			}
			stdin = f
			defer f.Close()
		}
		if err := run(context.Background(), args, stdin, io.Discard, io.Discard); err != nil && err != errDifferent {
			b.Fatal(err)
		}
	}
}

func setBytes(b *testing.B, name string) {
	if fi, err := os.Stat(name); err == nil {
		b.SetBytes(fi.Size())
	}
}

func BenchmarkBaseline(b *testing.B) {
	in := benchInputs(b)
	b.Run("read", func(b *testing.B) {
		setBytes(b, in["tar"])
		buf := make([]byte, 1<<20)
		for i := 0; i < b.N; i++ {
			f, _ := os.Open(in["tar"])
			io.CopyBuffer(io.Discard, f, buf)
			f.Close()
		}
	})
	b.Run("gunzip", func(b *testing.B) {
		setBytes(b, in["gzip"])
		for i := 0; i < b.N; i++ {
			f, _ := os.Open(in["gzip"])
			zr, _ := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
			io.Copy(io.Discard, zr)
			f.Close()
		}
	})
}

func benchCommand(b *testing.B, cmd ...string) {
	in := benchInputs(b)
	b.Run("file", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, "", append(cmd, in["tar"])...)
	})
	b.Run("gzip", func(b *testing.B) {
		setBytes(b, in["gzip"])
		benchRun(b, "", append(cmd, in["gzip"])...)
	})
	b.Run("stdin", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, in["tar"], append(cmd, "-")...)
	})
	b.Run("stdin-gzip", func(b *testing.B) {
		setBytes(b, in["gzip"])
		benchRun(b, in["gzip"], append(cmd, "-")...)
	})
}

func BenchmarkInspect(b *testing.B) { benchCommand(b, "inspect", "-o", "json") }
func BenchmarkHistory(b *testing.B) { benchCommand(b, "history", "-o", "json") }
func BenchmarkFiles(b *testing.B)   { benchCommand(b, "files", "-o", "json") }

func BenchmarkDiff(b *testing.B) {
	in := benchInputs(b)
	b.Run("images", func(b *testing.B) {
		benchRun(b, "", "diff", "-o", "json", in["tar"], in["tar2"])
	})
	b.Run("export", func(b *testing.B) {
		benchRun(b, "", "diff", "-o", "json", in["tar"], in["export"])
	})
}

// BenchmarkProgress measures what the progress display costs: inspect of the large image,
// from the file and from its gzip, with the display off and on (counting every read and
// drawing to a discarded stderr, as if it were a terminal), alternately in each iteration so
// that a loaded machine slows both alike. It reports the process CPU time of each and the
// overhead in percent.
//
//	go test -run XXX -bench Progress -benchtime 5x
func BenchmarkProgress(b *testing.B) {
	in := benchInputs(b)
	for _, input := range []string{"tar", "gzip"} {
		b.Run(input, func(b *testing.B) {
			var cpu [2]time.Duration
			for i := 0; i < b.N; i++ {
				for j, on := range []bool{false, true} {
					forceProgress = on
					t0 := cpuTime(b)
					if err := run(context.Background(), []string{"inspect", "-o", "json", in[input]}, nil, io.Discard, io.Discard); err != nil {
						b.Fatal(err)
					}
					cpu[j] += cpuTime(b) - t0
				}
			}
			forceProgress = false
			off, on := cpu[0].Seconds()*1000/float64(b.N), cpu[1].Seconds()*1000/float64(b.N)
			b.ReportMetric(off, "off-cpu-ms/op")
			b.ReportMetric(on, "on-cpu-ms/op")
			b.ReportMetric(100*(on-off)/off, "%overhead")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
