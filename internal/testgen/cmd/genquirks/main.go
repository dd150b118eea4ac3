// Command genquirks writes the archives of testdata/quirks (testgen.QuirkFiles): the shapes
// other writers produce that strata must read as their owning engine does — Docker 25.0.0's
// out-of-order OCI manifests, pre-1.10 docker saves, and the others listed there. Output is
// deterministic. The engines' answers beside them are recorded by
// testdata/quirks/make-fixtures.sh, which runs this first.
//
//	go run ./internal/testgen/cmd/genquirks -out testdata/quirks
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/internal/testgen"
)

func main() {
	out := flag.String("out", "testdata/quirks", "directory to write the archives into")
	foreign := flag.String("foreign-src", "", "also write, into this directory, the OCI layout with a foreign layer that make-fixtures.sh copies with skopeo")
	flag.Parse()
	if err := run(*out, *foreign); err != nil {
		fmt.Fprintln(os.Stderr, "genquirks:", err)
		os.Exit(1)
	}
}

// run writes the quirk archives into out (and, when foreign is set, the foreign-layer source).
func run(out, foreign string) error {
	if foreign != "" {
		if err := testgen.ForeignSource(foreign); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range testgen.QuirkFiles() {
		if err := testgen.WriteFile(filepath.Join(out, f.Name), f.Write); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}
