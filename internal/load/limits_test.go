package load

import (
	"archive/tar"
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/testgen"
)

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestManyEntriesMemory streams a 300,000-entry rootfs through a pipe (never whole in
// memory) and bounds the heap the opened image retains per entry.
func TestManyEntriesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 300,000-entry archive")
	}
	const n = 300_000
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		mt := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < n; i++ {
			h := &tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("usr/lib/pkg%04d/file%06d.so", i/100, i), Mode: 0o644, ModTime: mt, Format: tar.FormatUSTAR}
			if i%100 == 0 {
				h = &tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("usr/lib/pkg%04d/", i/100), Mode: 0o755, ModTime: mt, Format: tar.FormatUSTAR}
			}
			if err := tw.WriteHeader(h); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	before := heapInUse()
	img, err := Open(context.Background(), Stdin, pr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after := heapInUse()
	if len(img.Layers) != 1 || len(img.Layers[0].Entries) != n {
		t.Fatalf("got %d layers, %d entries; want 1 layer of %d", len(img.Layers), len(img.Layers[0].Entries), n)
	}
	var retained int64
	if after > before {
		retained = int64(after - before)
	}
	perEntry := retained / n
	t.Logf("%d entries; retained heap %d MiB, %d bytes per entry", n, retained>>20, perEntry)
	if perEntry > 400 {
		t.Errorf("the opened image retains %d bytes per entry; want < 400", perEntry)
	}
	runtime.KeepAlive(img)
}

// deepName is a path of depth directories named "a" (with a trailing slash when dir).
func deepName(depth int, dir bool) string {
	s := strings.Repeat("a/", depth)
	if !dir {
		s = strings.TrimSuffix(s, "/")
	}
	return s
}

// TestDeepPath reads a layer holding a 2,000-level deep path, merges it, and then refuses
// it under a depth limit, naming the first entry over the limit.
func TestDeepPath(t *testing.T) {
	const depth = 2000
	var entries []testgen.Entry
	for d := 1; d < depth; d++ {
		entries = append(entries, testgen.Dir(deepName(d, true)))
	}
	entries = append(entries, testgen.File(deepName(depth-1, true)+"file", "bottom\n"))
	img := testgen.Image{Tags: []string{"deep:1"}, Layers: []testgen.Layer{{Entries: entries}}}
	var buf bytes.Buffer
	if err := testgen.WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "deep.tar")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bottom := "/" + deepName(depth-1, true) + "file"
	for _, arg := range []string{file, Stdin} {
		t.Run(filepath.Base(arg), func(t *testing.T) {
			got, err := Open(context.Background(), arg, bytes.NewReader(buf.Bytes()), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer got.Close()
			if n := len(got.Layers[0].Entries); n != depth {
				t.Fatalf("%d entries, want %d", n, depth)
			}
			fs := fstree.Merge(got.Layers)
			if n := fs.Lookup(bottom); n == nil || n.Entry == nil || n.Entry.Size != 7 {
				t.Fatalf("Lookup(bottom) = %v", n)
			}
			visible := 0
			fs.Walk(func(string, *fstree.Node) { visible++ })
			if visible != depth {
				t.Errorf("%d visible paths, want %d", visible, depth)
			}

			lim := DefaultLimits
			lim.MaxPathDepth = 100
			_, err = Open(context.Background(), arg, bytes.NewReader(buf.Bytes()), Options{Limits: lim})
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want %v", err, ErrLimit)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q is not a *load.Error", err)
			}
			first := deepName(101, true) // the first entry with 101 components
			if e.Entry != first || !strings.Contains(err.Error(), "entry "+first+":") {
				t.Errorf("error %q (Entry %.20q…) does not name entry %.20q…", err, e.Entry, first)
			}
			if !strings.HasSuffix(e.Member, "/layer.tar") || !strings.Contains(err.Error(), e.Member) {
				t.Errorf("error %q does not name the layer member (Member %q)", err, e.Member)
			}
		})
	}
}

// TestZeroBomb: the assembled stream is the gzip of what it claims, for the standard
// library's reader (CRC and length checked): n zeros, or a tar holding one file of n zeros.
func TestZeroBomb(t *testing.T) {
	for _, n := range []int64{0, 1, 511, 1 << 20, 3<<20 + 7} {
		for _, asTar := range []bool{false, true} {
			zr, err := stdgzip.NewReader(zeroBomb(n, asTar))
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = zr
			var tr *tar.Reader
			if asTar {
				tr = tar.NewReader(zr)
				h, err := tr.Next()
				if err != nil || h.Name != "zeros" || h.Size != n {
					t.Fatalf("n=%d: header %+v, %v", n, h, err)
				}
				r = tr
			}
			b, err := io.ReadAll(r)
			if err != nil || int64(len(b)) != n || bytes.Count(b, []byte{0}) != len(b) {
				t.Fatalf("n=%d tar=%v: %d bytes, %v", n, asTar, len(b), err)
			}
			if asTar {
				if _, err := tr.Next(); err != io.EOF {
					t.Fatalf("n=%d: after the file: %v, want the archive's end", n, err)
				}
			}
			if _, err := io.Copy(io.Discard, zr); err != nil { // the trailer: CRC and length
				t.Fatalf("n=%d tar=%v: %v", n, asTar, err)
			}
		}
	}
}

// zeroBomb is a gzip stream of n zero bytes (with asTar, a tar of one file of n zeros). It
// is assembled, not compressed: one MiB of zeros deflated by a fresh compressor and flushed
// is a run of blocks that stand alone, repeated; then a final block and the trailer (a CRC
// of zeros is cheap). Compressing a GiB took seconds under -race; this takes milliseconds,
// and any gzip reader inflates the same bytes.
func zeroBomb(n int64, asTar bool) io.ReadCloser {
	var head []byte
	tail := int64(0)
	if asTar {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "zeros", Size: n, Mode: 0o644}); err != nil {
			panic(err)
		}
		head = b.Bytes()               // the header block, written at once
		tail = (512-n%512)%512 + 2*512 // the file's padding, then the end-of-archive blocks
	}
	deflated := func(p []byte, final bool) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestSpeed)
		fw.Write(p)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return b.Bytes()
	}
	const chunk = 1 << 20
	zeros := make([]byte, chunk)
	total := n + tail
	crc := crc32.Update(0, crc32.IEEETable, head)
	for left := total; left > 0; left -= chunk {
		crc = crc32.Update(crc, crc32.IEEETable, zeros[:min(left, chunk)])
	}
	prefix := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, deflated(head, false)...)
	block := deflated(zeros, false)
	suffix := deflated(zeros[:total%chunk], true)
	suffix = binary.LittleEndian.AppendUint32(suffix, crc)
	suffix = binary.LittleEndian.AppendUint32(suffix, uint32(int64(len(head))+total))
	parts := []io.Reader{bytes.NewReader(prefix)}
	for i := int64(0); i < total/chunk; i++ {
		parts = append(parts, bytes.NewReader(block))
	}
	parts = append(parts, bytes.NewReader(suffix))
	return io.NopCloser(io.MultiReader(parts...))
}

var bombLimits = Limits{MaxRatio: 100, RatioFloor: 1 << 20, MaxUncompressed: 1 << 40}

// TestGzipBomb: 1 GiB of zeros gzip'd (about 1 MiB) is refused as soon as it inflates past
// the ratio, long before it is inflated whole.
func TestGzipBomb(t *testing.T) {
	for _, asTar := range []bool{false, true} {
		t.Run(fmt.Sprintf("tar=%v", asTar), func(t *testing.T) {
			r := zeroBomb(1<<30, asTar)
			defer r.Close()
			_, err := Open(context.Background(), Stdin, r, Options{Limits: bombLimits})
			if !asTar {
				// Zeros read as an empty tar archive and then padding: refused once the
				// padding passes maxTrailer, before the ratio is even reached.
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "after the tar archive's end-of-archive marker") {
					t.Fatalf("error %v, want %v after the end-of-archive marker", err, ErrCorrupt)
				}
				return
			}
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want %v", err, ErrLimit)
			}
			if !strings.Contains(err.Error(), "gzip") {
				t.Errorf("error %q does not say which stream", err)
			}
			checkRefusedEarly(t, err)
		})
	}
}

// checkRefusedEarly checks that a decompression limit fired as soon as the ratio was passed:
// within a few reads past bombLimits.RatioFloor, not after inflating the whole bomb.
func checkRefusedEarly(t *testing.T, err error) {
	t.Helper()
	var le *limitError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a limit error", err)
	}
	if max := bombLimits.RatioFloor + 4<<20; le.at <= bombLimits.RatioFloor || le.at > max {
		t.Errorf("refused after inflating %d bytes; want just past the ratio floor (%d, at most %d)", le.at, bombLimits.RatioFloor, max)
	}
}

// TestGzipBombLayer: the same bomb as a layer blob of a docker archive is refused, naming
// the layer member, from a file and from stdin.
func TestGzipBombLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 1 GiB")
	}
	r := zeroBomb(1<<30, true)
	bomb, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("0", 64) + `"]}}`
	archive := fzTar(
		fzMember{name: "bomb/layer.tar", data: string(bomb)},
		fzMember{name: "c.json", data: cfg},
		fzMember{name: "manifest.json", data: `[{"Config":"c.json","RepoTags":["bomb:1"],"Layers":["bomb/layer.tar"]}]`},
	)
	file := filepath.Join(t.TempDir(), "bomb.tar")
	if err := os.WriteFile(file, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{file, Stdin} {
		t.Run(filepath.Base(arg), func(t *testing.T) {
			_, err := Open(context.Background(), arg, bytes.NewReader(archive), Options{Limits: bombLimits})
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want %v", err, ErrLimit)
			}
			if !strings.Contains(err.Error(), "bomb/layer.tar") {
				t.Errorf("error %q does not name the layer member", err)
			}
			checkRefusedEarly(t, err)
		})
	}
}
