// Command genhostile writes the hostile inputs of issues 9 and 18 (one per class) into a
// directory, for measuring strata on them with /usr/bin/time; tests build the same inputs in
// memory (or serve them in process).
//
//	go run ./internal/testgen/cmd/genhostile -out /tmp/hostile
//	go run ./internal/testgen/cmd/genhostile -packages -out /tmp/hostile  # strata packages' inputs
//	go run ./internal/testgen/cmd/genhostile -members | strata inspect -   # an endless tar stream
//	go run ./internal/testgen/cmd/genhostile -serve 127.0.0.1:5000 -mode trickle-blob
//	strata inspect 127.0.0.1:5000/hostile/app:1                            # a hostile registry
package main

import (
	"archive/tar"
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strata-dev/strata/internal/testgen"
)

func main() {
	out := flag.String("out", "", "directory to write the inputs into")
	members := flag.Bool("members", false, "write an endless tar stream of empty members to stdout")
	large := flag.Int("large", 0, "write a docker save of testgen.Large with this many files (888 MB) to stdout instead")
	serve := flag.String("serve", "", "serve a hostile registry on this `address` (see -mode) until killed")
	mode := flag.String("mode", testgen.RegistryGood, "with -serve: how the registry misbehaves: "+strings.Join(testgen.RegistryModes, ", "))
	tick := flag.Duration("tick", time.Second, "with -serve: the pace of trickles (one byte, or 64 KiB for endless-blob, a tick)")
	big := flag.Bool("big", false, "with -out: also write issue 18's large images into OUT/big (2 GB)")
	pkgs := flag.Bool("packages", false, "with -out: write only the hostile package databases into OUT/packages (for strata packages)")
	flag.Parse()
	if *serve != "" {
		reg, err := testgen.NewHostileRegistry(*mode, *tick)
		if err == nil {
			fmt.Fprintf(os.Stderr, "genhostile: serving %s/%s (%s)\n", *serve, testgen.RegistryRepo, *mode)
			err = http.ListenAndServe(*serve, reg)
		}
		fmt.Fprintln(os.Stderr, "genhostile:", err)
		os.Exit(1)
	}
	if *large > 0 {
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		img := testgen.Large(testgen.LargeOpts{TotalBytes: 888 << 20, Files: *large, Layers: 6, Compressible: true})
		if err := testgen.WriteDockerArchive(w, img); err != nil || w.Flush() != nil {
			fmt.Fprintln(os.Stderr, "genhostile:", err)
			os.Exit(1)
		}
		return
	}
	if *pkgs && *out != "" {
		if err := writePackages(*out); err != nil {
			fmt.Fprintln(os.Stderr, "genhostile:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, *members, *big); err != nil {
		fmt.Fprintln(os.Stderr, "genhostile:", err)
		os.Exit(1)
	}
}

func run(out string, members, big bool) error {
	if members {
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		tw := tar.NewWriter(w)
		for i := 0; ; i++ {
			if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("m%d", i), Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatUSTAR}); err != nil {
				return err
			}
		}
	}
	if out == "" {
		return fmt.Errorf("-out or -members is required")
	}
	// classes 7 and 8: a small OCI layout, whose blobs the caller replaces by a symlink out
	// of it or a FIFO
	if err := testgen.WriteOCILayout(filepath.Join(out, "layout"), testgen.Image{
		Tags:   []string{"app:1"},
		Layers: []testgen.Layer{{Entries: []testgen.Entry{testgen.File("etc/motd", "hello\n")}}},
	}); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	write := func(name string, f func(w io.Writer) error) error {
		fh, err := os.Create(filepath.Join(out, name))
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(fh)
		if err := f(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return fh.Close()
	}
	for name, f := range map[string]func(io.Writer) error{
		// class 1: a sparse file of 1 PiB of holes
		"sparse.tar": func(w io.Writer) error {
			return testgen.RawArchive{Layers: []testgen.RawLayer{{Blob: testgen.SparseHoles("big", 1<<50)}}, Images: [][]int{{0}}}.Write(w)
		},
		// class 4: one 2,000-file layer listed 2,000 times
		"repeat.tar": func(w io.Writer) error { return testgen.RepeatedLayer(2000, 2000).Write(w) },
		// class 5: 20,000 manifest entries sharing one 230 KB config
		"configs.tar": func(w io.Writer) error { return testgen.SharedConfig(20000, 230<<10).Write(w) },
	} {
		if err := write(name, f); err != nil {
			return err
		}
	}
	return writeIssue18(out, big)
}
