package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render/html"
)

func runReport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("report", "strata report [flags] IMAGE [NEW]", stderr)
	c.about("Write one self-contained HTML page (nothing fetched to view it) about IMAGE: identity, sizes and efficiency, a chart of the layers, a treemap of the filesystem, an explorer of the merged tree layer by layer, history, config and wasted space. With NEW it is a diff report: two images, or an image and a docker export of one of its containers. -o names the page's file (as docker save -o does); without it the page goes to standard output, which must then not be a terminal.",
		"strata report -o report.html app.tar",
		"strata report --verify -o report.html app.tar.gz",
		"strata report -o diff.html app-1.tar app-2.tar",
		"docker export ctr | strata report -o ctr.html app.tar -")
	c.outputFile, c.output = true, ""
	out := fs.Lookup("output")
	out.Usage, out.DefValue = "write the page to `file` (replaced only once complete); - or none: standard output", ""
	verify := fs.Bool("verify", false, "recompute every layer's diff_id and blob digest and check them against the archive (reads every byte)")
	var dopts diff.Options
	expand := fs.Bool("expand", false, "list each wasted file of a deleted directory, and in a diff every path under an added or deleted directory, instead of one row for the directory")
	fs.BoolVar(&dopts.Semantic, "semantic", false, "diff: ignore timestamps and history-only differences")
	fs.BoolVar(&dopts.Force, "force", false, "diff: compare an export with an image it does not seem to come from")
	c.without(fs, "no-trunc", "quiet", "null")
	args, err := parseArgs(fs, c, args, 1, 2)
	if err != nil {
		return err
	}
	// -o names the page's file here, as docker save -o does; a format word is a mistake
	// (every other command's -o), not a file to create.
	if reportFormatWords[strings.ToLower(c.output)] {
		return &usageError{fmt.Sprintf("report's -o names the file to write the HTML page to (as docker save -o does), not a format: for a file named %q write -o ./%s; for JSON use 'strata inspect -o json' or 'strata diff -o json'", c.output, c.output)}
	}
	if _, tty := terminal(stdout); c.output == "" && tty {
		return &usageError{"report writes an HTML page, not text for a terminal: give -o FILE (e.g. -o report.html), or redirect standard output (> report.html)"}
	}
	dopts.Expand = *expand
	iopts := inspect.Options{Expand: *expand}
	if len(args) == 2 && args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	r := html.Report{Generator: "strata " + Version}
	needs := analysis.Inspect | analysis.History | analysis.Index | analysis.Packages
	if len(args) == 2 {
		needs |= analysis.Diff
	}
	imgs := make([]*analysis.Image, len(args))
	for k, a := range args {
		if imgs[k], err = c.open(ctx, a, stdin, analysis.Options{Needs: needs, Verify: *verify, Inspect: iopts}); err != nil {
			return err
		}
		defer imgs[k].Close()
	}
	if len(args) == 1 {
		if r.Image, err = pageImage(imgs[0]); err != nil {
			return err
		}
	} else {
		pair := analysis.Compare(imgs[0], imgs[1], dopts)
		if r.Diff, err = pair.Diff(); err != nil {
			return err
		}
		if r.Old, err = pageImage(imgs[0]); err != nil {
			return err
		}
		if r.New, err = pageImage(imgs[1]); err != nil {
			return err
		}
		if r.Old.Packages != nil && r.New.Packages != nil {
			r.PackagesDiff, _ = pair.Packages() // each side's error is on its page
		}
	}
	var page bytes.Buffer
	if err := html.Write(&page, r); err != nil {
		return err
	}
	if c.output == "" || c.output == "-" {
		_, err := stdout.Write(page.Bytes())
		return err
	}
	return writeFileAtomic(c.output, page.Bytes())
}

// pageImage is what a page shows of one image, from the middle stage.
func pageImage(img *analysis.Image) (*html.Image, error) {
	r, x, h, err := img.Browse()
	if err != nil {
		return nil, err
	}
	out := &html.Image{Inspect: r, History: h, Index: x}
	// The packages section: a database that cannot be read is said there, not fatal.
	if out.Packages, err = img.Packages(); err != nil {
		out.PackagesErr = err.Error()
	}
	return out, nil
}

// reportFormatWords are the -o values of other commands (and format names), refused as
// report's file name.
var reportFormatWords = map[string]bool{"table": true, "json": true, "html": true, "junit": true,
	"markdown": true, "github": true, "sarif": true, "text": true, "yaml": true}

// writeFileAtomic writes a file whole or not at all: a temporary file beside it, renamed.
func writeFileAtomic(name string, p []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(p); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return os.Rename(f.Name(), name)
}
