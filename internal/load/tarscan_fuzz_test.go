package load

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// scanned is what a tar reader reports of one member.
type scanned struct {
	hdr     string // the header fields strata reads
	off     int64  // where the data starts
	content string // sha256 of the content, when it was read (at most 1 MiB)
}

func headerKey(h *tar.Header) string {
	var pax []string
	for k, v := range h.PAXRecords {
		pax = append(pax, k+"="+v)
	}
	sort.Strings(pax)
	return fmt.Sprintf("%q %q %c size=%d mode=%o uid=%d gid=%d mtime=%d maj=%d min=%d sparse=%v pax=%q",
		h.Name, h.Linkname, h.Typeflag, h.Size, h.Mode, h.Uid, h.Gid, h.ModTime.UnixNano(), h.Devmajor, h.Devminor, isSparse(h), pax)
}

const maxFuzzContent = 1 << 20

// countReader counts the bytes read through it (and hides any Seek).
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scanRef reads b with archive/tar: the reference.
func scanRef(b []byte) ([]scanned, bool, error) {
	cr := &countReader{r: bytes.NewReader(b)}
	tr := tar.NewReader(cr)
	var out []scanned
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, true, nil
		}
		if err != nil {
			return out, true, err
		}
		s := scanned{hdr: headerKey(h), off: cr.n}
		if h.Size <= maxFuzzContent {
			sum := sha256.New()
			if _, err := io.Copy(sum, tr); err != nil {
				return append(out, s), true, err
			}
			s.content = fmt.Sprintf("%x", sum.Sum(nil))
		} else if isSparse(h) {
			// Not read (too big to materialise): archive/tar would only check its map
			// when reading it, so nothing after it is compared.
			return append(out, s), false, nil
		}
		out = append(out, s)
	}
}

// scanOurs reads b with tarScan over r.
func scanOurs(r io.Reader) ([]scanned, error) {
	t := newTarScan(r)
	var out []scanned
	for {
		h, err := t.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		s := scanned{hdr: headerKey(h), off: t.Offset()}
		if h.Size <= maxFuzzContent {
			sum := sha256.New()
			if _, err := io.Copy(sum, t); err != nil {
				return append(out, s), err
			}
			s.content = fmt.Sprintf("%x", sum.Sum(nil))
		}
		out = append(out, s)
	}
}

// tarScanSeeds are tar archives using every header feature tarScan parses.
func tarScanSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	layer := func(entries []testgen.Entry) {
		var buf bytes.Buffer
		if err := testgen.WriteLayerTar(&buf, entries); err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, buf.Bytes())
	}
	layer(fzImage("x:1").Layers[0].Entries)
	layer([]testgen.Entry{
		{Name: "pax/" + strings.Repeat("p", 200), Type: tar.TypeReg, Content: []byte("pax"), Format: tar.FormatPAX, Xattrs: map[string]string{"security.capability": "\x01"}},
		{Name: "gnu/" + strings.Repeat("g", 150), Type: tar.TypeSymlink, Link: strings.Repeat("l", 150), Format: tar.FormatGNU},
		{Name: "big-uid", Type: tar.TypeReg, UID: 1 << 30, Content: []byte("b256"), Format: tar.FormatGNU},
		{Name: "ustar/" + strings.Repeat("u", 120) + "/f", Type: tar.TypeReg, Content: []byte("u"), Format: tar.FormatUSTAR},
		{Name: "dev", Type: tar.TypeChar, Devmajor: 1, Devminor: 3},
		{Name: "dir/", Type: tar.TypeDir},
	})
	// Sparse members: old GNU, PAX 0.1 (and a petabyte of holes), PAX 1.0.
	seeds = append(seeds, gnuSparse("s", 1<<20, true), testgen.SparseHoles("holes", 1<<50))
	sparse10 := testgen.PAXMember(testgen.RawHeader{Name: "s10", Size: fmt.Sprintf("%011o", 512+3)},
		[][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"}, {"GNU.sparse.name", "s10"}, {"GNU.sparse.realsize", "4096"}},
		append(append([]byte("1\n100\n3\n"), make([]byte, 512-8)...), "abc"...))
	seeds = append(seeds, append(sparse10, testgen.EndOfArchive()...))
	// A GNU size in base-256, a PAX size of 2^63-1, a bad checksum after a good member.
	b256 := testgen.RawHeader{Name: "b256", Magic: "ustar  \x00", Extra: func(b []byte) {
		copy(b[124:136], []byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5})
	}}
	seeds = append(seeds, append(append(b256.Block(), pad512("hello")...), testgen.EndOfArchive()...))
	seeds = append(seeds, append(testgen.PAXMember(testgen.RawHeader{Name: "huge"}, [][2]string{{"size", "9223372036854775807"}}, nil), testgen.EndOfArchive()...))
	good := testgen.RawHeader{Name: "good", Size: fmt.Sprintf("%011o", 2)}
	seeds = append(seeds, append(append(append(good.Block(), pad512("ok")...), testgen.RawHeader{Name: "bad", BadSum: true}.Block()...), testgen.EndOfArchive()...))
	seeds = append(seeds, []byte{}, make([]byte, 512), make([]byte, 1024))
	return seeds
}

func pad512(s string) []byte {
	b := []byte(s)
	return append(b, make([]byte, -len(b)&511)...)
}

// FuzzTarScan reads every input with archive/tar and with tarScan (as a stream, as a
// seeker, at random through a section): the same members, headers, data offsets and
// contents, or failures of the same class.
func FuzzTarScan(f *testing.F) {
	for _, s := range tarScanSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, comparable, wantErr := scanRef(b)
		for _, how := range []string{"stream", "seeker", "section"} {
			var r io.Reader
			switch how {
			case "stream":
				r = struct{ io.Reader }{bytes.NewReader(b)}
			case "seeker":
				r = bytes.NewReader(b)
			case "section":
				r = newSection(bytes.NewReader(b), 0, int64(len(b)))
			}
			got, err := scanOurs(r)
			n := min(len(got), len(want))
			for i := 0; i < n; i++ {
				if got[i] != want[i] {
					t.Fatalf("%s: member %d:\narchive/tar %+v\ntarScan     %+v", how, i, want[i], got[i])
				}
			}
			if !comparable {
				continue // archive/tar stopped at a sparse member too big to read
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d members, archive/tar %d (errors %v; %v)", how, len(got), len(want), err, wantErr)
			}
			if (err == nil) != (wantErr == nil) || errClass(classify(err)) != errClass(classify(wantErr)) {
				t.Fatalf("%s: error %v, archive/tar %v", how, err, wantErr)
			}
		}
	})
}
