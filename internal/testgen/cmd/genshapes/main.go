// Command genshapes writes the large generated inputs the README's memory and depth figures
// are measured on (see "Performance" there): deep trees and a million-entry layer.
//
//	go run ./internal/testgen/cmd/genshapes -o /tmp/shapes
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/internal/testgen"
)

func main() {
	out := flag.String("o", "shapes", "directory to write into")
	wide := flag.Int("wide", 1_000_000, "entries of wide.tar and wide-export.tar")
	flag.Parse()
	if err := run(*out, *wide); err != nil {
		fmt.Fprintln(os.Stderr, "genshapes:", err)
		os.Exit(1)
	}
}

func run(dir string, wide int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	image := func(entries []testgen.Entry) testgen.Image {
		return testgen.Image{Layers: []testgen.Layer{{Entries: entries, CreatedBy: "genshapes"}}, Tags: []string{"shape:1"}}
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		// Six files 8,190 implied directories deep, 64 KB paths (issue 9, class 2).
		{"deep6x8190.tar", func(w io.Writer) error {
			return testgen.WriteDockerArchive(w, image(testgen.Deep(6, 8190, 7)))
		}},
		// One file 8,190 directories deep, one-byte names (issue 9, class 3).
		{"deep8190.tar", func(w io.Writer) error {
			return testgen.WriteDockerArchive(w, image(testgen.Deep(1, 8190, 1)))
		}},
		{"small.tar", func(w io.Writer) error { return testgen.WriteDockerArchive(w, testgen.Small("amd64")) }},
		// A layer of a million entries (issue 9, class 10), as an image and as an export.
		{"wide.tar", func(w io.Writer) error { return testgen.WriteDockerArchive(w, image(testgen.Wide(wide))) }},
		{"wide-export.tar", func(w io.Writer) error { return testgen.WriteRootfs(w, testgen.Wide(wide)) }},
	}
	for _, f := range files {
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			return err
		}
		if err := f.write(fh); err != nil {
			fh.Close()
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	return nil
}
