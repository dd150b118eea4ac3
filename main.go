// Command strata inspects and diffs container image archives — docker save and export
// tarballs, OCI archives and layouts — without a Docker daemon.
package main

import (
	"context"
	"io"
	"os"

	"github.com/strata-dev/strata/internal/cli"
	"github.com/strata-dev/strata/internal/memtune"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	memtune.Start()
	ctx := context.Background()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// run executes one strata command line (internal/cli holds the commands).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cli.Version = version
	return cli.Run(ctx, args, stdin, stdout, stderr)
}

// exitCode prints err (if any) and maps it to the exit status: 0 ok, 1 differences found or
// a check failed, 2 a usage error or unreadable input.
func exitCode(err error, stderr io.Writer) int { return cli.ExitCode(err, stderr) }
