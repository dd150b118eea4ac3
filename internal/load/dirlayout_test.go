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
)

// dirLayoutMembers is a containers/image dir: layout of one image (v2s2 manifest, one
// uncompressed layer), or with index an OCI index over it, as skopeo copy --all writes.
func dirLayoutMembers(t testing.TB, index bool) []fzMember {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "etc/motd", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3})
	tw.Write([]byte("hi\n"))
	tw.Close()
	layer := buf.String()
	cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digestOf([]byte(layer)) + `"]},"history":[{"created_by":"seed"}]}`
	man := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"` + digestOf([]byte(cfg)) + `","size":` + fmt.Sprint(len(cfg)) + `},` +
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar","digest":"` + digestOf([]byte(layer)) + `","size":` + fmt.Sprint(len(layer)) + `}]}`
	hex := func(s string) string { return strings.TrimPrefix(digestOf([]byte(s)), "sha256:") }
	ms := []fzMember{{name: hex(layer), data: layer}, {name: hex(cfg), data: cfg}}
	if index {
		idx := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"` +
			digestOf([]byte(man)) + `","size":` + fmt.Sprint(len(man)) + `,"platform":{"architecture":"amd64","os":"linux"}}]}`
		ms = append(ms, fzMember{name: hex(man) + ".manifest.json", data: man}, fzMember{name: "manifest.json", data: idx})
	} else {
		ms = append(ms, fzMember{name: "manifest.json", data: man})
	}
	return append(ms, fzMember{name: "version", data: "Directory Transport Version: 1.1\n"})
}

// formatSeeds are fuzz seeds for the formats of other tools: dir: layouts (one manifest, an
// index) and a layer without end-of-archive blocks.
func formatSeeds(t testing.TB) [][]byte {
	whole := func() []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "app/note.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: 9})
		return append(append([]byte(nil), buf.Bytes()...), "inserted\n"...)
	}()
	return [][]byte{
		fzTar(dirLayoutMembers(t, false)...),
		fzTar(dirLayoutMembers(t, true)...),
		ociLayoutTar(t, whole, whole, int64(len(whole))),
	}
}

func writeDir(t *testing.T, ms []fzMember) string {
	t.Helper()
	dir := t.TempDir()
	for _, m := range ms {
		if err := os.WriteFile(filepath.Join(dir, m.name), []byte(m.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDirLayout(t *testing.T) {
	edit := func(index bool, f func(ms []fzMember) []fzMember) []fzMember { return f(dirLayoutMembers(t, index)) }
	replace := func(name, data string) func(ms []fzMember) []fzMember {
		return func(ms []fzMember) []fzMember {
			for i := range ms {
				if ms[i].name == name || (name == "*.manifest.json" && strings.HasSuffix(ms[i].name, ".manifest.json")) {
					ms[i].data = data
				}
			}
			return ms
		}
	}
	drop := func(suffix string) func(ms []fzMember) []fzMember {
		return func(ms []fzMember) []fzMember {
			var out []fzMember
			for _, m := range ms {
				if !strings.HasSuffix(m.name, suffix) {
					out = append(out, m)
				}
			}
			return out
		}
	}
	keep := func(ms []fzMember) []fzMember { return ms }
	cases := []struct {
		name string
		ms   []fzMember
		want error  // nil: opens
		msg  string // in the error
	}{
		{"one manifest", edit(false, keep), nil, ""},
		{"an index", edit(true, keep), nil, ""},
		{"no version file", edit(false, drop("version")), nil, ""},
		{"schema 1", edit(false, replace("manifest.json", `{"schemaVersion":1,"name":"x","fsLayers":[]}`)), ErrUnknownFormat, "schema 1"},
		{"no config", edit(false, replace("manifest.json", `{"schemaVersion":2,"layers":[]}`)), ErrMalformed, "neither an image manifest"},
		{"not JSON", edit(false, replace("manifest.json", `{"schemaVersion":`)), ErrMalformed, "not valid JSON"},
		{"instance absent", edit(true, drop(".manifest.json")), ErrMissing, "absent"},
		{"instance altered", edit(true, replace("*.manifest.json", `{"schemaVersion":2,"config":{"digest":"sha256:`+strings.Repeat("0", 64)+`"},"layers":[]}`)), ErrCorrupt, "manifest digest"},
		{"config absent", edit(false, func(ms []fzMember) []fzMember { return append(ms[:1:1], ms[2:]...) }), ErrMissing, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, in := range []struct {
				arg  string
				data []byte
			}{{writeDir(t, c.ms), nil}, {Stdin, fzTar(c.ms...)}} {
				img, err := Open(context.Background(), in.arg, bytes.NewReader(in.data), Options{})
				if c.want == nil {
					if err != nil {
						t.Fatalf("%s: %v", in.arg, err)
					}
					if len(img.Layers) != 1 || len(img.Layers[0].Entries) != 1 || img.Layers[0].History.CreatedBy != "seed" || img.Digest == "" {
						t.Errorf("%s: layers %+v, digest %q", in.arg, img.Layers, img.Digest)
					}
					img.Close()
					continue
				}
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("%s: err = %v, want %v saying %q", in.arg, err, c.want, c.msg)
				}
			}
		})
	}
}

func TestImageArchiveHead(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for name, want := range map[string]bool{
		"blobs/": true, "./blobs/sha256/" + hex: true, hex + "/": true, hex + ".tar": true, hex + ".json": true,
		"sha256:" + hex: true, "manifest.json": true, "index.json": true, "oci-layout": true, "repositories": true,
		"./": false, "bin/": false, ".dockerenv": false, "etc/passwd": false, "abc/": false,
	} {
		m := fzMember{name: name, data: "x"}
		if strings.HasSuffix(name, "/") {
			m = fzMember{name: name, typ: tar.TypeDir}
		}
		b := fzTar(m)
		if got := imageArchiveHead(b[:512]); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
}
