package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

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

// parse parses flags and checks the number of image arguments (any number when want < 0:
// the command checks its own).
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
	if want >= 0 && fs.NArg() != want {
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
