package cli

import (
	"context"
	"io"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

func runDiff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("diff", "strata diff [flags] OLD NEW | --container ID ROOT", stderr)
	c.about("Show what changed between two images, or, when NEW is a docker export of a container of image OLD, what the container changed and what the export flattened away. Exits 1 when something differs.",
		"strata diff app-1.tar app-2.tar",
		"strata diff --old-image app:1 --new-image app:2 images.tar images.tar",
		"strata diff --semantic -o json build-a.tar build-b.tar",
		"docker export ctr | strata diff app.tar -",
		"strata diff --packages app-1.tar app-2.tar   # which packages changed",
		"strata diff --container web /var/lib/docker")
	var opts diff.Options
	fs.BoolVar(&opts.Semantic, "semantic", false, "ignore timestamps and history-only differences (reproducible builds)")
	fs.BoolVar(&opts.Expand, "expand", false, "list every path under an added or deleted directory")
	fs.BoolVar(&opts.Force, "force", false, "compare an export with an image it does not seem to come from")
	oldRef := fs.String("old-image", "", "pick OLD's image of a multi-image archive by `ref` (overrides --image for OLD)")
	newRef := fs.String("new-image", "", "pick NEW's image of a multi-image archive by `ref` (overrides --image for NEW)")
	withPackages := fs.Bool("packages", false, "compare the images' packages (dpkg, apk, rpm, Python, npm, Go, Java): only in OLD, only in NEW, version and size changes; the table shows them alone, -o json adds them as \"packages\", and the exit status says whether they differ")
	if wantsContainer(args) {
		return runDiffContainer(ctx, fs, c, args, &opts, stdin, stdout)
	}
	args, err := parse(fs, c, args, 2)
	if err != nil {
		return err
	}
	if args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	// An export's diff_id (what docker import would record) is computed as it is read.
	lo := analysis.Options{Needs: analysis.Diff | analysis.RootfsDigest, Image: *oldRef}
	if *withPackages {
		lo.Needs |= analysis.Packages // a streamed input keeps the package databases
	}
	old, err := c.open(ctx, args[0], stdin, lo)
	if err != nil {
		return err
	}
	defer old.Close()
	lo.Image = *newRef
	new, err := c.open(ctx, args[1], stdin, lo)
	if err != nil {
		return err
	}
	defer new.Close()
	pair := analysis.Compare(old, new, opts)
	r, err := pair.Diff()
	if err != nil {
		return err
	}
	for _, w := range r.Warnings {
		c.warn("%s", w)
	}
	different := r.Different()
	if *withPackages {
		if r.Packages, err = pair.Packages(); err != nil {
			return packagesErr("", err)
		}
		for _, img := range []*analysis.Image{old, new} {
			if _, err := c.packages(img); err != nil { // their warnings
				return err
			}
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
