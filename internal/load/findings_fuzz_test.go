package load

// Reproductions of bugs found while fuzzing the loader, each failing until its fix lands.
// They run only with STRATA_KNOWN_BUGS=1 (so that `go test` stays green meanwhile):
//
//	STRATA_KNOWN_BUGS=1 go test -run TestFinding -v ./internal/load/
//
// Once a fix lands, drop its knownBug call so that the test guards the fix.

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
)

func knownBug(t *testing.T) {
	t.Helper()
	if os.Getenv("STRATA_KNOWN_BUGS") == "" {
		t.Skip("known bug, reported; STRATA_KNOWN_BUGS=1 runs the reproduction")
	}
}

// openBoth opens b from a file and from stdin.
func openBoth(t *testing.T, b []byte, opts Options, check func(t *testing.T, err error)) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "in.tar")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{file, Stdin} {
		t.Run(map[bool]string{true: "stdin", false: "file"}[arg == Stdin], func(t *testing.T) {
			img, err := Open(context.Background(), arg, bytes.NewReader(b), opts)
			if err == nil {
				img.Close()
			}
			check(t, err)
		})
	}
}

// allocDuring returns the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// Finding 1: names from the input (member names from manifest.json, tar entry names) go
// into error messages verbatim, so a name holding "\n" (or a terminal escape) breaks the
// one-line `strata: error: …` contract and lets an archive forge output lines.
func TestFindingNewlineInErrorMessages(t *testing.T) {
	knownBug(t)
	cfg := `{"rootfs":{"type":"layers","diff_ids":[]}}`
	inputs := map[string][]byte{
		"member name from manifest.json": fzTar(
			fzMember{name: "c.json", data: cfg},
			fzMember{name: "manifest.json", data: "[{\"Config\":\"c\\nstrata: forged line\",\"Layers\":[]}]"},
		),
		"tar entry name": fzTar(fzMember{name: "x\n\x1b[31mforged", typ: 'Z'}),
	}
	for name, b := range inputs {
		t.Run(name, func(t *testing.T) {
			openBoth(t, b, Options{}, func(t *testing.T, err error) {
				if err == nil {
					t.Fatal("no error")
				}
				if strings.ContainsAny(err.Error(), "\n\r\x1b") {
					t.Errorf("error message holds control characters: %q", err)
				}
			})
		})
	}
}

// nestedIndexes is an OCI archive whose index.json and 8 nested indexes each list the next
// one n times: no cycle and within maxIndexDepth, but the walk visits n^8 descriptors.
func nestedIndexes(n int) []byte {
	var ms []fzMember
	for level := 0; level <= maxIndexDepth; level++ {
		var ds []string
		for i := 0; i < n && level < maxIndexDepth; i++ {
			ds = append(ds, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":1}`,
				strings.Repeat(fmt.Sprint(level+1), 64)))
		}
		doc := `{"schemaVersion":2,"manifests":[` + strings.Join(ds, ",") + `]}`
		name := "blobs/sha256/" + strings.Repeat(fmt.Sprint(level), 64)
		if level == 0 {
			name = "index.json"
		}
		ms = append(ms, fzMember{name: name, data: doc})
	}
	return fzTar(ms...)
}

// Finding 2: resolveOCI's walk re-reads and re-walks a nested index each time a descriptor
// names it. A 15 KB archive of 9 indexes listing the next one 8 times costs 8^8 = 16.7M
// reads and parses (minutes); 20 times, 2.6e10 (forever). No limit catches it.
func TestFindingNestedIndexBlowup(t *testing.T) {
	knownBug(t)
	b := nestedIndexes(8)
	t.Logf("input: %d bytes", len(b))
	var done atomic.Bool
	go func() {
		Open(context.Background(), Stdin, bytes.NewReader(b), Options{})
		done.Store(true)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !done.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !done.Load() {
		t.Fatalf("Open of a %d-byte archive still running after 5s", len(b))
	}
}

// smallXZ is a valid xz stream of 10 KiB of zeros whose LZMA2 filter claims a dictionary
// of the given code (40: 4 GiB - 1); the block header CRC is recomputed.
func smallXZ(t *testing.T, dictCode byte) []byte {
	var buf bytes.Buffer
	w, err := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 10240))
	w.Close()
	b := buf.Bytes()
	hs := (int(b[12]) + 1) * 4 // block header right after the 12-byte stream header
	hdr := b[12 : 12+hs]
	i := bytes.Index(hdr, []byte{0x21, 0x01}) // LZMA2 filter, 1 property byte
	if i < 0 {
		t.Fatal("no LZMA2 filter in the block header")
	}
	hdr[i+2] = dictCode
	binary.LittleEndian.PutUint32(hdr[hs-4:], crc32.ChecksumIEEE(hdr[:hs-4]))
	return b
}

// Finding 3: github.com/ulikunitz/xz allocates the dictionary the block header claims,
// up to 4 GiB, before decoding a byte: a 108-byte input allocates 4 GiB (a fatal
// out-of-memory on a small machine).
func TestFindingXZDictionaryAllocation(t *testing.T) {
	knownBug(t)
	b := smallXZ(t, 40)
	var err error
	n := allocDuring(func() { _, err = Open(context.Background(), Stdin, bytes.NewReader(b), Options{}) })
	t.Logf("%d-byte xz input: allocated %d MiB; error %v", len(b), n>>20, err)
	if n > 256<<20 {
		t.Errorf("a %d-byte input allocated %d MiB", len(b), n>>20)
	}
}

// tinyZstd is a zstd frame whose header declares a 1 GiB window (the most decompress
// allows), holding one raw 1 KiB block of zeros.
func tinyZstd() []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3} // no FCS, not single-segment; windowLog 10+20
	blk := make([]byte, 1024)
	h := uint32(len(blk))<<3 | 1 // last block, raw
	b = append(b, byte(h), byte(h>>8), byte(h>>16))
	return append(b, blk...)
}

// Finding 4: zstd frames may declare windows up to 1 GiB (WithDecoderMaxWindow(1<<30)),
// and the decoder allocates the whole window up front: a 1 KiB input allocates 1 GiB,
// per layer blob, GOMAXPROCS layers at a time.
func TestFindingZstdWindowAllocation(t *testing.T) {
	knownBug(t)
	b := tinyZstd()
	var err error
	n := allocDuring(func() { _, err = Open(context.Background(), Stdin, bytes.NewReader(b), Options{}) })
	t.Logf("%d-byte zstd input: allocated %d MiB; error %v", len(b), n>>20, err)
	if n > 256<<20 {
		t.Errorf("a %d-byte input allocated %d MiB", len(b), n>>20)
	}
}

// gnuSparse is a one-file old-GNU sparse archive (what `tar -S` writes): the header's
// size field is the 512 stored bytes, realsize the logical size.
func gnuSparse(name string, realSize int64, trailer bool) []byte {
	blk := make([]byte, 512)
	copy(blk[0:], name)
	copy(blk[100:], "0000644\x00")
	copy(blk[108:], "0000000\x00")
	copy(blk[116:], "0000000\x00")
	copy(blk[124:], fmt.Sprintf("%011o\x00", 512))
	copy(blk[136:], fmt.Sprintf("%011o\x00", 1700000000))
	blk[156] = tar.TypeGNUSparse
	copy(blk[257:], "ustar  \x00")
	// one sparse region: 512 bytes of data at offset 0
	copy(blk[386:], fmt.Sprintf("%011o\x00", 0))
	copy(blk[398:], fmt.Sprintf("%011o\x00", 512))
	copy(blk[483:], fmt.Sprintf("%011o\x00", realSize))
	copy(blk[148:], "        ")
	var sum int64
	for _, c := range blk {
		sum += int64(c)
	}
	copy(blk[148:], fmt.Sprintf("%06o\x00 ", sum))
	out := append(blk, bytes.Repeat([]byte("d"), 512)...)
	if trailer {
		out = append(out, make([]byte, 1024)...)
	}
	return out
}

// Finding 5: for a GNU sparse member (`tar -S`; type 'S', or PAX GNU.sparse.*), archive/tar
// reports the logical size in hdr.Size, while the archive stores less. scanOuter takes
// hdr.Size as the stored size, so a valid rootfs tarball holding a sparse file is refused
// as truncated: from a file always (indexTar: "member claims … bytes, the file ends …"), from
// stdin when the sparse file is the last member ("ends without its end-of-archive marker").
func TestFindingSparseMemberTruncated(t *testing.T) {
	knownBug(t)
	b := gnuSparse("big", 1<<30, true)
	if _, err := tar.NewReader(bytes.NewReader(b)).Next(); err != nil {
		t.Fatalf("archive/tar rejects the test archive: %v", err)
	}
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("valid sparse archive refused: %v", err)
		}
	})
}

// Finding 6: streamStore.keep holds the bytes of every top-level (or blobs/…) member up to
// MaxJSON each, with no bound on their total: a stream of many JSON-sized members is held
// whole in memory (1 MiB of gzip inflating to 1 GiB of held members under default limits).
func TestFindingStreamKeepsUnboundedBytes(t *testing.T) {
	knownBug(t)
	const members, size = 64, 1 << 20
	lim := DefaultLimits
	lim.MaxJSON = size
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		body := bytes.Repeat([]byte("x"), size)
		for i := 0; i < members; i++ {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("m%03d", i), Size: size, Mode: 0o644})
			tw.Write(body)
		}
		pw.CloseWithError(tw.Close())
	}()
	st, err := indexStream(pr, parseOpts{lim: lim})
	if err != nil {
		t.Fatal(err)
	}
	var held int
	for _, b := range st.data {
		held += len(b)
	}
	t.Logf("%d members of %d bytes (MaxJSON %d): %d MiB held", members, size, lim.MaxJSON, held>>20)
	if held > 4*size {
		t.Errorf("the stream store holds %d MiB of member bytes at once", held>>20)
	}
}

// Finding 7: Limits says a zero field means "no limit", but resolveMember checks
// `hops >= lim.MaxLinkHops`, so MaxLinkHops 0 allows no hop at all: with any Limits value
// that leaves MaxLinkHops unset (e.g. Limits{MaxEntries: 1000}), a legacy docker save whose
// layer.tar is a symlink to another image's layer (as docker writes for shared layers) is
// refused as a link loop.
func TestFindingZeroMaxLinkHops(t *testing.T) {
	knownBug(t)
	layer := string(fzTar(fzMember{name: "f", data: "x"}))
	cfg := `{"rootfs":{"type":"layers","diff_ids":["` + digestOf([]byte(layer)) + `"]}}`
	b := fzTar(
		fzMember{name: "a/layer.tar", data: layer},
		fzMember{name: "b/layer.tar", typ: tar.TypeSymlink, link: "../a/layer.tar"},
		fzMember{name: "c.json", data: cfg},
		fzMember{name: "manifest.json", data: `[{"Config":"c.json","RepoTags":["x:1"],"Layers":["b/layer.tar"]}]`},
	)
	openBoth(t, b, Options{Limits: Limits{MaxEntries: 1000}}, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("one symlinked layer, MaxLinkHops unset (no limit): %v", err)
		}
	})
}
