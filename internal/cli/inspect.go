package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runInspect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("inspect", "strata inspect [flags] IMAGE", stderr)
	c.about("Show an image's identity, config, platform, layers with their sizes and file counts, and the space its layers waste.",
		"strata inspect app.tar",
		"strata inspect --verify --image app:1 --platform linux/arm64 images.tar",
		"docker save app:1 | gzip | strata inspect -o json -",
		"strata inspect -q app.tar             # the image ID only",
		"strata inspect --no-files registry.example/app:1   # manifest and config only")
	noFiles := fs.Bool("no-files", false, "read no layer: identity, config, platform and the layers' digests and stored sizes only (a registry image costs its manifest and config); sizes, file counts and waste are not computed (null in JSON)")
	expand := fs.Bool("expand", false, "list each wasted file of a deleted directory instead of one row for the directory")
	verify := fs.Bool("verify", false, "recompute every layer's diff_id and blob digest and check them against the archive (reads every byte)")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if *noFiles && (*verify || *expand) {
		return &usageError{"--no-files reads no layer: it cannot be used with --verify or --expand"}
	}
	opts := analysis.Options{Needs: analysis.Inspect | analysis.RootfsDigest, Verify: *verify, Inspect: inspect.Options{Expand: *expand}}
	if *noFiles {
		opts = analysis.Options{Needs: analysis.Inspect, Layers: load.SkipLayers}
	}
	img, err := c.open(ctx, args[0], stdin, opts)
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := img.Inspect()
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
