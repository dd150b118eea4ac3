package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

const catSynopsis = `strata cat [flags] IMAGE PATH

Writes one file's content to standard output: as the merged filesystem shows it, or with
--layer N as the image showed it after layer N (0 is the base layer), which reaches a version
a later layer deleted or overwrote. Symbolic links are followed inside the image, hardlinks
read their target. A directory, a missing path or a removed one is an error (exit 2).

Examples:
  strata cat app.tar /etc/os-release
  strata cat --layer 4 app.tar /root/.ssh/id_rsa`

func runCat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("cat", catSynopsis, stderr)
	layer := fs.Int("layer", -1, "read the file as of this layer (0 is the base layer); default: the merged filesystem")
	c.without(fs, "output", "no-trunc", "quiet", "null") // the file's bytes, as they are
	args, err := parse(fs, c, args, -1)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return &usageError{fmt.Sprintf("cat takes an image and a path, got %d argument(s)", len(args))}
	}
	img, err := c.openWith(ctx, args[0], stdin, load.Options{})
	if err != nil {
		return err
	}
	defer img.Close()
	at := len(img.Layers) - 1
	if fs.Changed("layer") {
		if *layer < 0 || *layer >= len(img.Layers) {
			return &usageError{fmt.Sprintf("--layer %d: the image has layers 0 to %d", *layer, len(img.Layers)-1)}
		}
		at = *layer
	}
	x, err := explore.Of(img, fstree.MergeLogged(img.Layers))
	if err != nil {
		return err
	}
	rc, err := openFile(func(int) *image.Image { return img }, x, args[1], at)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	defer rc.Close()
	if _, err := io.Copy(stdout, rc); err != nil {
		return fmt.Errorf("%s: reading %s: %w", args[0], args[1], err)
	}
	return nil
}

// openFile opens the regular file at p as of layer, following symbolic links in the image
// and resolving hardlinks: what cat prints and the explorer's viewer shows. imageOf gives
// the image whose layers the index's versions at a layer name (one image, or OLD and NEW).
func openFile(imageOf func(layer int) *image.Image, x *explore.Index, p string, layer int) (io.ReadCloser, error) {
	img := imageOf(layer)
	_, v, err := x.Lookup(p, layer, true)
	if err != nil {
		return nil, err
	}
	f, err := explore.Content(p, layer, v)
	if err != nil {
		return nil, err
	}
	rc, err := content.Open(img.Layers[f.Layer], f.Entry)
	if errors.Is(err, content.ErrUnavailable) {
		return nil, fmt.Errorf("%s: content not available: the input was streamed (standard input or a compressed archive) and cannot be read again; decompress it to a file first", p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s in layer %d: %w", p, f.Layer, err)
	}
	return rc, nil
}
