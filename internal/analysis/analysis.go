// Package analysis is strata's middle stage: it opens an input once, merges its layers once,
// and computes each analysis at most once, on demand. Every command, the explorer and the
// HTML report take their results from it; none opens, merges or analyses by itself.
package analysis

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/strata-dev/strata/baseline"
	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

// Need names an analysis a caller will ask of an image. Needs are declared when the input
// is opened because a streamed input (stdin, a compressed file) passes once: what an
// analysis reads of file contents is hashed or kept as it passes, or never.
type Need uint16

const (
	// Inspect: identity, config, layers, waste (equal-size overwrites are compared by
	// content, hashed with inspect.EqualityHash while streaming).
	Inspect Need = 1 << iota
	// History: docker history.
	History
	// Files: the merged filesystem's files, or one layer's entries (Options.FileHash: their
	// digests).
	Files
	// Index: the filesystem as of every layer (explore.Index), for the explorer and the
	// report: the merge is logged.
	Index
	// Lock: the baseline lock, or a comparison with one (every file's sha256).
	Lock
	// Check: CI rules (check.Run) over inspect's report; Options.Keep names the files content
	// rules read.
	Check
	// Diff: the image is a side of a comparison (equal-size files compared by sha256).
	Diff
	// Content: files read by path as of a layer (cat).
	Content
	// RootfsDigest: a root filesystem tarball's diff_id, what docker import records (a read
	// of every byte of the tar).
	RootfsDigest
	// Packages: the software packages (packages.Of): a streamed input keeps the package
	// databases and metadata files as they pass (packages.Wants). Lock implies it: a lock
	// records each layer's packages.
	Packages
)

// Options say how to open an input and what will be asked of it.
type Options struct {
	Needs Need
	// Image and Platform pick one image of a multi-image archive or multi-platform index.
	Image    string
	Platform load.Platform
	// Container picks a container of an engine's data root (ID, unique ID prefix or name).
	Container string
	// Warn, when set, is told what the loader notices on the way that is worth a line.
	Warn     func(msg string)
	Limits   load.Limits
	Remote   load.RemoteOptions
	Progress *load.Progress // counts the input bytes read, when set
	// Verify recomputes every digest the input claims (inspect's verify block).
	Verify bool
	// Layers says which layer blobs are read (history of a registry image reads none).
	Layers load.LayerReading
	// FileHash is the digest algorithm of Files (files --hash); "" none.
	FileHash string
	// Keep names the files whose content Check's rules read.
	Keep []string
	// Inspect shapes inspect's report (--expand).
	Inspect inspect.Options
	// PackageLimits bound the package readers (the zero value: packages.DefaultLimits).
	PackageLimits packages.Limits
}

// contentHash is the digest a streamed input's files are hashed with as they pass: sha256
// when a comparison or a lock needs it (it serves inspect's equality too), else the files
// listing's algorithm, else inspect's fast one; none when no layer is read.
func (o Options) contentHash() string {
	switch {
	case o.Layers == load.SkipLayers:
		return ""
	case o.Needs&(Diff|Lock) != 0:
		return "sha256"
	case o.FileHash != "":
		return o.FileHash
	case o.Needs&(Inspect|Check|Index) != 0:
		return inspect.EqualityHash
	}
	return ""
}

// loadOptions are what the loader is told for these needs.
func (o Options) loadOptions() load.Options {
	lo := load.Options{
		Image: o.Image, Platform: o.Platform, Container: o.Container, Warn: o.Warn,
		Limits: o.Limits, Remote: o.Remote, Progress: o.Progress,
		Verify: o.Verify, Layers: o.Layers, HashFiles: o.contentHash(), Keep: o.Keep,
		RootfsDigest: o.Needs&RootfsDigest != 0,
	}
	if o.Needs&(Packages|Lock) != 0 {
		lo.KeepMatch = packages.Wants
	}
	return lo
}

// merges counts the merges made, for the tests that hold each image to one.
var merges atomic.Int64

// Image is an opened input and the analyses computed of it so far; safe for concurrent use.
type Image struct {
	Name string // the input as the user named it
	img  *image.Image
	opts Options

	merge  sync.Once
	fs     *fstree.FS
	logged *fstree.Logged // the same merge, with its log, when Index was declared

	inspectOnce sync.Once
	report      *inspect.Report
	inspectErr  error

	historyOnce sync.Once
	history     []history.Row

	indexOnce sync.Once
	index     *explore.Index

	lockOnce sync.Once
	lock     *baseline.Lock
	lockErr  error

	packagesOnce sync.Once
	packages     *packages.Report
	packagesErr  error

	asOfMu sync.Mutex
	asOf   map[int]*fstree.FS // the filesystem as of a layer below the last (cat --layer)
}

// Open reads the image name names (a file, a layout directory, load.Stdin, a registry
// reference) for the needs declared in o. Close releases it.
func Open(ctx context.Context, name string, stdin io.Reader, o Options) (*Image, error) {
	img, err := load.Open(ctx, name, stdin, o.loadOptions())
	if err != nil {
		return nil, err
	}
	return &Image{Name: name, img: img, opts: o}, nil
}

// Close releases the input.
func (a *Image) Close() error { return a.img.Close() }

// Image is the model: identity, config, layers and their entries.
func (a *Image) Image() *image.Image { return a.img }

// Tree is the merged filesystem: merged once, on first use (logged when Index was declared).
func (a *Image) Tree() *fstree.FS {
	a.merge.Do(func() {
		merges.Add(1)
		if a.opts.Needs&Index != 0 {
			a.logged = fstree.MergeLogged(a.img.Layers)
			a.fs = a.logged.FS
			return
		}
		a.fs = fstree.Merge(a.img.Layers)
	})
	return a.fs
}

// Inspect is inspect's report (computed once).
func (a *Image) Inspect() (*inspect.Report, error) {
	a.inspectOnce.Do(func() {
		a.report, a.inspectErr = inspect.Of(a.img, a.Tree(), a.opts.Inspect)
	})
	return a.report, a.inspectErr
}

// History is docker history (computed once).
func (a *Image) History() []history.Row {
	a.historyOnce.Do(func() { a.history = history.Of(a.img) })
	return a.history
}

// Files lists the merged filesystem, with Options.FileHash digests.
func (a *Image) Files() ([]files.File, error) {
	return files.Merged(a.img, a.Tree(), a.opts.FileHash)
}

// LayerFiles lists layer n's entries as stored, with Options.FileHash digests.
func (a *Image) LayerFiles(n int) ([]files.File, error) {
	if n < 0 || n >= len(a.img.Layers) {
		return nil, fmt.Errorf("%s: no layer %d", a.Name, n)
	}
	return files.Layer(a.img.Layers[n], a.opts.FileHash)
}

// Index is the filesystem as of every layer (computed once, from the logged merge); it needs
// Index declared at Open.
func (a *Image) Index() (*explore.Index, error) {
	if a.opts.Needs&Index == 0 {
		return nil, fmt.Errorf("analysis: %s: the index was not declared when the input was opened", a.Name)
	}
	a.indexOnce.Do(func() {
		a.Tree()
		a.index = explore.Of(a.img, a.logged)
	})
	return a.index, nil
}

// Browse is what the explorer and the report show of one image: inspect's report, the index
// and the history. Inspect and the index read the one merge side by side.
func (a *Image) Browse() (*inspect.Report, *explore.Index, []history.Row, error) {
	a.Tree()
	var x *explore.Index
	var xerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		x, xerr = a.Index()
	}()
	r, err := a.Inspect()
	<-done
	if err == nil {
		err = xerr
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return r, x, a.History(), nil
}

// Packages is the packages report (computed once). Errors are the readers' (a
// *packages.LimitError for a limit); the report's Warnings are for the caller to show.
func (a *Image) Packages() (*packages.Report, error) {
	a.packagesOnce.Do(func() {
		a.packages, a.packagesErr = packages.Of(a.img, a.Tree(), packages.Options{Limits: a.opts.PackageLimits})
	})
	return a.packages, a.packagesErr
}

// Lock is the baseline lock of the image, with each layer's packages (computed once).
func (a *Image) Lock() (*baseline.Lock, error) {
	a.lockOnce.Do(func() {
		a.lock, a.lockErr = baseline.Of(a.img, a.Tree())
		if a.lockErr != nil {
			return
		}
		pk, err := a.Packages()
		if err != nil {
			a.lock, a.lockErr = nil, err
			return
		}
		a.lock.SetPackages(pk)
	})
	return a.lock, a.lockErr
}

// CompareLock holds the image against a lock under a policy, its packages too when the
// lock records them (a lock without them skips the package rules).
func (a *Image) CompareLock(lk *baseline.Lock, p baseline.Policy) (*baseline.Comparison, error) {
	c, err := baseline.Compare(lk, a.img, a.Tree(), p)
	if err != nil {
		return nil, err
	}
	if err := a.comparePackages(c, lk, p); err != nil {
		return nil, err
	}
	return c, nil
}

// comparePackages adds the lock's package verdicts to c, reading the image's packages only
// when the lock records some (their warnings are the packages report's, not c's).
func (a *Image) comparePackages(c *baseline.Comparison, lk *baseline.Lock, p baseline.Policy) error {
	r := &packages.Report{}
	if lk.Packages != nil {
		var err error
		if r, err = a.Packages(); err != nil {
			return err
		}
	}
	baseline.ComparePackages(c, lk, r, p)
	return nil
}

// Check holds the image to a rule set, over inspect's report (and the packages when a rule
// asks about them).
func (a *Image) Check(set *check.Set, o check.Options) (*check.Report, error) {
	r, err := a.Inspect()
	if err != nil {
		return nil, err
	}
	in := check.Input{Image: a.img, FS: a.Tree(), Report: r}
	if set.NeedsPackages() {
		if in.Packages, err = a.Packages(); err != nil {
			return nil, err
		}
	}
	return check.Run(set, in, o)
}

// TreeAsOf is the filesystem as the image showed it after layer: the merge of the layers up
// to it (each asked layer merged once; the last layer's is Tree).
func (a *Image) TreeAsOf(layer int) (*fstree.FS, error) {
	last := len(a.img.Layers) - 1
	switch {
	case layer == last:
		return a.Tree(), nil
	case layer < 0 || layer > last:
		return nil, fmt.Errorf("%s: no layer %d", a.Name, layer)
	}
	a.asOfMu.Lock()
	defer a.asOfMu.Unlock()
	if fs, ok := a.asOf[layer]; ok {
		return fs, nil
	}
	if a.asOf == nil {
		a.asOf = map[int]*fstree.FS{}
	}
	merges.Add(1)
	fs := fstree.Merge(a.img.Layers[:layer+1])
	a.asOf[layer] = fs
	return fs, nil
}
