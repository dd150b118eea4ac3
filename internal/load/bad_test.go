package load

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-dev/strata/internal/testgen"
)

// member is one raw member of an archive under test.
type rawMember struct {
	hdr  tar.Header
	data []byte
}

func goodImage() testgen.Image {
	return testgen.Image{
		Tags: []string{"app:1"},
		Layers: []testgen.Layer{
			{Entries: []testgen.Entry{testgen.Dir("etc/"), testgen.File("etc/motd", "hello\n")}, CreatedBy: "base"},
			{Entries: []testgen.Entry{testgen.File("etc/motd", "bye\n"), testgen.Whiteout("etc/gone")}, CreatedBy: "change"},
		},
	}
}

func archiveBytes(t *testing.T, imgs ...testgen.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := testgen.WriteDockerArchive(&buf, imgs...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func members(t *testing.T, b []byte) []rawMember {
	t.Helper()
	var out []rawMember
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, rawMember{hdr: *h, data: data})
	}
}

func pack(t *testing.T, ms []rawMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(m.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edit rewrites the good archive: f may change, drop (return false) or keep each member.
func edit(t *testing.T, f func(m *rawMember) bool) []byte {
	t.Helper()
	var out []rawMember
	for _, m := range members(t, archiveBytes(t, goodImage())) {
		if f(&m) {
			out = append(out, m)
		}
	}
	return pack(t, out)
}

func layerMember(name string) bool { return strings.HasSuffix(name, "/layer.tar") }

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// absurdHeader is a one-member tar whose header claims 1 TiB of data.
func absurdHeader() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0644})
	tw.Flush()
	return buf.Bytes()
}

func zipBytes() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("manifest.json")
	w.Write([]byte("[]"))
	zw.Close()
	return buf.Bytes()
}

func TestBadInput(t *testing.T) {
	good := archiveBytes(t, goodImage())
	layerName := ""
	for _, m := range members(t, good) {
		if layerMember(m.hdr.Name) && layerName == "" {
			layerName = m.hdr.Name
		}
	}
	rnd := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(rnd)
	corruptGz := gz(good)
	corruptGz[len(corruptGz)/2] ^= 0xff
	corruptGz[len(corruptGz)/2+1] ^= 0xff

	tests := []struct {
		name       string
		input      []byte
		opts       Options
		want       error
		wantInMsg  string // the member or entry the message must name
		streamOnly bool
	}{
		{name: "empty file", input: nil, want: ErrUnknownFormat, wantInMsg: "empty input"},
		{name: "random bytes", input: rnd, want: ErrUnknownFormat, wantInMsg: "not a tar archive"},
		{name: "zip archive", input: zipBytes(), want: ErrUnknownFormat, wantInMsg: "zip archive"},
		{name: "truncated at 10%", input: good[:len(good)/10], want: ErrTruncated},
		{name: "truncated at 50%", input: good[:len(good)/2], want: ErrTruncated},
		{name: "truncated inside the trailer", input: good[:len(good)-1024], want: ErrTruncated, wantInMsg: "end-of-archive"},
		{name: "truncated inside the first header", input: good[:300], want: ErrTruncated},
		{name: "gzip truncated", input: gz(good)[:len(gz(good))/2], want: ErrTruncated, wantInMsg: "gzip"},
		{name: "gzip corrupt", input: corruptGz, want: ErrCorrupt, wantInMsg: "gzip"},
		{name: "gzip of something else", input: gz([]byte("hello")), want: ErrUnknownFormat, wantInMsg: "gzip-compressed data that is not a tar"},
		{name: "absurd member size", input: absurdHeader(), want: ErrTruncated, wantInMsg: "manifest.json"},
		{
			name:      "missing layer",
			input:     edit(t, func(m *rawMember) bool { return m.hdr.Name != layerName }),
			want:      ErrMissing,
			wantInMsg: memberName(layerName),
		},
		{
			name: "missing config",
			input: edit(t, func(m *rawMember) bool {
				return !strings.HasSuffix(m.hdr.Name, ".json") || m.hdr.Name == "manifest.json" || strings.Contains(m.hdr.Name, "/")
			}),
			want:      ErrMissing,
			wantInMsg: ".json",
		},
		{
			name: "manifest not JSON",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == "manifest.json" {
					m.data = []byte("{not json")
				}
				return true
			}),
			want: ErrMalformed, wantInMsg: "manifest.json",
		},
		{
			name: "manifest empty",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == "manifest.json" {
					m.data = []byte("[]")
				}
				return true
			}),
			want: ErrMalformed, wantInMsg: "manifest.json: malformed: lists no images",
		},
		{
			name: "manifest null",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == "manifest.json" {
					m.data = []byte("null")
				}
				return true
			}),
			want: ErrMalformed, wantInMsg: "manifest.json",
		},
		{
			name: "layer count differs from diff_ids",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == "manifest.json" {
					m.data = bytes.Replace(m.data, []byte(`"Layers":["`), []byte(`"Layers":["`+layerName+`","`), 1)
				}
				return true
			}),
			want: ErrMalformed, wantInMsg: "3 layers, the config 2 diff_ids",
		},
		{
			name: "member symlink loop",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == layerName {
					m.hdr = tar.Header{Name: layerName, Typeflag: tar.TypeSymlink, Linkname: "../loop/layer.tar", Mode: 0777}
					m.data = nil
				}
				return true
			}),
			want: ErrMissing, wantInMsg: "loop/layer.tar",
		},
		{
			name: "member symlinks in a cycle",
			input: func() []byte {
				var out []rawMember
				for _, m := range members(t, good) {
					if m.hdr.Name == layerName {
						out = append(out,
							rawMember{hdr: tar.Header{Name: layerName, Typeflag: tar.TypeSymlink, Linkname: "../cycle/layer.tar", Mode: 0777}},
							rawMember{hdr: tar.Header{Name: "cycle/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../" + layerName, Mode: 0777}})
						continue
					}
					out = append(out, m)
				}
				return pack(t, out)
			}(),
			want: ErrLinkLoop, wantInMsg: "links back to itself",
		},
		{
			name: "layer not a tar",
			input: edit(t, func(m *rawMember) bool {
				if m.hdr.Name == layerName {
					m.data = rnd
				}
				return true
			}),
			want: ErrCorrupt, wantInMsg: memberName(layerName),
		},
		{
			name: "config digest differs from its name, --verify",
			input: edit(t, func(m *rawMember) bool {
				if strings.HasSuffix(m.hdr.Name, ".json") && !strings.Contains(m.hdr.Name, "/") && m.hdr.Name != "manifest.json" {
					m.data = bytes.Replace(m.data, []byte(`"amd64"`), []byte(`"arm64"`), 1)
				}
				return true
			}),
			// docker load reads it (the ID is the bytes' sha256): refused by --verify only.
			opts: Options{Verify: true}, want: ErrCorrupt, wantInMsg: "config digest is",
		},
		{name: "unknown image", input: good, opts: Options{Image: "nosuch:1"}, want: ErrNoMatch, wantInMsg: "nosuch:1"},
		{name: "two images, no selection", input: archiveBytes(t, goodImage(), func() testgen.Image {
			i := goodImage()
			i.Tags = []string{"other:2"}
			i.Layers = i.Layers[:1]
			return i
		}()), want: ErrAmbiguous},
		{name: "inflation over the limit", input: gz(good), opts: Options{Limits: Limits{MaxUncompressed: 1000}}, want: ErrLimit, wantInMsg: "gzip"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		for _, mode := range []string{"file", "stdin"} {
			if tt.streamOnly && mode == "file" {
				continue
			}
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				arg := Stdin
				if mode == "file" {
					arg = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
					if err := os.WriteFile(arg, tt.input, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				img, err := Open(context.Background(), arg, bytes.NewReader(tt.input), tt.opts)
				if err == nil {
					img.Close()
					t.Fatalf("no error; want %v", tt.want)
				}
				if !errors.Is(err, tt.want) {
					t.Errorf("error %q is not %v", err, tt.want)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("error %q is not a *load.Error", err)
				}
				if !strings.Contains(err.Error(), tt.wantInMsg) {
					t.Errorf("error %q does not name %q", err, tt.wantInMsg)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is more than one line", err)
				}
			})
		}
	}
}

// TestVerifyCatchesTamperedLayer: a layer whose bytes no longer match the config's diff_id
// (the tar stays well-formed) loads without --verify, and is refused with it.
func TestVerifyCatchesTamperedLayer(t *testing.T) {
	good := archiveBytes(t, goodImage())
	bad := bytes.Replace(good, []byte("hello\n"), []byte("jello\n"), 1)
	if bytes.Equal(good, bad) {
		t.Fatal("content not found in the archive")
	}
	for _, mode := range []string{"file", "stdin"} {
		arg := Stdin
		if mode == "file" {
			arg = filepath.Join(t.TempDir(), "bad.tar")
			os.WriteFile(arg, bad, 0o644)
		}
		img, err := Open(context.Background(), arg, bytes.NewReader(bad), Options{})
		if err != nil {
			t.Fatalf("%s without verify: %v", mode, err)
		}
		img.Close()
		_, err = Open(context.Background(), arg, bytes.NewReader(bad), Options{Verify: true})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "layer 0: uncompressed content has digest") || !strings.Contains(err.Error(), "/layer.tar") {
			t.Errorf("%s with verify: err = %v, want ErrCorrupt naming layer 0 and its member", mode, err)
		}
	}
	img, err := Open(context.Background(), Stdin, bytes.NewReader(good), Options{Verify: true})
	if err != nil {
		t.Fatalf("untampered archive with verify: %v", err)
	}
	for _, l := range img.Layers {
		if !l.Verified || l.Digest != l.DiffID {
			t.Errorf("layer %d: verified %v, digest %s, diff_id %s", l.Index, l.Verified, l.Digest, l.DiffID)
		}
	}
}

func TestGoodArchiveOpens(t *testing.T) {
	good := archiveBytes(t, goodImage())
	img, err := Open(context.Background(), Stdin, bytes.NewReader(good), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Layers) != 2 || img.RepoTags[0] != "app:1" {
		t.Fatalf("got %d layers, tags %v", len(img.Layers), img.RepoTags)
	}
}
