package main

import (
	"context"
	"io"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
	"github.com/strata-dev/strata/packages"
)

func runDiff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("diff", "strata diff [flags] OLD NEW", stderr)
	c.about("Show what changed between two images, or, when NEW is a docker export of a container of image OLD, what the container changed and what the export flattened away. Exits 1 when something differs.",
		"strata diff app-1.tar app-2.tar",
		"strata diff --old-image app:1 --new-image app:2 images.tar images.tar",
		"strata diff --semantic -o json build-a.tar build-b.tar",
		"docker export ctr | strata diff app.tar -",
		"strata diff --packages app-1.tar app-2.tar   # which packages changed")
	var opts diff.Options
	fs.BoolVar(&opts.Semantic, "semantic", false, "ignore timestamps and history-only differences (reproducible builds)")
	fs.BoolVar(&opts.Expand, "expand", false, "list every path under an added or deleted directory")
	fs.BoolVar(&opts.Force, "force", false, "compare an export with an image it does not seem to come from")
	oldRef := fs.String("old-image", "", "pick OLD's image of a multi-image archive by `ref` (overrides --image for OLD)")
	newRef := fs.String("new-image", "", "pick NEW's image of a multi-image archive by `ref` (overrides --image for NEW)")
	withPackages := fs.Bool("packages", false, "compare the images' packages (dpkg, apk, rpm, Python, npm, Go, Java): only in OLD, only in NEW, version and size changes; the table shows them alone, -o json adds them as \"packages\", and the exit status says whether they differ")
	args, err := parse(fs, c, args, 2)
	if err != nil {
		return err
	}
	if args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	// Streamed input cannot be read twice: hash file contents while reading it.
	// An export's diff_id (what docker import would record) is computed as it is read.
	lo := load.Options{HashFiles: "sha256", RootfsDigest: true}
	if *withPackages {
		lo.KeepMatch = packages.Wants // streamed input keeps the package databases
	}
	lo.Image = c.image
	if *oldRef != "" {
		lo.Image = *oldRef
	}
	old, err := c.openWith(ctx, args[0], stdin, lo)
	if err != nil {
		return err
	}
	defer old.Close()
	lo.Image = c.image
	if *newRef != "" {
		lo.Image = *newRef
	}
	new, err := c.openWith(ctx, args[1], stdin, lo)
	if err != nil {
		return err
	}
	defer new.Close()
	r, err := diff.Compare(old, new, opts)
	if err != nil {
		return err
	}
	for _, w := range r.Warnings {
		c.warn("%s", w)
	}
	different := r.Different()
	if *withPackages {
		if r.Packages, err = c.packagesDiff(args, old, new); err != nil {
			return err
		}
		different = r.Packages.Different()
	}
	switch {
	case c.output == "json":
		err = render.JSON(stdout, r)
	case *withPackages:
		err = render.PackagesDiff(stdout, r.Packages, c.renderFor(stdout))
	default:
		err = render.Diff(stdout, r, c.renderFor(stdout))
	}
	if err == nil && different {
		return errDifferent
	}
	return err
}
