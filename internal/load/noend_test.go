package load

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// layerNoEnd is one tar entry, header and data, as umoci insert writes it: no padding after
// the data and no end-of-archive blocks. claim is the size the header states.
func layerNoEnd(t *testing.T, data string, claim int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "app/note.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(claim), Format: tar.FormatPAX}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes() // the header only: Flush or Close would pad and end the archive
	return append(append([]byte(nil), b...), data...)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ociLayoutTar is a one-layer OCI archive whose layer is blob (diff_id that of tarBytes) and
// whose descriptor declares size (0: no size).
func ociLayoutTar(t testing.TB, blob, tarBytes []byte, size int64) []byte {
	t.Helper()
	cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digestOf(tarBytes) + `"]}}`
	sizeField := ""
	if size > 0 {
		sizeField = fmt.Sprintf(`,"size":%d`, size)
	}
	man := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + digestOf([]byte(cfg)) + `","size":` + fmt.Sprint(len(cfg)) + `},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + digestOf(blob) + `"` + sizeField + `}]}`
	idx := `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + digestOf([]byte(man)) + `","size":` + fmt.Sprint(len(man)) + `}]}`
	var ms []fzMember
	for _, b := range []string{string(blob), cfg, man} {
		ms = append(ms, fzMember{name: "blobs/sha256/" + strings.TrimPrefix(digestOf([]byte(b)), "sha256:"), data: b})
	}
	ms = append(ms, fzMember{name: "oci-layout", data: `{"imageLayoutVersion":"1.0.0"}`}, fzMember{name: "index.json", data: idx})
	return fzTar(ms...)
}

// A layer that ends after a complete entry without the end-of-archive blocks (umoci insert)
// is read when its stream ends cleanly: a complete gzip or zstd trailer, or, uncompressed,
// the full size its descriptor declares. A truncated entry, a cut compressed stream, or an
// uncompressed layer whose size nothing vouches for is still refused.
func TestLayerWithoutEndOfArchive(t *testing.T) {
	whole := layerNoEnd(t, "inserted\n", 9)
	short := layerNoEnd(t, "inserted\n", 100) // the entry claims more than there is
	gz := gzipped(t, whole)
	cases := []struct {
		name      string
		blob, tar []byte
		size      int64
		want      error // nil: opens, with the one entry
	}{
		{"gzip complete", gz, whole, int64(len(gz)), nil},
		{"gzip complete, no size", gz, whole, 0, nil},
		{"zstd complete", zstded(t, whole), whole, 0, nil},
		{"gzip cut in its trailer", gz[:len(gz)-4], whole, 0, ErrTruncated},
		{"gzip of a truncated entry", gzipped(t, short), short, 0, ErrTruncated},
		{"uncompressed, declared size", whole, whole, int64(len(whole)), nil},
		{"uncompressed, no size", whole, whole, 0, ErrTruncated},
		{"uncompressed, other size", whole, whole, int64(len(whole)) + 512, ErrTruncated},
		{"uncompressed truncated entry, declared size", short, short, int64(len(short)), ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			openBoth(t, ociLayoutTar(t, c.blob, c.tar, c.size), Options{}, func(t *testing.T, err error) {
				if c.want != nil {
					if !errors.Is(err, c.want) {
						t.Fatalf("err = %v, want %v", err, c.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			})
			if c.want != nil {
				return
			}
			file := filepath.Join(t.TempDir(), "in.tar")
			os.WriteFile(file, ociLayoutTar(t, c.blob, c.tar, c.size), 0o644)
			img, err := Open(context.Background(), file, nil, Options{Verify: true})
			if err != nil {
				t.Fatalf("--verify: %v", err)
			}
			defer img.Close()
			l := img.Layers[0]
			if len(l.Entries) != 1 || l.Entries[0].Path != "/app/note.txt" || l.Entries[0].Size != 9 || !l.Verified {
				t.Errorf("entries %+v, verified %v; want /app/note.txt of 9 bytes, verified", l.Entries, l.Verified)
			}
		})
	}
}
