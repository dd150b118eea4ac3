package main

import (
	"context"
	"fmt"
	"io"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runInspect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("inspect", "strata inspect [flags] IMAGE", stderr)
	expand := fs.Bool("expand", false, "list each wasted file of a deleted directory instead of one row for the directory")
	verify := fs.Bool("verify", false, "recompute every layer's diff_id and blob digest and check them against the archive (reads every byte)")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	// Telling metadata-only copies needs content; streamed input is hashed as it passes.
	img, err := c.openWith(ctx, args[0], stdin, load.Options{HashFiles: inspect.EqualityHash, Verify: *verify})
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := inspect.Of(img, fstree.Merge(img.Layers), inspect.Options{Expand: *expand})
	if err != nil {
		return err
	}
	if *verify && img.Source.Format == image.FormatRootfs {
		fmt.Fprintln(stderr, "strata: warning: a root filesystem tarball claims no digests: nothing to verify")
	}
	if c.output == "json" {
		return render.JSON(stdout, r)
	}
	return render.Inspect(stdout, r, c.render())
}
