package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/strata-dev/strata/internal/analysis"
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
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: analysis.Content})
	if err != nil {
		return err
	}
	defer img.Close()
	n := len(img.Image().Layers)
	at := n - 1
	if fs.Changed("layer") {
		if *layer < 0 || *layer >= n {
			return &usageError{fmt.Sprintf("--layer %d: the image has layers 0 to %d", *layer, n-1)}
		}
		at = *layer
	}
	rc, err := img.Open(args[1], at)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	defer rc.Close()
	if _, err := io.Copy(stdout, rc); err != nil {
		return fmt.Errorf("%s: reading %s: %w", args[0], args[1], err)
	}
	return nil
}
