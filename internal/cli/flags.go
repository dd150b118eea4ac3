package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
	"github.com/strata-dev/strata/packages"
)

// common holds the flags every image command takes.
type common struct {
	output     string
	noTrunc    bool
	quiet      bool
	null       bool
	noProgress bool
	image      string
	platform   string
	plat       load.Platform // platform, parsed
	limits     []string
	insecure   bool
	timeout    time.Duration
	deadline   time.Duration
	start      time.Time // when the command started: --deadline counts from it
	retries    int
	cache      string
	container  string
	formats    []string // the -o formats a command takes, when more than table and json

	synopsis string
	summary  string
	examples []string
	stderr   io.Writer

	outputFile bool // -o names a file, not a format (report)

	// unused are the common flags the command has no use for: hidden from its help and
	// refused when given (every flag a command lists works on it); unusedWhy ends the
	// refusal, saying what to use instead.
	unused    []string
	unusedWhy string
}

// without marks common flags as having no use in this command: they leave its help and
// parse refuses them.
func (c *common) without(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		fs.MarkHidden(n)
		c.unused = append(c.unused, n)
	}
}

// newFlags makes a command's flag set with the common flags. Its --help (and `strata help
// NAME`) prints, to stdout: the synopsis, the sentence given to about, the flags wrapped at
// 80 columns (booleans without a value, no meaningless defaults) and the examples.
func newFlags(name, synopsis string, stderr io.Writer) (*pflag.FlagSet, *common) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse returns errors; help goes to stdout through run
	fs.Usage = func() {}
	fs.SortFlags = true
	c := &common{synopsis: synopsis, stderr: stderr, start: time.Now()}
	// A synopsis may carry the description and examples after its first line.
	if first, rest, ok := strings.Cut(synopsis, "\n"); ok {
		c.synopsis = first
		desc, ex, _ := strings.Cut(rest, "Examples:")
		c.summary = strings.TrimSpace(desc)
		for _, l := range strings.Split(ex, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				c.examples = append(c.examples, l)
			}
		}
	}
	fs.StringVarP(&c.output, "output", "o", "table", "output `format`: table or json")
	fs.BoolVar(&c.noTrunc, "no-trunc", false, "print digests, commands and lists whole, every row, at any width")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "print only identifiers, one a line")
	fs.BoolVarP(&c.null, "null", "0", false, "with -q: end each identifier with a NUL byte instead of a newline, unescaped (for xargs -0)")
	fs.BoolVar(&c.noProgress, "no-progress", false, "never show a progress bar (shown on a terminal when reading takes more than a second)")
	fs.StringVar(&c.image, "image", "", "pick one image of a multi-image archive by `ref`: a tag, an image-ID prefix or a manifest-digest prefix (strata images lists them)")
	fs.StringVar(&c.container, "container", "", "read a container of an engine's data root (ROOT as the argument) by `id`, unique ID prefix or name: its image, init layer and writable layer (strata containers ROOT lists them)")
	fs.StringVar(&c.platform, "platform", "", "pick a `platform` of a multi-platform index: OS/ARCH[/VARIANT], e.g. linux/arm64/v8")
	fs.StringArrayVar(&c.limits, "limit", nil, "raise or lower a safety limit, `KEY=N` ("+strings.Join(append(load.LimitKeys(), packages.LimitKeys()...), ", ")+"; 0 = none; k/M/G/T suffixes); repeatable")
	fs.BoolVar(&c.insecure, "insecure", false, "reach a registry over plain HTTP (loopback and private addresses always are)")
	fs.DurationVar(&c.timeout, "timeout", load.DefaultTimeout, "registry input: give up on a request whose connection or response headers take longer than `duration`, or whose body sends less than 16 KiB in that much waiting (default 15s)")
	fs.DurationVar(&c.deadline, "deadline", load.DefaultDeadline, "registry input: give up when talking to the registry is not done `duration` after the command started (default 10m; 0: no deadline)")
	fs.IntVar(&c.retries, "retries", 4, "registry input: retry a request answered 429 or 5xx (waiting as Retry-After says, 60 s in all at most) up to `N` times")
	fs.StringVar(&c.cache, "cache", os.Getenv("STRATA_CACHE"), "registry input: keep per-layer entry indexes in `dir` (default $STRATA_CACHE; off when empty), so images sharing layers fetch only their new ones")
	return fs, c
}

// commonFlags are the flags newFlags defines, listed apart from a command's own in --help.
var commonFlags = map[string]bool{"output": true, "no-trunc": true, "quiet": true, "null": true,
	"no-progress": true, "image": true, "platform": true, "limit": true,
	"insecure": true, "timeout": true, "deadline": true, "retries": true, "cache": true, "container": true}

// about sets the sentence saying what the command does and its examples, for --help.
func (c *common) about(summary string, examples ...string) {
	c.summary, c.examples = summary, examples
}

// helpRequest is a --help: run prints text to stdout and exits 0.
type helpRequest struct{ text string }

func (h *helpRequest) Error() string { return "help requested" }
func (h *helpRequest) Is(target error) bool {
	return target == pflag.ErrHelp
}

// help renders the command's help text.
func (c *common) help(fs *pflag.FlagSet) string {
	var b strings.Builder
	if c.summary != "" {
		b.WriteString(wrap(c.summary, 80, "", ""))
		b.WriteString("\n")
	}
	b.WriteString("Usage:\n" + wrap(c.synopsis, 80, "  ", "      "))
	if own := flagUsages(fs, 80, false); own != "" {
		b.WriteString("\nFlags:\n" + own)
	}
	if common := flagUsages(fs, 80, true); common != "" {
		b.WriteString("\nCommon flags:\n" + common)
	}
	if len(c.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range c.examples {
			b.WriteString("  " + e + "\n")
		}
	}
	b.WriteString("\nRun 'strata --help' for the input formats and exit codes.\n")
	return b.String()
}

// flagUsages lists flags as `  -o, --output FORMAT   text`, the text wrapped at cols with
// a hanging indent. A boolean flag shows no value; a default is shown only when it says
// something (a non-empty string other than a placeholder), never sentinels like -1.
func flagUsages(fs *pflag.FlagSet, cols int, common bool) string {
	type row struct{ left, text string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || commonFlags[f.Name] != common {
			return
		}
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		name, usage := pflag.UnquoteUsage(f)
		switch f.Value.Type() {
		case "bool":
			name = ""
		case "stringArray":
			if name == "stringArray" {
				name = "VALUE"
			}
		case "int":
			if name == "int" {
				name = "N"
			}
		case "string":
			if name == "string" {
				name = "VALUE"
			}
			if f.DefValue != "" {
				usage += " (default " + f.DefValue + ")"
			}
		}
		if name != "" {
			left += " " + strings.ToUpper(name)
		}
		if n := utf8.RuneCountInString(left); n > width {
			width = n
		}
		rows = append(rows, row{left, usage})
	})
	if width > 26 {
		width = 26
	}
	var b strings.Builder
	indent := strings.Repeat(" ", width+3)
	for _, r := range rows {
		first := r.left + strings.Repeat(" ", max(width-utf8.RuneCountInString(r.left), 0)+3)
		if utf8.RuneCountInString(r.left) > width {
			b.WriteString(r.left + "\n")
			first = indent
		}
		b.WriteString(wrap(r.text, cols, first, indent))
	}
	return b.String()
}

// wrap fills words into lines of at most cols runes: the first starting with first, the
// others with indent. A word longer than a line gets a line of its own.
func wrap(text string, cols int, first, indent string) string {
	var b strings.Builder
	line := first
	empty := true
	for _, w := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > cols {
			b.WriteString(line + "\n")
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	b.WriteString(line + "\n")
	return b.String()
}

// parse parses flags and checks the number of image arguments (any number when want < 0:
// the command checks its own).
func parse(fs *pflag.FlagSet, c *common, args []string, want int) ([]string, error) {
	if want < 0 {
		return parseArgs(fs, c, args, 0, -1)
	}
	return parseArgs(fs, c, args, want, want)
}

// parseArgs is parse for commands taking between least and most arguments (most < 0: any).
func parseArgs(fs *pflag.FlagSet, c *common, args []string, least, most int) ([]string, error) {
	if fc, ok := c.stderr.(*flagCapture); ok { // completion learns the flags (complete.go)
		fc.fs, fc.c = fs, c
		return nil, errFlagsCaptured
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, &helpRequest{c.help(fs)}
		}
		return nil, &usageError{err.Error()}
	}
	for _, n := range c.unused {
		if fs.Changed(n) {
			f := fs.Lookup(n)
			name := "--" + n
			if f.Shorthand != "" {
				name += " (-" + f.Shorthand + ")"
			}
			return nil, &usageError{fmt.Sprintf("%s does not apply to %s%s", name, fs.Name(), c.unusedWhy)}
		}
	}
	if !c.outputFile && c.quiet && c.output != "table" {
		return nil, &usageError{fmt.Sprintf("-q prints identifiers, -o %s the whole document: give one of them", c.output)}
	}
	if !c.outputFile && c.formats == nil && c.output != "table" && c.output != "json" {
		return nil, &usageError{fmt.Sprintf("unknown output format %q (want table or json)", c.output)}
	}
	if c.formats != nil && !slices.Contains(c.formats, c.output) {
		return nil, &usageError{fmt.Sprintf("unknown output format %q (want %s)", c.output, strings.Join(c.formats, ", "))}
	}
	for _, kv := range c.limits {
		var probe load.Limits
		if err := probe.Set(kv); err != nil {
			var pkgs packages.Limits
			if ok, perr := pkgs.Set(kv); !ok {
				return nil, &usageError{err.Error() + ", or a package limit: " + strings.Join(packages.LimitKeys(), ", ")}
			} else if perr != nil {
				return nil, &usageError{perr.Error()}
			}
		}
	}
	if c.platform != "" {
		// Parsed once, here: lower-cased as Docker and containerd do (linux/AMD64 is
		// linux/amd64) and checked before anything is read.
		p, err := load.ParsePlatform(c.platform)
		if err != nil {
			return nil, &usageError{"--platform " + err.Error()}
		}
		c.plat = p
	}
	if c.timeout <= 0 {
		return nil, &usageError{fmt.Sprintf("--timeout %s: want a positive duration (--deadline 0 is how to wait without an overall deadline)", c.timeout)}
	}
	if c.deadline < 0 {
		return nil, &usageError{fmt.Sprintf("--deadline %s: want a positive duration, or 0 for none", c.deadline)}
	}
	if c.null && !c.quiet {
		return nil, &usageError{"--null (-0) only applies to -q lists: add -q"}
	}
	n := fs.NArg()
	switch {
	case least == most && n != least:
		return nil, &usageError{fmt.Sprintf("%s takes %d image argument%s, got %d", fs.Name(), least, plural(least), n)}
	case n < least || (most >= 0 && n > most):
		return nil, &usageError{fmt.Sprintf("%s takes %d to %d arguments, got %d", fs.Name(), least, most, n)}
	}
	return fs.Args(), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// open opens the image arg names through the middle stage, with the common flags'
// selection, limits, registry options and progress line; o.Image, when set, overrides
// --image.
func (c *common) open(ctx context.Context, arg string, stdin io.Reader, o analysis.Options) (*analysis.Image, error) {
	c.fill(&o)
	var done func()
	o.Progress, done = c.startProgress(arg)
	img, err := analysis.Open(ctx, arg, stdin, o)
	done()
	if err == nil {
		c.warnImage(arg, img.Image())
	}
	return img, err
}

// warnImage says on stderr what the loader noticed in arg's image, one line each.
func (c *common) warnImage(arg string, img *image.Image) {
	for _, w := range img.Warnings {
		c.warn("%s: %s", displayName(arg), w)
	}
}

// displayName is how messages name an input argument.
func displayName(arg string) string {
	if arg == load.Stdin {
		return "<stdin>"
	}
	return arg
}

// fill sets the options the common flags say.
func (c *common) fill(o *analysis.Options) {
	if o.Image == "" {
		o.Image = c.image
	}
	o.Platform = c.plat
	if o.Container == "" {
		o.Container = c.container
	}
	o.Warn = func(msg string) { c.warn("%s", msg) }
	o.Limits = c.loadLimits()
	o.PackageLimits = c.packageLimits()
	o.Remote.Insecure, o.Remote.Timeout, o.Remote.Retries, o.Remote.Cache = c.insecure, c.timeout, c.retries, c.cache
	o.Remote.Deadline, o.Remote.Since = c.deadline, c.start
	if k := os.Getenv("STRATA_CACHE_KEY"); k != "" && c.cache != "" {
		o.Remote.CacheKey = []byte(k)
	}
	if c.deadline == 0 {
		o.Remote.Deadline = -1 // asked for explicitly: no deadline
	}
	if c.retries == 0 {
		o.Remote.Retries = -1
	}
}

// loadLimits are the default limits changed by --limit.
func (c *common) loadLimits() load.Limits {
	l := load.DefaultLimits
	for _, kv := range c.limits {
		l.Set(kv) // checked by parse
	}
	return l
}

// warn prints a warning on stderr, one escaped line.
func (c *common) warn(format string, args ...any) {
	fmt.Fprintf(c.stderr, "strata: warning: %s\n", escape.String(fmt.Sprintf(format, args...)))
}

// hint prints a hint on stderr, one escaped line.
func (c *common) hint(format string, args ...any) {
	fmt.Fprintf(c.stderr, "strata: hint: %s\n", escape.String(fmt.Sprintf(format, args...)))
}

// render gives table options with the stable layout; renderFor fits tables to stdout when it
// is a terminal.
func (c *common) render() render.Options {
	return render.Options{NoTrunc: c.noTrunc, Quiet: c.quiet, Null: c.null}
}

// renderFor is render fitted to stdout when it is a terminal (and --no-trunc is not given):
// COLUMNS when set to a number, else the terminal's width.
func (c *common) renderFor(stdout io.Writer) render.Options {
	o := c.render()
	fd, tty := terminal(stdout)
	if !tty || c.noTrunc {
		return o
	}
	width := 80
	if w, _, err := term.GetSize(fd); err == nil && w > 0 {
		width = w
	}
	o.Width = render.Width(os.Getenv("COLUMNS"), width)
	return o
}
