package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain runs the tests from the module's root, where the paths they name (testdata/…,
// README.md) are; with STRATA_TEST_MAIN=1 the test binary is strata (pty_test.go), and so
// it is as a testscript's command (readme_check_test.go).
func TestMain(m *testing.M) {
	// The tests run strata (this binary) as a child process; under -race each would sleep a
	// second before exiting (the race runtime's atexit_sleep_ms), for nothing.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	if os.Getenv("STRATA_TEST_MAIN") == "1" {
		os.Exit(ExitCode(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
	}
	if filepath.Base(os.Args[0]) != "strata" { // not a testscript's strata, which runs where it is
		if err := os.Chdir("../.."); err != nil {
			panic(err)
		}
	}
	testscript.Main(m, map[string]func(){"strata": strataMain})
}

// strataMain is the strata a testscript runs.
func strataMain() {
	os.Exit(ExitCode(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
}

// run and exitCode are Run and ExitCode under the names the tests moved here from package
// main call them by.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return Run(ctx, args, stdin, stdout, stderr)
}

func exitCode(err error, stderr io.Writer) int { return ExitCode(err, stderr) }
