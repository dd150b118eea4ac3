package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
	"github.com/strata-dev/strata/internal/render/sbom"
	"github.com/strata-dev/strata/packages"
)

const packagesAbout = `Lists the software an image holds, as each ecosystem's database or metadata states it (dpkg, apk, rpm, Python, npm, Go binaries, Java archives): per package the layer that installed it, the layer that last changed its version (and the version before), its bytes in the final filesystem (from its own file list, each inode once), the bytes its earlier versions still ship in lower layers, its license and purl. --layer N lists one layer's package changes; --by-layer summarises every layer; -o cyclonedx and -o spdx write an SBOM (CycloneDX 1.6, SPDX 2.3 JSON).`

func runPackages(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("packages", "strata packages [flags] IMAGE", stderr)
	c.about(packagesAbout,
		"strata packages app.tar",
		"strata packages --by-layer app.tar",
		"strata packages --layer 4 app.tar",
		"strata packages -o cyclonedx app.tar > app.cdx.json",
		"strata packages -o spdx app.tar > app.spdx.json",
		"strata packages -q app.tar            # purls, one a line")
	c.formats = []string{"table", "json", "cyclonedx", "spdx"}
	fs.Lookup("output").Usage = "output `format`: table, json, cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)"
	layer := fs.Int("layer", -1, "list layer `N`'s package changes (0 is the base layer): installed, upgraded, downgraded, removed, and the packages whose files it ships")
	byLayer := fs.Bool("by-layer", false, "summarise each layer: packages installed, upgraded, downgraded and removed, bytes of package files, the largest")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if fs.Changed("layer") && *byLayer {
		return &usageError{"--layer and --by-layer: pick one"}
	}
	if (fs.Changed("layer") || *byLayer) && (c.output == "cyclonedx" || c.output == "spdx") {
		return &usageError{"-o " + c.output + " describes the whole image: not with --layer or --by-layer"}
	}
	if *byLayer && c.quiet {
		return &usageError{"-q prints the packages' purls (or with --layer N the layer's changes), --by-layer a summary per layer: give one of them"}
	}
	var so sbom.Options
	if c.output == "cyclonedx" || c.output == "spdx" {
		if so, err = sbomOptions(); err != nil {
			return err
		}
	}
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: analysis.Packages})
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := c.packages(img)
	if err != nil {
		return err
	}
	if fs.Changed("layer") && (*layer < 0 || *layer >= len(r.Layers)) {
		return &usageError{fmt.Sprintf("--layer %d: the image has layers 0 to %d", *layer, len(r.Layers)-1)}
	}
	o := c.renderFor(stdout)
	switch {
	case c.output == "cyclonedx":
		return sbom.CycloneDX(stdout, r, so)
	case c.output == "spdx":
		return sbom.SPDX(stdout, r, so)
	case fs.Changed("layer"):
		l := r.Layers[*layer]
		if c.output == "json" {
			return render.JSON(stdout, struct {
				Source image.Source   `json:"source"`
				ID     string         `json:"id"`
				Layer  packages.Layer `json:"layer"`
			}{r.Source, r.ID, l})
		}
		return render.PackagesLayer(stdout, r, l, o)
	case *byLayer:
		if c.output == "json" {
			return render.JSON(stdout, struct {
				Source image.Source     `json:"source"`
				ID     string           `json:"id"`
				Layers []packages.Layer `json:"layers"`
			}{r.Source, r.ID, r.Layers})
		}
		return render.PackagesByLayer(stdout, r, o)
	case c.output == "json":
		return render.JSON(stdout, r)
	}
	return render.Packages(stdout, r, o)
}

// packages is img's packages report, its warnings said on stderr (each command asks once
// per image; the report itself is computed once); an error names the input and, for a
// limit, the --limit key that raises it.
func (c *common) packages(img *analysis.Image) (*packages.Report, error) {
	r, err := img.Packages()
	if err != nil {
		return nil, packagesErr(img.Name, err)
	}
	for _, w := range r.Warnings {
		c.warn("%s: %s", displayName(img.Name), w)
	}
	return r, nil
}

// packagesErr names the input and, for a limit, the --limit key that raises it.
func packagesErr(arg string, err error) error {
	var se *analysis.SideError
	if errors.As(err, &se) {
		arg, err = se.Name, se.Err
	}
	le := &load.Error{File: displayName(arg), Err: err}
	var pl *packages.LimitError
	if errors.As(err, &pl) {
		le.Hint = fmt.Sprintf("raise the limit with --limit %s=N (0 = none)", pl.Key)
	}
	return le
}

// packageLimits are the package readers' default limits changed by --limit.
func (c *common) packageLimits() packages.Limits {
	l := packages.DefaultLimits
	for _, kv := range c.limits {
		l.Set(kv) // checked by parse; load's keys are not this one's
	}
	return l
}

// sbomOptions: the tool and the document's time (SOURCE_DATE_EPOCH when set, for
// reproducible documents; now otherwise). A SOURCE_DATE_EPOCH that is not a count of
// seconds is an error, as reproducible-builds.org asks, rather than a document of now.
func sbomOptions() (sbom.Options, error) {
	t := time.Now().UTC().Truncate(time.Second)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 253402300799 { // 9999-12-31T23:59:59Z
			return sbom.Options{}, &usageError{fmt.Sprintf("SOURCE_DATE_EPOCH=%q: want seconds since 1970-01-01 UTC", s)}
		}
		t = time.Unix(n, 0).UTC()
	}
	return sbom.Options{Tool: "strata", Version: Version, Created: t}, nil
}
