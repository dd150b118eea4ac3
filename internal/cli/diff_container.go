package cli

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/render"
)

// wantsContainer reports a --container flag among diff's arguments (before a "--").
func wantsContainer(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--container" || strings.HasPrefix(a, "--container=") {
			return true
		}
	}
	return false
}

// runDiffContainer is `strata diff --container ID ROOT`: a container of an engine's data root
// against its image, as the engine's own diff says it (docker diff, podman diff, ctr
// snapshots diff), with what an export would flatten.
func runDiffContainer(ctx context.Context, fs *pflag.FlagSet, c *common, args []string, opts *diff.Options, stdin io.Reader, stdout io.Writer) error {
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if c.image != "" {
		return &usageError{"diff --container compares a container with its own image: --image does not apply"}
	}
	if fs.Changed("packages") {
		return &usageError{"diff --container compares files: for the packages the container changed, run 'strata packages --container ID --layer N ROOT' on its writable layer (the last)"}
	}
	if opts.Semantic {
		return &usageError{"diff --container says what the engine's diff says: --semantic does not apply"}
	}
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: analysis.Diff})
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := img.ContainerDiff(*opts)
	if err != nil {
		return err
	}
	if c.output == "json" {
		err = render.JSON(stdout, r)
	} else {
		err = render.Diff(stdout, r, c.renderFor(stdout))
	}
	if err == nil && r.Different() {
		return errDifferent
	}
	return err
}
