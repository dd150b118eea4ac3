package load

// Tests for the hostile-input classes of issue 9, each built from its own small generated
// input (internal/testgen/hostile.go). None times itself: they count blobs and configs
// parsed, bytes inflated or read, and check the error class, key and location.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/testgen"
)

func rawArchive(t *testing.T, a testgen.RawArchive) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := a.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantLimit checks that err is a located limit error whose hint names key.
func wantLimit(t *testing.T, err error, key string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrLimit) {
		t.Fatalf("error %v, want a *load.Error of class %v", err, ErrLimit)
	}
	if !strings.Contains(e.Hint, "--limit "+key+"=") {
		t.Errorf("hint %q does not name --limit %s", e.Hint, key)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("error %q is more than one line", err)
	}
}

// Class 4: one layer listed many times is parsed once, and the layer count and the entries
// of every listing together are bounded.
func TestRepeatedLayerParsedOnce(t *testing.T) {
	b := rawArchive(t, testgen.RepeatedLayer(200, 100))
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if err != nil {
			t.Fatal(err)
		}
	})
	for _, arg := range []string{"file", Stdin} {
		before := ops.blobs.Load()
		if arg == "file" {
			arg = filepath.Join(t.TempDir(), "in.tar")
			os.WriteFile(arg, b, 0o644)
		}
		img, err := Open(context.Background(), arg, bytes.NewReader(b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := ops.blobs.Load() - before; n != 1 {
			t.Errorf("%s: the layer listed 100 times was parsed %d times, want 1", filepath.Base(arg), n)
		}
		// Parsed once, but each layer holds entries of its own (an entry's address names one
		// layer's file downstream); what they cost together is bounded by image-entries.
		if len(img.Layers) != 100 || &img.Layers[0].Entries[0] == &img.Layers[99].Entries[0] ||
			len(img.Layers[99].Entries) != len(img.Layers[0].Entries) || img.Layers[99].Entries[7].Path != img.Layers[0].Entries[7].Path {
			t.Errorf("%s: %d layers, or their entries are shared or differ", filepath.Base(arg), len(img.Layers))
		}
	}
	over := rawArchive(t, testgen.RepeatedLayer(20, DefaultLimits.MaxLayers+1))
	openBoth(t, over, Options{}, func(t *testing.T, err error) { wantLimit(t, err, "layers") })
	lim := DefaultLimits
	lim.MaxImageEntries = 1999
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) { wantLimit(t, err, "image-entries") })
}

// Class 5: manifest entries sharing one config parse it once; their number is bounded.
func TestSharedConfigParsedOnce(t *testing.T) {
	b := rawArchive(t, testgen.SharedConfig(2000, 8<<10))
	for _, arg := range []string{"file", Stdin} {
		before := ops.configs.Load()
		if arg == "file" {
			arg = filepath.Join(t.TempDir(), "in.tar")
			os.WriteFile(arg, b, 0o644)
		}
		img, err := Open(context.Background(), arg, bytes.NewReader(b), Options{Image: "img1999:1"})
		if err != nil {
			t.Fatal(err)
		}
		if n := ops.configs.Load() - before; n != 1 {
			t.Errorf("%s: one config named by 2,000 manifest entries was parsed %d times, want 1", filepath.Base(arg), n)
		}
		img.Close()
	}
	lim := DefaultLimits
	lim.MaxImages = 1000
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) {
		wantLimit(t, err, "images")
		if !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("error %q does not name manifest.json", err)
		}
	})
}

// gzipZeros is a layer blob: a one-file tar of n zero bytes, gzip'd.
func gzipZeros(t *testing.T, n int64) []byte {
	t.Helper()
	b, err := io.ReadAll(zeroBomb(n, true))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Class 6: the decompression budget is the whole input's: eight 16 MiB layers are refused
// under a 64 MiB limit once they inflate past it together, though each alone is under it.
func TestInflateBudgetIsShared(t *testing.T) {
	a := testgen.RawArchive{Images: [][]int{nil}}
	for i := 0; i < 8; i++ {
		a.Layers = append(a.Layers, testgen.RawLayer{Blob: gzipZeros(t, 16<<20+int64(i)*512)}) // distinct blobs
		a.Images[0] = append(a.Images[0], i)
	}
	b := rawArchive(t, a)
	lim := DefaultLimits
	lim.MaxUncompressed = 64 << 20
	openBoth(t, b, Options{Limits: lim}, func(t *testing.T, err error) {
		wantLimit(t, err, "uncompressed")
		var le *limitError
		errors.As(err, &le)
		if max := lim.MaxUncompressed + 4<<20; le.at > max {
			t.Errorf("refused after %d bytes inflated in all, want at most %d", le.at, max)
		}
		if !strings.Contains(err.Error(), "/layer.tar") {
			t.Errorf("error %q does not name a layer member", err)
		}
	})
}

// Class 6: the first failing layer stops the others: a layer with a corrupt gzip header
// beside two big valid ones is refused without inflating them (counted in bytes inflated).
func TestFailureStopsOtherLayers(t *testing.T) {
	a := testgen.RawArchive{
		Layers: []testgen.RawLayer{{Blob: []byte("\x1f\x8b\x08\xff not gzip")}, {Blob: gzipZeros(t, 256<<20)}, {Blob: gzipZeros(t, 256<<20+512)}},
		Images: [][]int{{0, 1, 2}},
	}
	b := rawArchive(t, a)
	file := filepath.Join(t.TempDir(), "in.tar")
	os.WriteFile(file, b, 0o644)
	lim := DefaultLimits
	lim.MaxRatio = 0
	before := ops.inflated.Load()
	_, err := Open(context.Background(), file, nil, Options{Limits: lim})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "l0/layer.tar") {
		t.Fatalf("error %v, want %v naming l0/layer.tar", err, ErrCorrupt)
	}
	// Not stopped, the other two layers inflate 512 MiB.
	if n := ops.inflated.Load() - before; n > 256<<20 {
		t.Errorf("%d MiB inflated before the refusal; the other layers were not stopped", n>>20)
	}
}

// layoutDir writes an OCI layout of goodImage into a temporary directory and returns it with
// the member names of its blobs (index.json's manifest, the config, the layers).
func layoutDir(t *testing.T) (dir string, layers []string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "layout")
	if err := testgen.WriteOCILayout(dir, goodImage()); err != nil {
		t.Fatal(err)
	}
	img, err := Open(context.Background(), dir, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	for _, l := range img.Layers {
		layers = append(layers, l.Member)
	}
	return dir, layers
}

// Class 7: nothing outside a layout directory is read through a symbolic link: a blob,
// blobs/ itself, or index.json linking out (relatively or absolutely) is refused, naming
// the member; a relative link that stays inside the layout is followed.
func TestLayoutSymlinksConfined(t *testing.T) {
	replace := func(t *testing.T, dir, member, target string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(member))
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	// moveOut moves a member out of the layout, to a place a link can name.
	moveOut := func(t *testing.T, dir, member string) string {
		t.Helper()
		out := filepath.Join(filepath.Dir(dir), "outside", filepath.Base(member))
		os.MkdirAll(filepath.Dir(out), 0o755)
		if err := os.Rename(filepath.Join(dir, filepath.FromSlash(member)), out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		member func(layers []string) string
		rel    bool
	}{
		{"layer blob, absolute link", func(l []string) string { return l[1] }, false},
		{"layer blob, relative link", func(l []string) string { return l[1] }, true},
		{"blobs directory", func([]string) string { return "blobs" }, false},
		{"index.json", func([]string) string { return "index.json" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, layers := layoutDir(t)
			m := tc.member(layers)
			out := moveOut(t, dir, m)
			target := out
			if tc.rel {
				target, _ = filepath.Rel(filepath.Dir(filepath.Join(dir, filepath.FromSlash(m))), out)
			}
			replace(t, dir, m, target)
			_, err := Open(context.Background(), dir, nil, Options{})
			if err == nil {
				t.Fatalf("a layout whose %s links out of it (%s) opened", m, target)
			}
			checkOpenErr(t, "layout", err)
			if !strings.Contains(err.Error(), "not followed") && !errors.Is(err, ErrMissing) {
				t.Errorf("error %q does not say the link is not followed", err)
			}
		})
	}
	t.Run("in-layout link followed", func(t *testing.T) {
		dir, layers := layoutDir(t)
		p := filepath.Join(dir, filepath.FromSlash(layers[1]))
		os.MkdirAll(filepath.Join(dir, "store"), 0o755)
		if err := os.Rename(p, filepath.Join(dir, "store", "l1")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../../store/l1", p); err != nil {
			t.Fatal(err)
		}
		img, err := Open(context.Background(), dir, nil, Options{})
		if err != nil {
			t.Fatalf("a relative link inside the layout was not followed: %v", err)
		}
		img.Close()
	})
}

// Class 8: a FIFO (or device) where a blob or index.json should be is refused by its type
// without being opened for a blocking read (this test would hang otherwise).
func TestLayoutFIFOBlob(t *testing.T) {
	for _, which := range []string{"layer", "index.json"} {
		t.Run(which, func(t *testing.T) {
			dir, layers := layoutDir(t)
			m := "index.json"
			if which == "layer" {
				m = layers[0]
			}
			p := filepath.Join(dir, filepath.FromSlash(m))
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			_, err := Open(context.Background(), dir, nil, Options{})
			if !errors.Is(err, ErrMalformed) && !(which == "index.json" && errors.Is(err, ErrUnknownFormat)) {
				t.Fatalf("error %v, want %v", err, ErrMalformed)
			}
			checkOpenErr(t, "layout", err)
		})
	}
	// The same in an archive: a FIFO member named as a layer.
	b := edit(t, func(m *rawMember) bool {
		if layerMember(m.hdr.Name) && strings.HasPrefix(m.hdr.Name, firstLayerDir(t)) {
			m.hdr.Typeflag, m.data = tar.TypeFifo, nil
		}
		return true
	})
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "FIFO") {
			t.Fatalf("error %v, want %v: a FIFO", err, ErrMalformed)
		}
	})
}

// firstLayerDir is the directory of goodImage's first layer member.
func firstLayerDir(t *testing.T) string {
	var m dockerManifestList
	for _, rm := range members(t, archiveBytes(t, goodImage())) {
		if rm.hdr.Name == "manifest.json" {
			if err := json.Unmarshal(rm.data, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return strings.TrimSuffix(m[0].Layers[0], "layer.tar")
}

type dockerManifestList []dockerManifest

// zeros reads n zero bytes and counts what was read.
type zeros struct{ n, read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int64(len(p))
	if k > z.n {
		k = z.n
	}
	clear(p[:k])
	z.n -= k
	z.read += k
	return int(k), nil
}

// Class 9: after the end-of-archive marker a stream is read only so far: an archive
// followed by 256 MiB of zeros (`cat a.tar /dev/zero`) opens having read at most a few MiB
// past it; compressed, the same is refused (it must end within the trailer allowance).
func TestStreamAfterEndOfArchive(t *testing.T) {
	b := archiveBytes(t, goodImage())
	z := &zeros{n: 256 << 20}
	img, err := Open(context.Background(), Stdin, io.MultiReader(bytes.NewReader(b), z), Options{})
	if err != nil {
		t.Fatal(err)
	}
	img.Close()
	if z.read > 4<<20 {
		t.Errorf("read %d MiB of zeros after the archive", z.read>>20)
	}
	padded := append(append([]byte{}, b...), make([]byte, 8<<20)...)
	_, err = Open(context.Background(), Stdin, bytes.NewReader(gz(padded)), Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "end-of-archive") {
		t.Errorf("error %v, want %v: data after the end-of-archive marker", err, ErrCorrupt)
	}
	// Record padding (10 KiB) is fine.
	padded = append(append([]byte{}, b...), make([]byte, 10<<10)...)
	if img, err := Open(context.Background(), Stdin, bytes.NewReader(gz(padded)), Options{}); err != nil {
		t.Errorf("padded archive refused: %v", err)
	} else {
		img.Close()
	}
}

// emptyMembers is a tar stream of n empty members with 100-byte names.
func emptyMembers(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("%s%08d", strings.Repeat("m", 92), i)
			if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatUSTAR}); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	return pr
}

// Class 9: an endless stream of members is stopped by the member limit, and the memory a
// member costs lets the default limit fit in 1 GiB (measured on 200,000 members).
func TestEndlessMembers(t *testing.T) {
	lim := DefaultLimits
	lim.MaxEntries = 5000
	_, err := Open(context.Background(), Stdin, emptyMembers(1<<30), Options{Limits: lim})
	wantLimit(t, err, "entries")
	if testing.Short() {
		return
	}
	const n = 200_000
	before := heapInUse()
	st, err := indexStream(emptyMembers(n), parseOpts{lim: DefaultLimits})
	if err != nil {
		t.Fatal(err)
	}
	after := heapInUse()
	runtime.KeepAlive(st)
	per := int64(after-before) / n
	t.Logf("%d bytes per member", per)
	if total := per * int64(DefaultLimits.MaxEntries); total > 1<<30 {
		t.Errorf("a member costs %d bytes: the default limit of %d members needs %d MiB", per, DefaultLimits.MaxEntries, total>>20)
	}
}

// /dev/stdin, <(…) and other non-regular paths are read as streams.
func TestPipePathIsAStream(t *testing.T) {
	b := archiveBytes(t, goodImage())
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { w.Write(b); w.Close() }()
	img, err := Open(context.Background(), fmt.Sprintf("/proc/self/fd/%d", r.Fd()), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img.Close()
	if len(img.Layers) != 2 {
		t.Errorf("%d layers, want 2", len(img.Layers))
	}
}

// Smaller findings: a leading zstd skippable frame is zstd; a decoder's error names its
// algorithm once; a bad header checksum is blamed on the header, not on the member before;
// a PAX size of 2^63-1 is a classed truncation, not a negative seek.
func TestSmallerFindings(t *testing.T) {
	b := archiveBytes(t, goodImage())
	t.Run("zstd skippable frame", func(t *testing.T) {
		frame := append([]byte{0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0}, "skip"...)
		z := append(frame, fzCompress(b, testgen.Zstd)...)
		openBoth(t, z, Options{}, func(t *testing.T, err error) {
			if err != nil {
				t.Fatalf("zstd stream with a leading skippable frame refused: %v", err)
			}
		})
	})
	t.Run("gzip named once", func(t *testing.T) {
		bad := append(gz(b), "garbage after the member"...)
		openBoth(t, bad, Options{}, func(t *testing.T, err error) {
			if err == nil || strings.Contains(err.Error(), "gzip: gzip:") || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want %v naming gzip once", err, ErrCorrupt)
			}
		})
	})
	t.Run("bad checksum", func(t *testing.T) {
		good := testgen.RawHeader{Name: "first", Size: fmt.Sprintf("%011o", 2)}
		in := append(append(good.Block(), pad512("ok")...), testgen.RawHeader{Name: "second", BadSum: true}.Block()...)
		in = append(in, testgen.EndOfArchive()...)
		openBoth(t, in, Options{}, func(t *testing.T, err error) {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want %v", err, ErrCorrupt)
			}
			if e.Member == "first" || !strings.Contains(err.Error(), "tar header at offset 1024") {
				t.Errorf("error %q (member %q) blames the member before the bad header", err, e.Member)
			}
		})
	})
	t.Run("PAX size 2^63-1", func(t *testing.T) {
		in := append(testgen.PAXMember(testgen.RawHeader{Name: "manifest.json"}, [][2]string{{"size", "9223372036854775807"}}, nil), testgen.EndOfArchive()...)
		openBoth(t, in, Options{}, func(t *testing.T, err error) {
			checkOpenErr(t, "open", err)
			if !errors.Is(err, ErrTruncated) || strings.Contains(err.Error(), "negative") {
				t.Errorf("error %v, want %v", err, ErrTruncated)
			}
		})
	})
}

// Class 1: a sparse file claiming a petabyte of holes is indexed without reading a hole;
// hashing its content (streamed input) is bounded by the sparse limit.
func TestSparseHolesNotRead(t *testing.T) {
	layer := testgen.SparseHoles("big", 1<<50)
	b := rawArchive(t, testgen.RawArchive{Layers: []testgen.RawLayer{{Blob: layer}}, Images: [][]int{{0}}})
	before := ops.holes.Load()
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if err != nil {
			t.Fatal(err)
		}
	})
	img, err := Open(context.Background(), Stdin, bytes.NewReader(layer), Options{}) // as a rootfs
	if err != nil {
		t.Fatal(err)
	}
	if e := img.Layers[0].Entries[0]; e.Size != 1<<50 || !e.Sparse {
		t.Errorf("entry %+v, want a sparse file of 1 PiB", e)
	}
	if n := ops.holes.Load() - before; n != 0 {
		t.Errorf("%d bytes of holes materialised to index the archive", n)
	}
	_, err = Open(context.Background(), Stdin, bytes.NewReader(b), Options{HashFiles: "sha256"})
	wantLimit(t, err, "sparse")
	// Content reads of a seekable input (--hash, cat, diff) are bounded too.
	file := filepath.Join(t.TempDir(), "sparse.tar")
	os.WriteFile(file, b, 0o644)
	img, err = Open(context.Background(), file, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	l := img.Layers[0]
	_, err = content.Digests([]content.Ref{{Layer: l, Entry: &l.Entries[0]}}, "sha256")
	var se *content.SparseLimitError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "--limit sparse=") {
		t.Errorf("hashing a 1 PiB sparse file: error %v, want the sparse limit", err)
	}
	// Under the limit, the content is hashed, holes included.
	small := testgen.SparseHoles("f", 1<<20)
	img, err = Open(context.Background(), Stdin, bytes.NewReader(small), Options{HashFiles: "sha256"})
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(append(make([]byte, 1<<20-1), 'x'))
	if got := img.Layers[0].Entries[0].Digest(); got != "sha256:"+hex.EncodeToString(want[:]) {
		t.Errorf("digest %s, want sha256:%x", got, want)
	}
}
