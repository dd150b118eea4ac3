package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/baseline"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/regfile"
	"github.com/strata-dev/strata/internal/render"
)

const baselineAbout = `Records what IMAGE is — per layer its diff_id, created_by, size, file count, a
content fingerprint that ignores timestamps, its largest files and directories; the config;
the setuid files and the hidden secret-looking files — as a small versioned JSON lock
(schema 1). 'strata check --baseline LOCK' later holds a new build against it, without the
old image. With --against LOCK nothing is written: IMAGE is held against LOCK and each
layer's class is shown (unchanged, rebuilt with identical contents, changed, grown, shrunk,
added, removed) with the config fields that changed and what the default policy fails;
exit 1 when a layer is other than unchanged or rebuilt or a config field but created changed.`

var baselineExamples = []string{
	"strata baseline app.tar > strata.lock.json",
	"docker save app:1 | strata baseline - > strata.lock.json",
	"strata baseline --base-layers 3 --write strata.lock.json app.tar",
	"strata check --baseline strata.lock.json app-next.tar",
	"strata baseline --against strata.lock.json app-next.tar",
}

func runBaseline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("baseline", "strata baseline [flags] IMAGE", stderr)
	write := fs.StringP("write", "w", "", "write the lock to `FILE` (replaced only once complete) instead of standard output")
	baseLayers := fs.Int("base-layers", -1, "record that the bottom N layers are the base image's (default: from an org.opencontainers.image.base.* LABEL row of the history, else unknown)")
	against := fs.String("against", "", "hold IMAGE against the lock `FILE` and show each layer's class instead of writing a lock")
	c.about(baselineAbout, baselineExamples...)
	c.without(fs, "quiet", "null")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if *against == "" && fs.Changed("no-trunc") {
		return &usageError{"--no-trunc applies to --against's table; a lock is written whole"}
	}
	if *against != "" {
		if *write != "" || *baseLayers >= 0 {
			return &usageError{"--against shows a comparison: --write and --base-layers do not apply"}
		}
		return compareBaseline(ctx, c, *against, args[0], stdin, stdout, stderr)
	}
	if fs.Changed("output") && c.output != "json" {
		return &usageError{fmt.Sprintf("baseline writes a JSON lock: -o %s is not an option", c.output)}
	}
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: analysis.Lock})
	if err != nil {
		return err
	}
	defer img.Close()
	if _, err := c.packages(img); err != nil { // a lock records each layer's packages
		return err
	}
	lk, err := img.Lock()
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if *baseLayers >= 0 {
		if err := lk.SetBaseLayers(*baseLayers); err != nil {
			return &usageError{"--base-layers: " + err.Error()}
		}
	}
	var b bytes.Buffer
	if err := lk.Write(&b); err != nil {
		return err
	}
	if *write == "" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	return writeFile(*write, b.Bytes())
}

// compareBaseline holds the image against the lock file under the default policy.
func compareBaseline(ctx context.Context, c *common, lockFile, arg string, stdin io.Reader, stdout, stderr io.Writer) error {
	f, err := regfile.Open(lockFile)
	if err != nil {
		return fmt.Errorf("--against: %w", err)
	}
	lk, err := baseline.Read(f, lockFile)
	f.Close()
	if err != nil {
		return err
	}
	img, err := c.open(ctx, arg, stdin, analysis.Options{Needs: analysis.Lock})
	if err != nil {
		return err
	}
	defer img.Close()
	if lk.Packages != nil { // the lock's package rules read the image's packages
		if _, err := c.packages(img); err != nil {
			return err
		}
	}
	cmp, err := img.CompareLock(lk, baseline.Policy{})
	if err != nil {
		return fmt.Errorf("%s: %w", arg, err)
	}
	for _, w := range cmp.Warnings {
		fmt.Fprintf(stderr, "strata: warning: %s\n", escape.String(w))
	}
	if c.output == "json" {
		err = render.JSON(stdout, cmp)
	} else {
		err = render.Baseline(stdout, cmp, c.renderFor(stdout))
	}
	if err != nil {
		return err
	}
	for _, lc := range cmp.Layers {
		if lc.Class != baseline.Unchanged && lc.Class != baseline.Rebuilt {
			return errDifferent
		}
	}
	for _, ch := range cmp.Config {
		if ch.Field != "created" {
			return errDifferent
		}
	}
	return nil
}

// writeFile replaces name with data through a temporary file in the same directory, so
// that name is never left half-written.
func writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
