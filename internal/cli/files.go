package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/render"
)

func runFiles(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("files", "strata files [flags] IMAGE [PATH...]", stderr)
	c.about("List the files of an image's merged filesystem (or of one layer, as stored), optionally only under the given paths.",
		"strata files app.tar",
		"strata files app.tar /etc /usr/local/bin",
		"strata files --tree --depth 2 app.tar  # du-like sizes per directory",
		"strata files --sort size app.tar | head",
		"strata files --layer 3 -o json app.tar.gz",
		"strata files --hash sha256 app.tar",
		"strata files -q0 app.tar | xargs -0 printf '%s\\n'")
	layer := fs.Int("layer", -1, "list one layer's raw entries as stored (0 is the base layer)")
	hashAlg := fs.String("hash", "", "add each regular file's content digest, computed with `alg`: "+strings.Join(content.Algorithms, ", "))
	sortBy := fs.String("sort", "path", "order by `key`: path (a directory's contents follow it) or size (largest first)")
	tree := fs.Bool("tree", false, "print an indented tree with the sizes of each directory's contents summed (like du)")
	depth := fs.Int("depth", -1, "show at most `n` levels below each PATH (or below /); with --tree, deeper sizes still count")
	args, err := parseArgs(fs, c, args, 1, -1)
	if err != nil {
		return err
	}
	if *hashAlg != "" {
		if _, err := content.NewHash(*hashAlg); err != nil {
			return &usageError{"--hash: " + err.Error()}
		}
	}
	if *sortBy != "path" && *sortBy != "size" {
		return &usageError{fmt.Sprintf("--sort %q: want path or size", escape.String(*sortBy))}
	}
	if fs.Changed("depth") && *depth < 0 {
		return &usageError{fmt.Sprintf("--depth %d: want 0 or more", *depth)}
	}
	if *tree && c.quiet {
		return &usageError{"--tree and -q do not go together: -q lists paths only"}
	}
	roots := rootsOf(args[1:])
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: analysis.Files, FileHash: *hashAlg})
	if err != nil {
		return err
	}
	defer img.Close()
	var list []files.File
	if fs.Changed("layer") {
		if n := len(img.Image().Layers); *layer < 0 || *layer >= n {
			return &usageError{fmt.Sprintf("--layer %d: the image has layers 0 to %d", *layer, n-1)}
		}
		list, err = img.LayerFiles(*layer)
	} else {
		list, err = img.Files()
	}
	if err != nil {
		return err
	}
	list, missing := files.Under(list, roots)
	if len(missing) > 0 {
		where := "the image"
		if fs.Changed("layer") {
			where = fmt.Sprintf("layer %d", *layer)
		}
		return fmt.Errorf("%s: %s: no such path in %s", args[0], missing[0], where)
	}
	if *tree {
		rows := files.Tree(list, roots, *depth, *sortBy == "size")
		if c.output == "json" {
			return render.JSONList(stdout, "tree", rows)
		}
		return render.Tree(stdout, rows, c.renderFor(stdout))
	}
	if *depth >= 0 {
		list = files.MaxDepth(list, roots, *depth)
	}
	if *sortBy == "size" {
		files.SortBySize(list)
	}
	if c.output == "json" {
		return render.JSONList(stdout, "files", list)
	}
	return render.Files(stdout, list, c.renderFor(stdout))
}

// rootsOf cleans path arguments and drops those inside another.
func rootsOf(args []string) []string {
	var clean []string
	for _, a := range args {
		clean = append(clean, files.CleanPath(a))
	}
	var out []string
	for i, p := range clean {
		inner := false
		for j, q := range clean {
			if i != j && (q == "/" || strings.HasPrefix(p, q+"/") || (p == q && j < i)) {
				inner = true
				break
			}
		}
		if !inner {
			out = append(out, p)
		}
	}
	return out
}
