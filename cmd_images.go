package main

import (
	"context"
	"io"

	"github.com/strata-dev/strata/images"
	"github.com/strata-dev/strata/internal/load"
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
	o := load.Options{Image: c.image, Platform: c.platform, Limits: c.loadLimits()}
	o.Remote.Insecure, o.Remote.Timeout, o.Remote.Retries, o.Remote.Cache = c.insecure, c.timeout, c.retries, c.cache
	if c.retries == 0 {
		o.Remote.Retries = -1
	}
	var done func()
	o.Progress, done = c.startProgress(args[0])
	listed, closer, err := load.List(ctx, args[0], stdin, o)
	done()
	if err != nil {
		return err
	}
	defer closer.Close()
	seen := map[string]bool{}
	for _, l := range listed {
		if l.Image == nil {
			continue
		}
		for _, w := range l.Image.Warnings {
			if !seen[w] {
				seen[w] = true
				c.warn("%s: %s", displayName(args[0]), w)
			}
		}
	}
	r := images.Of(listed)
	if c.output == "json" {
		return render.JSON(stdout, r)
	}
	return render.Images(stdout, r, c.renderFor(stdout))
}
