package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render/tui"
)

const exploreSynopsis = `strata explore [flags] IMAGE [NEW]

Browses an image in the terminal: its layers, the file tree as of the selected layer with
what that layer added (A), modified (M) and removed (D), the wasted bytes, the config and
history, and any file's content. With two images, browses their diff (OLD's files as layer
0, NEW's as layer 1, marked as diff marks them; NEW may be a docker export of a container
of OLD). Press ? for the keys. Needs a terminal: for text and JSON use inspect, files and diff.

Examples:
  strata explore app.tar
  strata explore --no-color app.tar
  strata explore app-1.tar app-2.tar
  docker export ctr | strata explore app.tar -`

// errNoTTY is explore's answer when it cannot draw.
var errNoTTY = errors.New("explore needs a terminal (standard output is not one); for text or JSON use 'strata inspect', 'strata files' or 'strata diff'")

func runExplore(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("explore", exploreSynopsis, stderr)
	noColor := fs.Bool("no-color", false, "monochrome: A/M/D told apart by the marker column only (also NO_COLOR=1)")
	verify := fs.Bool("verify", false, "recompute every digest first and show the result in the image pane (reads every byte)")
	c.without(fs, "output", "no-trunc", "quiet", "null")
	c.unusedWhy = ": it draws in the terminal; for text or JSON use 'strata inspect', 'strata files' or 'strata diff'"
	args, err := parse(fs, c, args, -1)
	if err != nil {
		return err
	}
	if len(args) != 1 && len(args) != 2 {
		return &usageError{fmt.Sprintf("explore takes one image or two (OLD NEW), got %d argument(s)", len(args))}
	}
	if len(args) == 2 && args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	out, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		return &usageError{errNoTTY.Error()}
	}
	in, closeIn, err := ttyInput(stdin, args)
	if err != nil {
		return err
	}
	defer closeIn()
	d, closeAll, err := exploreData(ctx, c, args, stdin, *verify)
	if err != nil {
		return err
	}
	defer closeAll()
	mono := *noColor || os.Getenv("NO_COLOR") != ""
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}
	if mono {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err = tea.NewProgram(tui.New(d, tui.Options{Mono: mono}), opts...).Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// ttyInput is where keys come from: standard input, unless it is not a terminal (an image
// read from it, say), then /dev/tty.
func ttyInput(stdin io.Reader, args []string) (io.Reader, func(), error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(f.Fd()) && !contains(args, load.Stdin) {
		return f, func() {}, nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, nil, &usageError{"explore needs a terminal to read keys from: " + err.Error()}
	}
	return tty, func() { tty.Close() }, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exploreData opens the images and gathers what the explorer shows from the middle stage:
// the same structs inspect and diff print.
func exploreData(ctx context.Context, c *common, args []string, stdin io.Reader, verify bool) (tui.Data, func(), error) {
	var imgs []*analysis.Image
	closeAll := func() {
		for _, img := range imgs {
			img.Close()
		}
	}
	needs := analysis.Inspect | analysis.History | analysis.Index | analysis.Packages
	if len(args) == 2 {
		needs = analysis.Inspect | analysis.History | analysis.Diff | analysis.Packages
	}
	for k, a := range args {
		o := analysis.Options{Needs: needs, Verify: verify}
		if k == 0 && len(args) == 2 {
			o.Needs = analysis.Diff | analysis.Packages
		}
		img, err := c.open(ctx, a, stdin, o)
		if err != nil {
			closeAll()
			return tui.Data{}, nil, err
		}
		imgs = append(imgs, img)
	}
	newImg := imgs[len(imgs)-1]
	if len(args) == 1 {
		r, x, h, err := newImg.Browse()
		if err != nil {
			closeAll()
			return tui.Data{}, nil, err
		}
		d := tui.Data{Title: args[0], Report: r, History: h, Index: x, Open: newImg.Open}
		// The packages pane: a database that cannot be read is said there, not fatal.
		if d.Packages, err = newImg.Packages(); err != nil {
			d.PackagesErr = err.Error()
		}
		return d, closeAll, nil
	}
	r, err := newImg.Inspect()
	if err != nil {
		closeAll()
		return tui.Data{}, nil, err
	}
	pair := analysis.Compare(imgs[0], newImg, diff.Options{Expand: true})
	res, err := pair.Diff()
	if err != nil {
		closeAll()
		return tui.Data{}, nil, err
	}
	x, err := pair.Index()
	if err != nil {
		closeAll()
		return tui.Data{}, nil, err
	}
	d := tui.Data{Title: args[1], Report: r, History: newImg.History(), Index: x, Diff: res, OldTitle: args[0], Open: pair.Open}
	if d.PackagesDiff, err = pair.Packages(); err != nil {
		d.PackagesErr = err.Error()
	}
	return d, closeAll, nil
}
