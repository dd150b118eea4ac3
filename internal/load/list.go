package load

import (
	"context"
	"errors"
	"io"

	"github.com/strata-dev/strata/internal/image"
)

// errCollected stops resolution once choose has recorded the candidates (List).
var errCollected = errors.New("candidates collected")

// Listed is one image an archive holds (what --image and --platform can pick), or one
// artifact an index lists beside images (Image nil).
type Listed struct {
	Image    *image.Image // read as Open would read it with a matching --image/--platform
	Platform string       // os/arch[/variant] as the index or config gives it; "" if unknown
	Artifact *Artifact    // a signature, attestation, SBOM, chart…: not an image
}

// List reads every image the input holds (of a multi-platform index, every platform present),
// restricted to those opts.Image and opts.Platform match when set, in the order Open's hint
// lists candidates. A root-filesystem tarball is one image. The closer releases the input;
// it is non-nil whenever err is nil. Errors are *Error.
func List(ctx context.Context, arg string, stdin io.Reader, opts Options) ([]Listed, io.Closer, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	opts.Verify, opts.HashFiles = false, ""
	var cands []candidate
	var arts []*Artifact
	opts.collect, opts.collectArtifacts = &cands, &arts
	img, closer, err := open(ctx, arg, stdin, opts)
	if closer == nil {
		closer = closers(nil)
	}
	if err == nil {
		bound(img, opts.Limits)
		out := []Listed{{Image: img, Platform: platformOf(img.Config)}}
		for _, a := range arts {
			out = append(out, Listed{Artifact: a})
		}
		return out, closer, nil
	}
	if !errors.Is(err, errCollected) {
		closer.Close()
		return nil, nil, locate(arg, err)
	}
	out := make([]Listed, 0, len(cands))
	for _, c := range cands {
		img, err := c.pick(c.tags)
		if err != nil {
			closer.Close()
			return nil, nil, locate(arg, err)
		}
		bound(img, opts.Limits)
		out = append(out, Listed{Image: img, Platform: c.platform})
	}
	for _, a := range arts {
		if (opts.Image == "" || artifactMatches(a, opts.Image)) && (opts.Platform.IsZero() || opts.Platform.Matches(a.Platform)) {
			out = append(out, Listed{Artifact: a})
		}
	}
	return out, closer, nil
}
