// Command strata inspects and diffs container image archives — docker save and export
// tarballs, OCI archives and layouts — without a Docker daemon.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `strata inspects container image archives without a Docker daemon.

Usage:
  strata inspect IMAGE     identity, config, layers, sizes, wasted space
  strata history IMAGE     docker history, from the archive
  strata files IMAGE       files of the merged filesystem (--layer N: one layer, raw)
  strata diff OLD NEW      what changed between two images, or what a container changed
                           (NEW a docker export of a container of image OLD)

IMAGE is a docker save or docker export tarball, an OCI archive or layout directory,
any of them gzip/zstd/xz/bzip2-compressed, or - for standard input.

Examples:
  strata inspect app.tar
  docker save app:1 | gzip | strata history -
  strata files --layer 3 -o json app.tar.gz
  strata inspect --image app:1 --platform linux/arm64 images.tar
  strata diff app-1.tar app-2.tar
  strata diff --semantic -o json old.tar new.tar
  docker export ctr | strata diff app.tar -

Exit codes: 0 ok, 1 differences found or check failed, 2 usage error or unreadable input.
Run 'strata COMMAND --help' for a command's flags.
`

func main() {
	ctx := context.Background()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitDiff  = 1
	exitError = 2
)

// errDifferent reports that a comparison or check found differences (exit 1); the
// result has been printed already.
var errDifferent = errors.New("differences found")

// usageError is a bad command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode prints err (if any) and maps it to the exit status.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDifferent):
		return exitDiff
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(stderr, "strata: error: %s\n", load.Printable(err.Error()))
	var le *load.Error
	if errors.As(err, &le) && le.Hint != "" {
		fmt.Fprintf(stderr, "strata: hint: %s\n", load.Printable(le.Hint))
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "strata: hint: run 'strata --help' for usage")
	}
	return exitError
}

// run executes one strata command line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{"no command given"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "inspect":
		return runInspect(ctx, rest, stdin, stdout, stderr)
	case "history":
		return runHistory(ctx, rest, stdin, stdout, stderr)
	case "files":
		return runFiles(ctx, rest, stdin, stdout, stderr)
	case "diff":
		return runDiff(ctx, rest, stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "--version", "version":
		fmt.Fprintf(stdout, "strata %s\n", version)
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// common holds the flags every image command takes.
type common struct {
	output   string
	noTrunc  bool
	quiet    bool
	image    string
	platform string
	limits   []string
}

func newFlags(name, synopsis string, stderr io.Writer) (*pflag.FlagSet, *common) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{}
	fs.StringVarP(&c.output, "output", "o", "table", "output format: table or json")
	fs.BoolVar(&c.noTrunc, "no-trunc", false, "do not truncate digests, commands or lists")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "print only identifiers")
	fs.StringVar(&c.image, "image", "", "pick one image of a multi-image archive (tag or image-ID prefix)")
	fs.StringVar(&c.platform, "platform", "", "pick a platform from a multi-platform index (os/arch[/variant])")
	fs.StringArrayVar(&c.limits, "limit", nil, "raise or lower a safety limit, KEY=N ("+strings.Join(load.LimitKeys(), ", ")+"; 0 = none; k/M/G/T suffixes)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n%s", synopsis, fs.FlagUsages())
	}
	return fs, c
}

// parse parses flags and checks the number of image arguments.
func parse(fs *pflag.FlagSet, c *common, args []string, want int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if c.output != "table" && c.output != "json" {
		return nil, &usageError{fmt.Sprintf("unknown output format %q (want table or json)", c.output)}
	}
	for _, kv := range c.limits {
		var probe load.Limits
		if err := probe.Set(kv); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	if fs.NArg() != want {
		return nil, &usageError{fmt.Sprintf("%s takes %d image argument(s), got %d", fs.Name(), want, fs.NArg())}
	}
	return fs.Args(), nil
}

func (c *common) openWith(ctx context.Context, arg string, stdin io.Reader, o load.Options) (*image.Image, error) {
	o.Image, o.Platform = c.image, c.platform
	o.Limits = load.DefaultLimits
	for _, kv := range c.limits {
		o.Limits.Set(kv) // checked by parse
	}
	return load.Open(ctx, arg, stdin, o)
}

func (c *common) render() render.Options { return render.Options{NoTrunc: c.noTrunc, Quiet: c.quiet} }

func runInspect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("inspect", "strata inspect [flags] IMAGE", stderr)
	expand := fs.Bool("expand", false, "list each wasted file of a deleted directory instead of one row for the directory")
	verify := fs.Bool("verify", false, "recompute every layer's diff_id and blob digest and check them against the archive (reads every byte)")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	// Telling metadata-only copies needs content; streamed input is hashed as it passes.
	img, err := c.openWith(ctx, args[0], stdin, load.Options{HashFiles: inspect.EqualityHash, Verify: *verify})
	if err != nil {
		return err
	}
	defer img.Close()
	r, err := inspect.Of(img, fstree.Merge(img.Layers), inspect.Options{Expand: *expand})
	if err != nil {
		return err
	}
	if *verify && img.Source.Format == image.FormatRootfs {
		fmt.Fprintln(stderr, "strata: warning: a root filesystem tarball claims no digests: nothing to verify")
	}
	if c.output == "json" {
		return render.JSON(stdout, r)
	}
	return render.Inspect(stdout, r, c.render())
}

func runHistory(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("history", "strata history [flags] IMAGE", stderr)
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
		return render.JSON(stdout, rows)
	}
	return render.History(stdout, rows, c.render())
}

func runFiles(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("files", "strata files [flags] IMAGE", stderr)
	layer := fs.Int("layer", -1, "list one layer's raw entries as stored (0 is the base layer)")
	hashAlg := fs.String("hash", "", "add each regular file's content digest: "+strings.Join(content.Algorithms, ", "))
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
		return render.JSONList(stdout, list)
	}
	return render.Files(stdout, list, c.render())
}

func runDiff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("diff", "strata diff [flags] OLD NEW", stderr)
	var opts diff.Options
	fs.BoolVar(&opts.Semantic, "semantic", false, "ignore timestamps and history-only differences (reproducible builds)")
	fs.BoolVar(&opts.Expand, "expand", false, "list every path under an added or deleted directory")
	fs.BoolVar(&opts.Force, "force", false, "compare an export with an image it does not seem to come from")
	args, err := parse(fs, c, args, 2)
	if err != nil {
		return err
	}
	if args[0] == load.Stdin && args[1] == load.Stdin {
		return &usageError{"only one of OLD and NEW can be - (standard input)"}
	}
	// Streamed input cannot be read twice: hash file contents while reading it.
	lo := load.Options{HashFiles: "sha256"}
	old, err := c.openWith(ctx, args[0], stdin, lo)
	if err != nil {
		return err
	}
	defer old.Close()
	new, err := c.openWith(ctx, args[1], stdin, lo)
	if err != nil {
		return err
	}
	defer new.Close()
	r, err := diff.Compare(old, new, opts)
	if err != nil {
		return err
	}
	if c.output == "json" {
		err = render.JSON(stdout, r)
	} else {
		err = render.Diff(stdout, r, c.render())
	}
	if err == nil && r.Different() {
		return errDifferent
	}
	return err
}
