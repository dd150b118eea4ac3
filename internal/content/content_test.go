package content_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

var kitchen = filepath.Join("..", "..", "testdata", "docker", "kitchen.tar")

// oracle reads every regular file of every layer blob of a docker save with archive/tar,
// independently of the loader: layer member → entry offset → content.
func oracle(t *testing.T) map[string]map[string][]byte {
	t.Helper()
	f, err := os.Open(kitchen)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]byte{}
	outer := tar.NewReader(f)
	for {
		h, err := outer.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(h.Name) != "layer.tar" || h.Typeflag != tar.TypeReg {
			continue
		}
		files := map[string][]byte{}
		inner := tar.NewReader(outer)
		for {
			ih, err := inner.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ih.Typeflag == tar.TypeReg {
				b, err := io.ReadAll(inner)
				if err != nil {
					t.Fatal(err)
				}
				files["/"+filepath.Clean(ih.Name)] = b
			}
		}
		out[h.Name] = files
	}
}

// TestOpenAndDigestsMatchTar: every regular file's content, read at random (Open), in one
// pass per layer (Read) and hashed (Digests), is what archive/tar reads from the blob.
func TestOpenAndDigestsMatchTar(t *testing.T) {
	want := oracle(t)
	img, err := load.Open(context.Background(), kitchen, nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var refs []content.Ref
	n := 0
	for _, l := range img.Layers {
		files, ok := want[l.Member]
		if !ok {
			t.Fatalf("layer %d: member %s not in the archive", l.Index, l.Member)
		}
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout {
				continue
			}
			refs = append(refs, content.Ref{Layer: l, Entry: e})
			rc, err := content.Open(l, e)
			if err != nil {
				t.Fatalf("Open %s: %v", e.Path, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, files[e.Path]) {
				t.Errorf("layer %d %s: Open read %d bytes (%v), archive/tar %d", l.Index, e.Path, len(got), err, len(files[e.Path]))
			}
			n++
		}
	}
	if n < 10 {
		t.Fatalf("only %d files compared", n)
	}
	sums, err := content.Digests(refs, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	read, err := content.Read(refs, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		b := want[r.Layer.Member][r.Entry.Path]
		s := sha256.Sum256(b)
		if w := "sha256:" + hex.EncodeToString(s[:]); sums[r.Entry] != w {
			t.Errorf("%s: Digests %s, want %s", r.Entry.Path, sums[r.Entry], w)
		}
		if !bytes.Equal(read[r.Entry], b) {
			t.Errorf("%s: Read differs from archive/tar", r.Entry.Path)
		}
	}
	if _, err := content.Read(refs, 1); !errors.Is(err, content.ErrTooLarge) {
		t.Errorf("Read with max 1: %v, want ErrTooLarge", err)
	}
}

// TestStreamedUnavailable: a layer of an input read from a stream cannot be read again:
// Open and Digests say ErrUnavailable unless the digests were computed while it passed.
func TestStreamedUnavailable(t *testing.T) {
	f, err := os.Open(kitchen)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := load.Open(context.Background(), load.Stdin, f, load.Options{HashFiles: "xxh64"})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var refs []content.Ref
	for _, l := range img.Layers {
		for i := range l.Entries {
			if e := &l.Entries[i]; e.Type == image.TypeFile && e.Whiteout == image.NotWhiteout && e.Size > 0 {
				refs = append(refs, content.Ref{Layer: l, Entry: e})
			}
		}
	}
	if _, err := content.Open(refs[0].Layer, refs[0].Entry); !errors.Is(err, content.ErrUnavailable) {
		t.Errorf("Open of a streamed file: %v, want ErrUnavailable", err)
	}
	if _, err := content.Digests(refs, "xxh64"); err != nil {
		t.Errorf("Digests computed while streaming: %v", err)
	}
	if _, err := content.Digests(refs, "sha256"); !errors.Is(err, content.ErrUnavailable) {
		t.Errorf("Digests of another algorithm: %v, want ErrUnavailable", err)
	}
}

// TestHash: the algorithms the contract names, and an unknown one refused.
func TestHash(t *testing.T) {
	for _, alg := range content.Algorithms {
		h, err := content.NewHash(alg)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		h.Write([]byte("abc"))
		if got := content.Format(alg, h); len(got) <= len(alg)+1 {
			t.Errorf("%s: %q", alg, got)
		}
	}
	h, _ := content.NewHash("sha256")
	h.Write([]byte("abc"))
	if got, want := content.Format("sha256", h), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("sha256(abc) = %s, want %s", got, want)
	}
	if _, err := content.NewHash("crc32"); err == nil {
		t.Error("crc32 accepted")
	}
}

// TestSparseLimitIsTheLayers: the bound on a sparse file's content is the limit its image was
// read under, carried by its layers: opening another image with another limit (a process
// holding two, as diff does) changes nothing for the first.
func TestSparseLimitIsTheLayers(t *testing.T) {
	var b bytes.Buffer
	if err := (testgen.RawArchive{Layers: []testgen.RawLayer{{Blob: testgen.SparseHoles("f", 1<<20)}}, Images: [][]int{{0}}}).Write(&b); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sparse.tar")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(max int64) *image.Layer {
		lim := load.DefaultLimits
		lim.MaxSparse = max
		img, err := load.Open(context.Background(), file, nil, load.Options{Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { img.Close() })
		return img.Layers[0]
	}
	strict := open(1 << 10)
	lenient := open(1 << 30)
	var se *content.SparseLimitError
	if _, err := content.Open(strict, &strict.Entries[0]); !errors.As(err, &se) || se.Max != 1<<10 {
		t.Errorf("the strict image's sparse file: %v, want its own limit (1 KiB)", err)
	}
	rc, err := content.Open(lenient, &lenient.Entries[0])
	if err != nil {
		t.Fatalf("the lenient image's sparse file: %v", err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil || n != 1<<20 {
		t.Errorf("read %d bytes (%v), want 1 MiB, holes included", n, err)
	}
}
