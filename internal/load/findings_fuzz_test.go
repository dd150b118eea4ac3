package load

// Reproductions of bugs found while fuzzing the loader; each guards its fix in every
// `go test`.

import (
	"archive/tar"
	"bytes"
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

	"github.com/ulikunitz/xz"
)

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

// Finding 1 (fixed): names from the input (member names from manifest.json, tar entry names) go
// into error messages verbatim, so a name holding "\n" (or a terminal escape) breaks the
// one-line `strata: error: …` contract and lets an archive forge output lines.
func TestFindingNewlineInErrorMessages(t *testing.T) {
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
// one n times: no cycle and within maxIndexDepth, but a walk that follows every descriptor
// visits n^8 of them. With image, the last index lists one real image.
func nestedIndexes(n int, image bool) []byte {
	var ms []fzMember
	var leaf []string
	if image {
		layer := string(fzTar(fzMember{name: "f", data: "x"}))
		cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digestOf([]byte(layer)) + `"]}}`
		man := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
			`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + digestOf([]byte(cfg)) + `","size":1},` +
			`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + digestOf([]byte(layer)) + `","size":1}]}`
		for _, b := range []string{layer, cfg, man} {
			ms = append(ms, fzMember{name: "blobs/sha256/" + strings.TrimPrefix(digestOf([]byte(b)), "sha256:"), data: b})
		}
		leaf = append(leaf, `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"`+digestOf([]byte(man))+`","size":1}`)
	}
	for level := 0; level <= maxIndexDepth; level++ {
		var ds []string
		for i := 0; i < n && level < maxIndexDepth; i++ {
			ds = append(ds, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":1}`,
				strings.Repeat(fmt.Sprint(level+1), 64)))
		}
		if level == maxIndexDepth {
			ds = leaf
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

// openCounting opens b from stdin and returns the error and how many JSON documents the
// resolver read and parsed to get there.
func openCounting(b []byte) (error, int64) {
	before := ops.documents.Load()
	_, err := Open(context.Background(), Stdin, bytes.NewReader(b), Options{})
	return err, ops.documents.Load() - before
}

// Finding 2 (fixed): resolveOCI's walk re-read and re-walked a nested index each time a
// descriptor named it. A 15 KB archive of 9 indexes listing the next one 8 times cost
// 8^8 = 16.7M reads and parses (minutes); 20 times, 2.6e10 (forever). No limit caught it.
func TestFindingNestedIndexBlowup(t *testing.T) {
	b := nestedIndexes(11, false)
	err, docs := openCounting(b)
	// index.json and one index per level, each read once.
	if want := int64(maxIndexDepth + 1); docs != want {
		t.Errorf("Open of a %d-byte archive of %d indexes read %d JSON documents, want %d", len(b), maxIndexDepth+1, docs, want)
	}
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("error %v, want %v (no image manifests)", err, ErrMalformed)
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

// Finding 3 (fixed): github.com/ulikunitz/xz allocates the dictionary the block header claims,
// up to 4 GiB, before decoding a byte: a 108-byte input allocates 4 GiB (a fatal
// out-of-memory on a small machine).
func TestFindingXZDictionaryAllocation(t *testing.T) {
	b := smallXZ(t, 40)
	var err error
	n := allocDuring(func() { _, err = Open(context.Background(), Stdin, bytes.NewReader(b), Options{}) })
	t.Logf("%d-byte xz input: allocated %d MiB; error %v", len(b), n>>20, err)
	if n > 256<<20 {
		t.Errorf("a %d-byte input allocated %d MiB", len(b), n>>20)
	}
}

// Finding 3b (open): with the dictionary capped, an xz stream whose first block asks for
// more is refused as "corrupt: xz header: xz: LZMA2 dictionary size exceeds max": the
// decoder's ErrMemlimit, returned by xz.NewReader, is wrapped as ErrCorrupt, where the same
// case for zstd (and for later xz blocks, in corruptReader.Read) is ErrLimit.
func TestFindingXZDictionaryErrorClass(t *testing.T) {
	b := smallXZ(t, 40)
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if !errors.Is(err, ErrLimit) {
			t.Errorf("error %v, want %v", err, ErrLimit)
		}
	})
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

// Finding 4 (fixed): zstd frames may declare windows up to 1 GiB (WithDecoderMaxWindow(1<<30)),
// and the decoder allocates the whole window up front: a 1 KiB input allocates 1 GiB,
// per layer blob, GOMAXPROCS layers at a time.
func TestFindingZstdWindowAllocation(t *testing.T) {
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

// Finding 5 (fixed): for a GNU sparse member (`tar -S`; type 'S', or PAX GNU.sparse.*), archive/tar
// reports the logical size in hdr.Size, while the archive stores less. scanOuter takes
// hdr.Size as the stored size, so a valid rootfs tarball holding a sparse file is refused
// as truncated: from a file always (indexTar: "member claims … bytes, the file ends …"), from
// stdin when the sparse file is the last member ("ends without its end-of-archive marker").
func TestFindingSparseMemberTruncated(t *testing.T) {
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

// Finding 6 (fixed): streamStore.keep holds the bytes of every top-level (or blobs/…) member up to
// MaxJSON each, with no bound on their total: a stream of many JSON-sized members is held
// whole in memory (1 MiB of gzip inflating to 1 GiB of held members under default limits).
func TestFindingStreamKeepsUnboundedBytes(t *testing.T) {
	const members, size = 64, 1 << 20
	lim := DefaultLimits
	lim.MaxJSON = size
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		body := []byte(`{"k":"` + strings.Repeat("x", size-8) + `"}`)
		for i := 0; i < members; i++ {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("m%03d.json", i), Size: int64(len(body)), Mode: 0o644}); err != nil {
				pw.CloseWithError(err)
				return
			}
			tw.Write(body)
		}
		pw.CloseWithError(tw.Close())
	}()
	defer pr.Close()
	st, err := indexStream(pr, parseOpts{lim: lim})
	if err != nil {
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("error %v, want none or %v", err, ErrLimit)
		}
		t.Logf("refused: %v", err)
		return
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

// Finding 7 (fixed): Limits says a zero field means "no limit", but resolveMember checks
// `hops >= lim.MaxLinkHops`, so MaxLinkHops 0 allows no hop at all: with any Limits value
// that leaves MaxLinkHops unset (e.g. Limits{MaxEntries: 1000}), a legacy docker save whose
// layer.tar is a symlink to another image's layer (as docker writes for shared layers) is
// refused as a link loop.
func TestFindingZeroMaxLinkHops(t *testing.T) {
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

// Finding 8 (open): stdin and file disagree on documents stored outside the places blobCandidate
// expects: a manifest.json whose Config is "x/y/c.json" opens from a file, but from stdin
// the member was never kept and the image is refused as "not a JSON document".
func TestFindingStreamDocumentNames(t *testing.T) {
	layer := string(fzTar(fzMember{name: "f", data: "x"}))
	cfg := `{"rootfs":{"type":"layers","diff_ids":["` + digestOf([]byte(layer)) + `"]}}`
	b := fzTar(
		fzMember{name: "a/layer.tar", data: layer},
		fzMember{name: "x/y/c.json", data: cfg},
		fzMember{name: "manifest.json", data: `[{"Config":"x/y/c.json","RepoTags":["x:1"],"Layers":["a/layer.tar"]}]`},
	)
	openBoth(t, b, Options{}, func(t *testing.T, err error) {
		if err != nil {
			t.Errorf("opens from a file, not from stdin: %v", err)
		}
	})
}

// manyTags is an OCI archive of one image whose index.json names its manifest n times,
// each time under another io.containerd.image.name.
func manyTags(n int) []byte {
	layer := string(fzTar(fzMember{name: "f", data: "x"}))
	cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digestOf([]byte(layer)) + `"]}}`
	man := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + digestOf([]byte(cfg)) + `","size":1},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + digestOf([]byte(layer)) + `","size":1}]}`
	var ms []fzMember
	for _, b := range []string{layer, cfg, man} {
		ms = append(ms, fzMember{name: "blobs/sha256/" + strings.TrimPrefix(digestOf([]byte(b)), "sha256:"), data: b})
	}
	var ds []string
	for i := 0; i < n; i++ {
		ds = append(ds, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,"annotations":{"io.containerd.image.name":"r/x:%d"}}`, digestOf([]byte(man)), i))
	}
	ms = append(ms, fzMember{name: "index.json", data: `{"schemaVersion":2,"manifests":[` + strings.Join(ds, ",") + `]}`})
	return fzTar(ms...)
}

// Finding 2c (open): merging the tags of descriptors that name one manifest is quadratic
// (revisit → appendUnique scans the candidate's tags for each descriptor): 40,000 names
// (an 8 MB index.json) take 1.8 s, 80,000 about 7 s, and a 64 MiB index.json (the default
// json limit) minutes.
func TestFindingManyTagsQuadratic(t *testing.T) {
	const n = 80000
	b := manyTags(n)
	before := ops.tagSteps.Load()
	_, err := Open(context.Background(), Stdin, bytes.NewReader(b), Options{})
	steps := ops.tagSteps.Load() - before
	if err != nil {
		t.Fatal(err)
	}
	// Each descriptor adds its tag in a constant number of steps; a scan of the tags so far
	// (the old appendUnique) would take n²/2 = 3.2e9.
	if steps > 3*n {
		t.Errorf("merging the tags of an index naming one manifest %d times took %d steps, want at most %d", n, steps, 3*n)
	}
}

// Finding 2b (open): after the memoising fix, walk still appends the candidate indexes
// found under a revisited index once per descriptor naming it, so with one real image under
// the last index the lists grow to n^8 entries (and revisit loops over them): the same
// blowup, in time and memory (n = 11: a 27 KB input, 2.1e8 entries, 1.7 GB; n = 16 would
// need 34 GB).
func TestFindingNestedIndexCandidates(t *testing.T) {
	const n = 11
	b := nestedIndexes(n, true)
	before := ops.walkSteps.Load()
	err, docs := openCounting(b)
	steps := ops.walkSteps.Load() - before
	// index.json, one index per level, the manifest: each read once.
	if want := int64(maxIndexDepth + 2); docs != want {
		t.Errorf("Open of a %d-byte archive read %d JSON documents, want %d", len(b), docs, want)
	}
	// Each of the n descriptors of each level hands up the one candidate under it: n per
	// level, not n^levels.
	if max := int64(n * (maxIndexDepth + 1)); steps > max {
		t.Errorf("walking the indexes gathered %d candidates, want at most %d", steps, max)
	}
	if err != nil {
		t.Errorf("the one image is not found: %v", err)
	}
}
