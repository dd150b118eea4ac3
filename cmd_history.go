package main

import (
	"context"
	"io"

	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runHistory(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("history", "strata history [flags] IMAGE", stderr)
	c.about("Show an image's history as docker history does, newest first, with the layer each row made.",
		"strata history app.tar",
		"strata history --no-trunc app.tar     # whole commands",
		"docker save app:1 | strata history -o json -")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	img, err := c.openWith(ctx, args[0], stdin, load.Options{})
	if err != nil {
		return err
	}
	defer img.Close()
	rows := history.Of(img)
	if c.output == "json" {
		return render.JSONList(stdout, "history", rows)
	}
	return render.History(stdout, rows, c.renderFor(stdout))
}
