package main

import (
	"context"
	"fmt"
	"io"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runInspect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("inspect", "strata inspect [flags] IMAGE", stderr)
	c.about("Show an image's identity, config, platform, layers with their sizes and file counts, and the space its layers waste.",
		"strata inspect app.tar",
		"strata inspect --verify --image app:1 --platform linux/arm64 images.tar",
		"docker save app:1 | gzip | strata inspect -o json -",
		"strata inspect -q app.tar             # the image ID only")
	expand := fs.Bool("expand", false, "list each wasted file of a deleted directory instead of one row for the directory")
	verify := fs.Bool("verify", false, "recompute every layer's diff_id and blob digest and check them against the archive (reads every byte)")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	// Telling metadata-only copies needs content; streamed input is hashed as it passes.
	img, err := c.openWith(ctx, args[0], stdin, load.Options{HashFiles: inspect.EqualityHash, Verify: *verify, RootfsDigest: true})
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := inspect.Of(img, fstree.Merge(img.Layers), inspect.Options{Expand: *expand})
	if err != nil {
		return err
	}
	for _, e := range r.Escaping {
		c.warn("layer %d has an entry named to escape the root with \"..\" (shown as %s)", e.Layer, e.Path)
	}
	if *verify && r.Verify == nil {
		return fmt.Errorf("%s: --verify: the archive claims no digests: nothing was verified", args[0])
	}
	if c.output == "json" {
		return render.JSON(stdout, r)
	}
	return render.Inspect(stdout, r, c.renderFor(stdout))
}
