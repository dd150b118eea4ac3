package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// Shell completion is cobra's: `strata completion SHELL` prints cobra's script for the
// shell, and the script asks `strata __complete WORDS…` (cobra's protocol) what may follow.
// Commands run as they always did (their own flag sets, help and errors); cobra is handed a
// tree of the same commands with the same flag sets, learnt by running each command with a
// flagCapture as its stderr, and answers with the values below: commands, flags, fixed
// values (formats, algorithms, limit keys) and, read from the archive already on the command
// line, its tags (--image), platforms (--platform), layers (--layer) and paths (cat, files).

// completeTimeout bounds what a completion may spend reading an archive.
const completeTimeout = 10 * time.Second

const completionSynopsis = `strata completion SHELL

Prints a script that completes strata's commands and flags in SHELL (bash, zsh, fish or
powershell), and values read from the archive already typed: its tags (for --image), its
platforms (for --platform), its layers (for --layer), and the paths of cat and files
(strata cat app.tar /etc/<TAB>). Only local archives are read: a registry reference is
never fetched on TAB.

Examples:
  source <(strata completion bash)     # in ~/.bashrc (needs bash-completion)
  strata completion zsh > "${fpath[1]}/_strata"
  strata completion fish > ~/.config/fish/completions/strata.fish
  strata completion powershell > strata.ps1   # dot-source it in $PROFILE`

// shells are the scripts `strata completion` writes.
var shells = map[string]func(root *cobra.Command, w io.Writer) error{
	"bash":       func(r *cobra.Command, w io.Writer) error { return r.GenBashCompletionV2(w, true) },
	"zsh":        func(r *cobra.Command, w io.Writer) error { return r.GenZshCompletion(w) },
	"fish":       func(r *cobra.Command, w io.Writer) error { return r.GenFishCompletion(w, true) },
	"powershell": func(r *cobra.Command, w io.Writer) error { return r.GenPowerShellCompletionWithDesc(w) },
}

func runCompletion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("completion", completionSynopsis, stderr)
	c.without(fs, "output", "no-trunc", "quiet", "null", "no-progress", "image", "platform", "limit", "insecure", "timeout", "retries", "cache")
	args, err := parse(fs, c, args, -1)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return &usageError{fmt.Sprintf("completion takes one shell name (bash, zsh, fish or powershell), got %d argument(s)", len(args))}
	}
	gen, ok := shells[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("completion %q: want bash, zsh, fish or powershell", args[0])}
	}
	root, err := completionTree(ctx)
	if err != nil {
		return err
	}
	return gen(root, stdout)
}

// runComplete answers a completion script's `strata __complete WORDS…` (or
// __completeNoDesc) with cobra, on stdout.
func runComplete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root, err := completionTree(ctx)
	if err != nil {
		return err
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(io.Discard)
	return root.ExecuteContext(ctx)
}

// flagCapture is the stderr a command runs with to learn its flags: parse records the flag
// set and the common options and returns errFlagsCaptured before anything is read.
type flagCapture struct {
	io.Writer
	fs *pflag.FlagSet
	c  *common
}

var errFlagsCaptured = errors.New("flags captured")

// flagsOf returns command name's flag set, as the command defines it.
func flagsOf(ctx context.Context, name string) (*pflag.FlagSet, *common, error) {
	fc := &flagCapture{Writer: io.Discard}
	err := commands[name](ctx, nil, nil, io.Discard, fc)
	if !errors.Is(err, errFlagsCaptured) {
		return nil, nil, fmt.Errorf("completion: the flags of %s: %v", name, err)
	}
	return fc.fs, fc.c, nil
}

// completionTree is strata's commands as cobra sees them for completion.
func completionTree(ctx context.Context) (*cobra.Command, error) {
	root := &cobra.Command{
		Use: "strata", Short: "inspect and diff container images without a daemon", Version: Version,
		SilenceErrors: true, SilenceUsage: true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.AddCommand(&cobra.Command{Use: "version", Short: "print strata's version", Run: func(*cobra.Command, []string) {}})
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fs, c, err := flagsOf(ctx, name)
		if err != nil {
			return nil, err
		}
		fs.VisitAll(func(f *pflag.Flag) { f.Usage = strings.ReplaceAll(f.Usage, "`", "") })
		cmd := &cobra.Command{
			Use: name, Short: shortHelp(name), Run: func(*cobra.Command, []string) {},
			ValidArgsFunction: argsCompleter(name, fs),
		}
		cmd.Flags().AddFlagSet(fs)
		registerFlagCompletions(cmd, name, fs, c)
		root.AddCommand(cmd)
	}
	return root, nil
}

// shortHelp is what strata's usage says of a command, on one line.
func shortHelp(name string) string {
	var said []string
	in := false
	for _, l := range strings.Split(usage, "\n") {
		switch {
		case strings.HasPrefix(l, "  strata "+name+" "):
			in = true
			if i := strings.Index(l, "   "); i >= 0 {
				said = append(said, strings.TrimSpace(l[i:]))
			}
		case in && strings.HasPrefix(l, "                           "):
			said = append(said, strings.TrimSpace(l))
		default:
			in = false
		}
	}
	return strings.Join(said, " ")
}

func registerFlagCompletions(cmd *cobra.Command, name string, fs *pflag.FlagSet, c *common) {
	fixed := func(flag string, values ...string) {
		if fs.Lookup(flag) != nil {
			cmd.RegisterFlagCompletionFunc(flag, prefixed(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	dynamic := func(flag string, f cobra.CompletionFunc) {
		if fs.Lookup(flag) != nil {
			cmd.RegisterFlagCompletionFunc(flag, f)
		}
	}
	switch {
	case c.outputFile: // report -o FILE: the shell completes file names
	case c.formats != nil:
		fixed("output", c.formats...)
	default:
		fixed("output", "table", "json")
	}
	fixed("hash", content.Algorithms...)
	fixed("sort", "path", "size")
	for _, f := range []string{"depth", "base-layers", "timeout", "retries"} {
		fixed(f)
	}
	keys := make([]string, 0, len(load.LimitKeys()))
	for _, k := range load.LimitKeys() {
		keys = append(keys, k+"=")
	}
	cmd.RegisterFlagCompletionFunc("limit", prefixed(keys, cobra.ShellCompDirectiveNoSpace|cobra.ShellCompDirectiveNoFileComp))
	dynamic("image", imageCompleter(func(args []string) []string { return args }))
	dynamic("old-image", imageCompleter(func(args []string) []string { return args[:min(len(args), 1)] }))
	dynamic("new-image", imageCompleter(func(args []string) []string { return args[min(len(args), 1):] }))
	dynamic("platform", platformCompleter)
	dynamic("layer", layerCompleter)
	dynamic("container", containerCompleter)
}

// containerCompleter completes --container with the names and IDs (12 digits) of the
// containers of the data root on the command line, each described by its image and state.
func containerCompleter(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if fi, err := os.Stat(args[0]); err != nil || !fi.IsDir() {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completeTimeout)
	defer cancel()
	rows, err := analysis.Containers(ctx, args[0], analysis.Options{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, c := range rows {
		desc := strings.TrimSpace(c.Image + " " + c.State)
		for _, v := range []string{c.Name, c.ID[:min(len(c.ID), 12)]} {
			if v != "" && strings.HasPrefix(v, toComplete) && completable(v) {
				out = append(out, cobra.CompletionWithDesc(v, desc))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// prefixed completes with the values that start with what is typed.
func prefixed(values []string, d cobra.ShellCompDirective) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, d
	}
}

// maxImageArgs is how many image arguments each command takes (the rest of cat's and files'
// arguments are paths).
var maxImageArgs = map[string]int{"diff": 2, "explore": 2, "report": 2}

// argsCompleter completes a command's arguments: image arguments are file names (the
// shell's own completion); cat's and files' paths are read from the archive.
func argsCompleter(name string, fs *pflag.FlagSet) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case name == "completion" && len(args) == 0:
			return prefixed([]string{"bash", "zsh", "fish", "powershell"}, cobra.ShellCompDirectiveNoFileComp)(cmd, args, toComplete)
		case name == "completion":
			return nil, cobra.ShellCompDirectiveNoFileComp
		case len(args) < max(maxImageArgs[name], 1):
			return nil, cobra.ShellCompDirectiveDefault
		case name == "files" || (name == "cat" && len(args) == 1):
			return pathCompletions(cmd.Context(), name, args[0], fs, toComplete)
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// listArchive lists the images of a local archive for a completion (a registry reference
// is not fetched, standard input not read).
func listArchive(ctx context.Context, name string, o analysis.Options) ([]imageRow, bool) {
	if name == load.Stdin {
		return nil, false
	}
	if _, err := os.Stat(name); err != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	o.Layers = load.SkipLayers
	r, _, err := analysis.List(ctx, name, nil, o)
	if err != nil {
		return nil, false
	}
	out := make([]imageRow, len(r.Images))
	for i, img := range r.Images {
		out[i] = imageRow{tags: img.RepoTags, id: img.ID, platform: img.Platform}
	}
	return out, true
}

type imageRow struct {
	tags     []string
	id       string
	platform string
}

// imageCompleter completes --image (and --old-image, --new-image) with the tags of the
// archives args picks, each described by its platform and ID; an untagged image by its ID.
func imageCompleter(archives func(args []string) []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		seen := map[string]bool{}
		var out []cobra.Completion
		add := func(v, desc string) {
			if !seen[v] && strings.HasPrefix(v, toComplete) && completable(v) {
				seen[v] = true
				out = append(out, cobra.CompletionWithDesc(v, desc))
			}
		}
		for _, a := range archives(args) {
			rows, _ := listArchive(cmd.Context(), a, analysis.Options{})
			for _, r := range rows {
				id := strings.TrimPrefix(r.id, "sha256:")
				short := id[:min(len(id), 12)]
				desc := strings.TrimSpace(r.platform + " " + short)
				for _, t := range r.tags {
					add(t, desc)
				}
				if len(r.tags) == 0 && short != "" {
					add(short, r.platform)
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// platformCompleter completes --platform with the platforms of the archives on the command
// line (of the image --image picks, when given), each described by its tags.
func platformCompleter(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	o := analysis.Options{}
	if f := cmd.Flags().Lookup("image"); f != nil {
		o.Image = f.Value.String()
	}
	descs := map[string][]string{}
	var order []string
	for _, a := range args {
		rows, _ := listArchive(cmd.Context(), a, o)
		for _, r := range rows {
			if r.platform == "" || !strings.HasPrefix(r.platform, toComplete) {
				continue
			}
			if _, ok := descs[r.platform]; !ok {
				order = append(order, r.platform)
			}
			descs[r.platform] = append(descs[r.platform], r.tags...)
		}
	}
	out := make([]cobra.Completion, 0, len(order))
	for _, p := range order {
		out = append(out, cobra.CompletionWithDesc(p, strings.Join(descs[p], ", ")))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// openForCompletion opens a local archive with the command's --image and --platform,
// reading layer headers only; nothing for standard input or a registry reference.
func openForCompletion(ctx context.Context, archive string, fs *pflag.FlagSet) (*analysis.Image, func(), bool) {
	if archive == load.Stdin {
		return nil, nil, false
	}
	if _, err := os.Stat(archive); err != nil {
		return nil, nil, false
	}
	o := analysis.Options{Needs: analysis.Content}
	if f := fs.Lookup("image"); f != nil {
		o.Image = f.Value.String()
	}
	if f := fs.Lookup("platform"); f != nil && f.Value.String() != "" {
		p, err := load.ParsePlatform(f.Value.String())
		if err != nil {
			return nil, nil, false
		}
		o.Platform = p
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	img, err := analysis.Open(ctx, archive, nil, o)
	if err != nil {
		cancel()
		return nil, nil, false
	}
	return img, func() { img.Close(); cancel() }, true
}

// layerCompleter completes --layer with the layer indexes of the archive, each described
// by the command that made it.
func layerCompleter(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	img, done, ok := openForCompletion(cmd.Context(), args[0], cmd.Flags())
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer done()
	var out []cobra.Completion
	for i, l := range img.Image().Layers {
		if v := strconv.Itoa(i); strings.HasPrefix(v, toComplete) {
			out = append(out, cobra.CompletionWithDesc(v, oneLine(l.CreatedBy(), 60)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// pathCompletions completes a path of the archive: the entries of the directory toComplete
// names (symbolic links followed) that start with its last component, as the filesystem
// was after --layer N (files --layer N: that layer's own entries), directories ending in
// "/" and left open for the next component.
func pathCompletions(ctx context.Context, name, archive string, fs *pflag.FlagSet, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	img, done, ok := openForCompletion(ctx, archive, fs)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer done()
	dir, prefix := "", toComplete
	if i := strings.LastIndexByte(toComplete, '/'); i >= 0 {
		dir, prefix = toComplete[:i+1], toComplete[i+1:]
	}
	layers := img.Image().Layers
	layer, raw := len(layers)-1, false
	if f := fs.Lookup("layer"); f != nil && f.Changed {
		n, err := strconv.Atoi(f.Value.String())
		if err != nil || n < 0 || n >= len(layers) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		layer, raw = n, name == "files" // files --layer N lists that layer as stored
	}
	var names []string
	isDir := map[string]bool{}
	if raw {
		names, isDir = layerChildren(layers[layer], path.Clean("/"+dir))
	} else {
		tree, err := img.TreeAsOf(layer)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		n, err := tree.Resolve("/"+dir, true)
		if err != nil || !n.IsDir() {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			names = append(names, c.Name())
			if c.IsDir() {
				isDir[c.Name()] = true
			} else if c.Entry != nil && c.Entry.Type == image.TypeSymlink {
				if t, err := tree.Resolve(c.Path(), true); err == nil && t.IsDir() {
					isDir[c.Name()] = true
				}
			}
		}
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	var out []cobra.Completion
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || !completable(n) {
			continue
		}
		v := dir + n
		if isDir[n] {
			v += "/"
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		out = append(out, v)
	}
	return out, directive
}

// layerChildren lists the names one layer's entries (and the directories they imply) have
// directly below dir, and which of them are directories.
func layerChildren(l *image.Layer, dir string) ([]string, map[string]bool) {
	isDir := map[string]bool{}
	var names []string
	base := strings.TrimSuffix(dir, "/") + "/"
	for i := range l.Entries {
		e := &l.Entries[i]
		rest, ok := strings.CutPrefix(e.Path, base)
		if !ok || rest == "" {
			continue
		}
		name, below, more := strings.Cut(rest, "/")
		if _, seen := isDir[name]; !seen {
			names = append(names, name)
			isDir[name] = false
		}
		if more && below != "" || e.Type == image.TypeDir {
			isDir[name] = true
		}
	}
	sort.Slice(names, func(i, j int) bool { return fstree.ComparePaths(names[i], names[j]) < 0 })
	return names, isDir
}

// completable reports whether a name can be offered to a shell: no control characters,
// which would break the completion protocol's lines or could not be typed back.
func completable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// oneLine is s on one line, clipped to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
