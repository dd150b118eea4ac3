package analysis

import (
	"context"
	"io"

	"github.com/strata-dev/strata/images"
	"github.com/strata-dev/strata/internal/load"
)

// List is what an input holds: each image and platform that Options.Image and
// Options.Platform pick from.
func List(ctx context.Context, name string, stdin io.Reader, o Options) ([]images.Image, error) {
	listed, closer, err := load.List(ctx, name, stdin, o.loadOptions())
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	in := make([]images.Listed, len(listed))
	for i, l := range listed {
		in[i] = images.Listed{Image: l.Image, Platform: l.Platform}
	}
	return images.Of(in), nil
}
