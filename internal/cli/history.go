package cli

import (
	"context"
	"io"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runHistory(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("history", "strata history [flags] IMAGE", stderr)
	c.about("Show an image's history as docker history does, newest first, with the layer each row made.",
		"strata history app.tar",
		"strata history --no-trunc app.tar     # whole commands",
		"docker save app:1 | strata history -o json -",
		"strata history --sizes registry.example/app:1   # read each layer for its size")
	sizes := fs.Bool("sizes", false, "registry input: read each layer (once) for its size; without it only the manifest and config are fetched and sizes the --cache does not hold are unknown")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	// A local archive's layer headers are cheap to read; a registry image's layers are
	// whole downloads, fetched only with --sizes.
	opts := analysis.Options{Needs: analysis.History, Layers: load.SkipRemoteLayers}
	if *sizes {
		opts.Layers = load.ReadLayers
	}
	img, err := c.open(ctx, args[0], stdin, opts)
	if err != nil {
		return err
	}
	defer img.Close()
	rows := img.History()
	for _, r := range rows {
		if r.Size == nil {
			c.hint("layer sizes need the layers: add --sizes (fetches each layer once) or --cache DIR")
			break
		}
	}
	if c.output == "json" {
		return render.JSONList(stdout, "history", rows)
	}
	return render.History(stdout, rows, c.renderFor(stdout))
}
