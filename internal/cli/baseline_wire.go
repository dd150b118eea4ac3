package cli

import (
	"fmt"

	"github.com/strata-dev/strata/baseline"
	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/regfile"
)

// lockBaseline holds an image against a lock read from a file: check's Baseline.
type lockBaseline struct {
	lock   *baseline.Lock
	source string          // the rules file the policy is read from, for errors
	image  *analysis.Image // the image checked (set once it is opened): its merge and packages
}

// openBaseline reads a baseline lock for check --baseline; a bad lock is an error naming
// the file, line and key (exit 2).
func openBaseline(path, rulesFile string) (*lockBaseline, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline %s: %w", path, err)
	}
	defer f.Close()
	lk, err := baseline.Read(f, path)
	if err != nil {
		return nil, err
	}
	return &lockBaseline{lock: lk, source: rulesFile}, nil
}

// Compare decodes the policy strictly into baseline.Policy and compares the opened image
// (whose model and merge img and fs are: the merge is the image's one), its packages too
// when the lock records them.
func (b *lockBaseline) Compare(img *image.Image, fs *fstree.FS, policy *check.RawNode) (*check.BaselineOutcome, error) {
	var p baseline.Policy
	if policy != nil && policy.Node != nil {
		if err := policy.Decode(b.source, &p); err != nil {
			return nil, err
		}
	}
	if b.image == nil || b.image.Image() != img {
		return nil, fmt.Errorf("--baseline: the lock is held against an image it was not opened with")
	}
	c, err := b.image.CompareLock(b.lock, p)
	if err != nil {
		return nil, err
	}
	out := &check.BaselineOutcome{Warnings: c.Warnings}
	for _, v := range c.Verdicts {
		out.Verdicts = append(out.Verdicts, check.BaselineVerdict{Rule: v.Rule, Failed: v.Failed, Skipped: v.Skipped,
			Layer: v.Layer, CreatedBy: v.CreatedBy, Message: v.Message, Paths: v.Paths})
	}
	return out, nil
}
