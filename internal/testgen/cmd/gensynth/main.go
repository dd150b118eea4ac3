// Command gensynth writes strata's committed synthetic fixtures (testdata/synth) from the images
// defined in internal/testgen (testgen.SynthFiles, plus whiteouts.tar.bz2 through the bzip2
// program and the oci-layout/ directory). Output is deterministic: rerunning it gives identical
// bytes. The *.expected.json files and README.md beside the fixtures are written by hand and are
// never touched here.
//
//	go run ./internal/testgen/cmd/gensynth -out testdata/synth
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/strata-dev/strata/internal/testgen"
)

func main() {
	out := flag.String("out", "testdata/synth", "directory to write the fixtures into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gensynth:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range testgen.SynthFiles() {
		if err := testgen.WriteFile(filepath.Join(out, f.Name), f.Write); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	var whiteouts bytes.Buffer
	if err := testgen.WriteDockerArchive(&whiteouts, testgen.Whiteouts()); err != nil {
		return err
	}
	if err := testgen.WriteFile(filepath.Join(out, "whiteouts.tar.bz2"), bzip2(whiteouts.Bytes())); err != nil {
		return fmt.Errorf("whiteouts.tar.bz2: %w", err)
	}
	layout := filepath.Join(out, "oci-layout")
	if err := os.RemoveAll(layout); err != nil {
		return err
	}
	return testgen.WriteOCILayout(layout, testgen.Small("amd64"))
}

// bzip2 compresses p with the bzip2 program (the standard library only decompresses bzip2).
func bzip2(p []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		cmd := exec.Command("bzip2", "-c", "-9")
		cmd.Stdin = bytes.NewReader(p)
		cmd.Stdout = w
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("bzip2 program: %w", err)
		}
		return nil
	}
}
