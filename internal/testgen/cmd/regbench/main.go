// Command regbench times strata on a generated large image served by an in-process registry
// on loopback against the same image's gzip'd tarball, as the README's registry figures were measured:
//
//	go build -o /tmp/strata . && go run ./internal/testgen/cmd/regbench LARGE.tar LARGE.tar.gz /tmp/strata WORKDIR
//
// LARGE.tar is the benchmarks' generated image ($TMPDIR/strata-bench/…/large.tar, made by
// go test -bench); its layers are pushed gzip'd as the tarball is (klauspost, BestSpeed) to a disk-backed registry in WORKDIR.
package main

import (
	"encoding/json"
	"fmt"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/klauspost/compress/gzip"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: regbench LARGE.tar LARGE.tar.gz STRATA WORKDIR")
		os.Exit(2)
	}
	archive, gz, strata, work := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	must(os.MkdirAll(filepath.Join(work, "blobs"), 0o755))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	go http.Serve(ln, registry.New(registry.WithBlobHandler(registry.NewDiskBlobHandler(filepath.Join(work, "blobs"))), registry.Logger(nilLog())))
	host := ln.Addr().String()
	ref, err := name.ParseReference(host + "/large:1")
	must(err)
	start := time.Now()
	img, err := tarball.ImageFromPath(archive, nil)
	must(err)
	cfg, err := img.RawConfigFile()
	must(err)
	cfgName, err := img.ConfigName()
	must(err)
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.DockerManifestSchema2,
		Config: v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(cfg)), Digest: cfgName}}
	must(remote.WriteLayer(ref.Context(), staticLayer(cfg, cfgName)))
	layers, err := img.Layers()
	must(err)
	for _, l := range layers {
		// Compressed as the tarball is (klauspost gzip, BestSpeed): a gzip stream's decoding
		// cost depends on its compressor, and the comparison is of reading, not of gzips.
		gzPath := filepath.Join(work, "layer.gz")
		must(gzipTo(gzPath, l))
		gl, err := tarball.LayerFromFile(gzPath)
		must(err)
		must(remote.WriteLayer(ref.Context(), gl))
		d, err := gl.Digest()
		must(err)
		sz, err := gl.Size()
		must(err)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.DockerLayer, Size: sz, Digest: d})
	}
	raw, err := json.Marshal(m)
	must(err)
	must(remote.Put(ref, rawManifest{raw, types.DockerManifestSchema2}))
	fmt.Printf("pushed %s in %v\n", ref, time.Since(start).Round(time.Second))
	cache := filepath.Join(work, "cache")
	os.RemoveAll(cache)
	runs := []struct {
		label string
		args  []string
	}{
		{"inspect gzip'd tarball", []string{"inspect", "-o", "json", gz}},
		{"inspect REF", []string{"inspect", "-o", "json", ref.String()}},
		{"inspect REF --cache (cold: fills it)", []string{"inspect", "-o", "json", "--cache", cache, ref.String()}},
		{"inspect REF --cache (warm)", []string{"inspect", "-o", "json", "--cache", cache, ref.String()}},
		{"history REF", []string{"history", "-o", "json", ref.String()}},
		{"inspect --no-files REF", []string{"inspect", "--no-files", "-o", "json", ref.String()}},
	}
	for rep := 0; rep < 2; rep++ {
		for _, r := range runs {
			if rep == 1 && r.label == "inspect REF --cache (cold: fills it)" {
				os.RemoveAll(cache)
			}
			t0 := time.Now()
			cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%e s, user %U s, sys %S s, %M KB", strata}, r.args...)...)
			cmd.Stdout = nil
			out, err := cmd.CombinedOutput()
			if err != nil {
				fmt.Printf("%s: %v\n%s", r.label, err, out)
				continue
			}
			fmt.Printf("%-40s %8.2f s  (%s)\n", r.label, time.Since(t0).Seconds(), lastLine(out))
		}
	}
}

func lastLine(b []byte) string {
	s := string(b)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}

func nilLog() *log.Logger { return log.New(io.Discard, "", 0) }

func staticLayer(b []byte, h v1.Hash) v1.Layer { return static.NewLayer(b, types.DockerConfigJSON) }

func gzipTo(path string, l v1.Layer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if _, err := io.Copy(zw, rc); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
