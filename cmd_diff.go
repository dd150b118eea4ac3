package main

import (
	"context"
	"io"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runDiff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("diff", "strata diff [flags] OLD NEW", stderr)
	var opts diff.Options
	fs.BoolVar(&opts.Semantic, "semantic", false, "ignore timestamps and history-only differences (reproducible builds)")
	fs.BoolVar(&opts.Expand, "expand", false, "list every path under an added or deleted directory")
	fs.BoolVar(&opts.Force, "force", false, "compare an export with an image it does not seem to come from")
	args, err := parse(fs, c, args, 2)
	if err != nil {
		return err
	}
	if args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	// Streamed input cannot be read twice: hash file contents while reading it.
	lo := load.Options{HashFiles: "sha256"}
	old, err := c.openWith(ctx, args[0], stdin, lo)
	if err != nil {
		return err
	}
	defer old.Close()
	new, err := c.openWith(ctx, args[1], stdin, lo)
	if err != nil {
		return err
	}
	defer new.Close()
	r, err := diff.Compare(old, new, opts)
	if err != nil {
		return err
	}
	if c.output == "json" {
		err = render.JSON(stdout, r)
	} else {
		err = render.Diff(stdout, r, c.render())
	}
	if err == nil && r.Different() {
		return errDifferent
	}
	return err
}
