package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runFiles(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("files", "strata files [flags] IMAGE [PATH...]", stderr)
	c.about("List the files of an image's merged filesystem (or of one layer, as stored), optionally only under the given paths.",
		"strata files app.tar",
		"strata files app.tar /etc /usr/local/bin",
		"strata files --tree --depth 2 app.tar  # du-like sizes per directory",
		"strata files --sort size app.tar | head",
		"strata files --layer 3 -o json app.tar.gz",
		"strata files --hash sha256 app.tar",
		"strata files -q0 app.tar | xargs -0 printf '%s\\n'")
	layer := fs.Int("layer", -1, "list one layer's raw entries as stored (0 is the base layer)")
	hashAlg := fs.String("hash", "", "add each regular file's content digest, computed with `alg`: "+strings.Join(content.Algorithms, ", "))
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if *hashAlg != "" {
		if _, err := content.NewHash(*hashAlg); err != nil {
			return &usageError{"--hash: " + err.Error()}
		}
	}
	img, err := c.openWith(ctx, args[0], stdin, load.Options{HashFiles: *hashAlg})
	if err != nil {
		return err
	}
	defer img.Close()
	var list []files.File
	if fs.Changed("layer") {
		if *layer < 0 || *layer >= len(img.Layers) {
			return &usageError{fmt.Sprintf("--layer %d: the image has layers 0 to %d", *layer, len(img.Layers)-1)}
		}
		list, err = files.Layer(img.Layers[*layer], *hashAlg)
	} else {
		list, err = files.Merged(img, fstree.Merge(img.Layers), *hashAlg)
	}
	if err != nil {
		return err
	}
	if c.output == "json" {
		return render.JSONList(stdout, "files", list)
	}
	return render.Files(stdout, list, c.render())
}
