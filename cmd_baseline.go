package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/baseline"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
)

const baselineAbout = `Records what IMAGE is — per layer its diff_id, created_by, size, file count, a
content fingerprint that ignores timestamps, its largest files and directories; the config;
the setuid files and the hidden secret-looking files — as a small versioned JSON lock
(schema 1). 'strata check --baseline LOCK' later holds a new build against it, without the
old image.`

var baselineExamples = []string{
	"strata baseline app.tar > strata.lock.json",
	"docker save app:1 | strata baseline - > strata.lock.json",
	"strata baseline --base-layers 3 --write strata.lock.json app.tar",
	"strata check --baseline strata.lock.json app-next.tar",
}

func runBaseline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("baseline", "strata baseline [flags] IMAGE", stderr)
	write := fs.StringP("write", "w", "", "write the lock to FILE (replaced only once complete) instead of standard output")
	baseLayers := fs.Int("base-layers", -1, "record that the bottom N layers are the base image's (default: from an org.opencontainers.image.base.* LABEL row of the history, else unknown)")
	c.about(baselineAbout, baselineExamples...)
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	if fs.Changed("output") && c.output != "json" {
		return &usageError{fmt.Sprintf("baseline writes a JSON lock: -o %s is not an option", c.output)}
	}
	img, err := c.openWith(ctx, args[0], stdin, load.Options{HashFiles: baseline.ContentHash})
	if err != nil {
		return err
	}
	defer img.Close()
	lk, err := baseline.Of(img, fstree.Merge(img.Layers))
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
