package main

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/testgen"
)

// writeIssue18 writes issue 18's inputs into out: rules files, locks and FIFOs for check;
// --cache directories for the image `genhostile -serve ADDR -mode good` serves; with big,
// the large images of the memory items (2 GB in all).
func writeIssue18(out string, big bool) error {
	files := map[string][]byte{
		"rules/deep-flow.yaml":    testgen.DeepFlowYAML("forbid_paths", 100_000), // 200 kB, 100,000 deep
		"rules/deep-block.yaml":   testgen.DeepBlockYAML("forbid_paths", 100_000),
		"rules/deep-map.yaml":     testgen.DeepMapYAML("config", 100_000),
		"rules/alias-bomb.yaml":   testgen.AliasBombYAML("forbid_paths", 9, 10), // 10^9 scalars expanded
		"rules/flat-4mb.yaml":     testgen.FlatYAML("forbid_paths", 4<<20-100),
		"rules/nan.dive-ci":       testgen.DiveCI("NaN"),
		"rules/ok.yaml":           []byte("max_layers: 100\n"),
		"locks/wide.lock.json":    testgen.WideLock(16<<20 - 64), // 16 MiB of {}
		"locks/deep.lock.json":    testgen.DeepLock(9000),
		"rules/multiline-rule.sh": []byte("strata check --rule $'max_layers=100\\nmax_size: 1B' \"$@\"\n"),
	}
	for name, data := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	for _, name := range []string{"rules/rules.fifo", "rules/cst.fifo", "locks/lock.fifo"} {
		p := filepath.Join(out, name)
		os.Remove(p)
		if err := mkfifo(p, 0o644); err != nil {
			return err
		}
	}
	if err := writeCaches(filepath.Join(out, "cache")); err != nil {
		return fmt.Errorf("caches: %w", err)
	}
	if big {
		return writeBig(filepath.Join(out, "big"))
	}
	return nil
}

// writeCaches fills a --cache directory from the hostile registry's good image (served in
// process), then copies it with the base layer's entry replaced by each hostile kind:
// cache/good, cache/fifo, cache/zero (a link to /dev/zero), cache/sparse (5 GB of holes),
// cache/forged (the index edited, its checksum recomputed: undetectable, what the README
// says the cache trusts) and cache/foreign (the other layer's index filed under this one's
// digest, its checksum recomputed: refused).
func writeCaches(dir string) error {
	reg, err := testgen.NewHostileRegistry(testgen.RegistryGood, 0)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: reg}
	go srv.Serve(ln)
	defer srv.Close()
	good := filepath.Join(dir, "good")
	os.RemoveAll(good)
	img, err := load.Open(context.Background(), load.RegistryScheme+ln.Addr().String()+"/"+testgen.RegistryRepo, nil, load.Options{Remote: load.RemoteOptions{Cache: good}})
	if err != nil {
		return err
	}
	img.Close()
	entry := func(root, digest string) string {
		return filepath.Join(dir, root, "layers", "sha256", strings.TrimPrefix(digest, "sha256:"))
	}
	base, err := os.ReadFile(entry("good", reg.BaseDigest()))
	if err != nil {
		return err
	}
	top, err := os.ReadFile(entry("good", reg.LayerDigest()))
	if err != nil {
		return err
	}
	reseal := func(b []byte) []byte { // the index's own checksum, recomputed over an edit
		body := b[:len(b)-32]
		return append(append([]byte{}, body...), testgen.SHA256(body)...)
	}
	forged := reseal([]byte(strings.Replace(string(base), "/etc/motd", "/etc/motX", 1)))
	foreign := reseal(top)
	for name, make := range map[string]func(p string) error{
		"fifo":    func(p string) error { return mkfifo(p, 0o644) },
		"zero":    func(p string) error { return os.Symlink("/dev/zero", p) },
		"forged":  func(p string) error { return os.WriteFile(p, forged, 0o644) },
		"foreign": func(p string) error { return os.WriteFile(p, foreign, 0o644) },
		"sparse": func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(5 << 30)
		},
	} {
		os.RemoveAll(filepath.Join(dir, name))
		p := entry(name, reg.BaseDigest())
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := make(p); err != nil {
			return err
		}
		if err := os.WriteFile(entry(name, reg.LayerDigest()), top, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeBig writes the large inputs of the streaming and memory items: a 1,000,000-entry
// export and the small image it is diffed against (item 9), two 500,000-entry images whose
// every file (each with content of its own) differs in mtime (item 10), and an image whose
// one directory holds 999,000 files (item 10, files -q).
func writeBig(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	one := func(entries []testgen.Entry) testgen.Image {
		return testgen.Image{Layers: []testgen.Layer{{Entries: entries, CreatedBy: "genhostile"}}, Tags: []string{"big:1"}}
	}
	wide := testgen.Wide(500_000)
	for i := range wide {
		if wide[i].Type == tar.TypeReg {
			wide[i].Content = []byte(wide[i].Name) // contents of their own: diff reads and digests them
		}
	}
	for name, write := range map[string]func(io.Writer) error{
		"small.tar":       func(w io.Writer) error { return testgen.WriteDockerArchive(w, testgen.Small("amd64")) },
		"wide-export.tar": func(w io.Writer) error { return testgen.WriteRootfs(w, testgen.Wide(1_000_000)) },
		"pair-old.tar":    func(w io.Writer) error { return testgen.WriteDockerArchive(w, one(wide)) },
		"pair-new.tar": func(w io.Writer) error {
			return testgen.WriteDockerArchive(w, one(testgen.Touched(wide, testgen.Epoch.Add(time.Hour))))
		},
		"flat.tar": func(w io.Writer) error { return testgen.WriteDockerArchive(w, one(testgen.Flat(999_000))) },
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := write(bw); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
