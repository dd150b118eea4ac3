package analysis

import (
	"context"
	"io"

	"github.com/strata-dev/strata/images"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// List is what an input holds: each image and platform that Options.Image and
// Options.Platform pick from, and apart what its indexes list that is not an image. Warnings
// are what the loader noticed, each once.
func List(ctx context.Context, name string, stdin io.Reader, o Options) (images.Report, []string, error) {
	listed, closer, err := load.List(ctx, name, stdin, o.loadOptions())
	if err != nil {
		return images.Report{}, nil, err
	}
	defer closer.Close()
	in := make([]images.Listed, len(listed))
	var warnings []string
	seen := map[string]bool{}
	for i, l := range listed {
		in[i] = images.Listed{Image: l.Image, Platform: l.Platform, Artifact: l.Artifact}
		if l.Image == nil {
			continue
		}
		for _, w := range l.Image.Warnings {
			if !seen[w] {
				seen[w] = true
				warnings = append(warnings, w)
			}
		}
	}
	return images.Of(in), warnings, nil
}

// Containers lists the containers of an engine's data root (what Options.Container picks).
func Containers(ctx context.Context, dir string, o Options) ([]image.Container, error) {
	return load.Containers(ctx, dir, o.loadOptions())
}
