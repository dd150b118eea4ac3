package cli

import (
	"context"
	"io"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/render"
)

func runImages(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("images", "strata images [flags] ARCHIVE|ROOT", stderr)
	c.about("List the images an archive, or an engine's data root, holds — tags, IDs, platforms, layers and sizes — which is what --image and --platform can pick from; and apart, what an archive's indexes list that is not an image (signatures, attestations, SBOMs, Helm charts), with their type and subject.",
		"strata images images.tar",
		"strata images --platform linux/arm64 index.tar",
		"strata images -o json images.tar",
		"strata images -q images.tar           # image IDs")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	var o analysis.Options
	c.fill(&o)
	var done func()
	o.Progress, done = c.startProgress(args[0])
	r, warnings, err := analysis.List(ctx, args[0], stdin, o)
	done()
	if err != nil {
		return err
	}
	for _, w := range warnings {
		c.warn("%s: %s", displayName(args[0]), w)
	}
	if c.output == "json" {
		return render.JSON(stdout, r)
	}
	return render.Images(stdout, r, c.renderFor(stdout))
}
