package analysis

import (
	"fmt"
	"io"
	"sync"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/packages"
)

// Pair is a comparison of two opened images, reusing both merges (each image's Tree): the
// diff, and for the explorer the index of the comparison (OLD as layer 0, NEW as layer 1).
type Pair struct {
	Old, New *Image
	opts     diff.Options

	diffOnce sync.Once
	result   *diff.Result
	diffErr  error

	indexOnce sync.Once
	index     *explore.Index

	packagesOnce sync.Once
	packages     *packages.Diff
	packagesErr  error
}

// Compare pairs two images opened with Diff declared (their files are compared by sha256).
func Compare(old, new *Image, o diff.Options) *Pair { return &Pair{Old: old, New: new, opts: o} }

// Diff is diff's answer (computed once; the two merges are made in parallel).
func (p *Pair) Diff() (*diff.Result, error) {
	p.diffOnce.Do(func() {
		done := make(chan struct{})
		go func() { defer close(done); p.Old.Tree() }()
		p.New.Tree()
		<-done
		p.result, p.diffErr = diff.Compare(p.Old.side(), p.New.side(), p.opts)
	})
	return p.result, p.diffErr
}

// Packages is the two images' package diff (computed once; each side's packages are its
// own, read side by side). An error is a *SideError naming the input it came from.
func (p *Pair) Packages() (*packages.Diff, error) {
	p.packagesOnce.Do(func() {
		var or *packages.Report
		var oldErr error
		done := make(chan struct{})
		go func() { defer close(done); or, oldErr = p.Old.Packages() }()
		nr, newErr := p.New.Packages()
		<-done
		switch {
		case oldErr != nil:
			p.packagesErr = &SideError{Name: p.Old.Name, Err: oldErr}
		case newErr != nil:
			p.packagesErr = &SideError{Name: p.New.Name, Err: newErr}
		default:
			p.packages = packages.Compare(or, nr)
		}
	})
	return p.packages, p.packagesErr
}

// SideError is an error of one image of a comparison, naming it.
type SideError struct {
	Name string // the input as the user named it
	Err  error
}

func (e *SideError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *SideError) Unwrap() error { return e.Err }

// Index is the comparison for browsing: OLD's merged filesystem as layer 0, NEW's as layer
// 1, marked as diff marks them; it needs the diff with every path listed (Expand).
func (p *Pair) Index() (*explore.Index, error) {
	if !p.opts.Expand {
		return nil, fmt.Errorf("analysis: the comparison's index needs every path listed (diff.Options.Expand)")
	}
	r, err := p.Diff()
	if err != nil {
		return nil, err
	}
	p.indexOnce.Do(func() { p.index = explore.OfDiff(p.Old.Tree(), p.New.Tree(), r) })
	return p.index, nil
}

// Open reads the regular file at path as of layer 0 (OLD) or 1 (NEW) of the comparison.
func (p *Pair) Open(path string, layer int) (io.ReadCloser, error) {
	x, err := p.Index()
	if err != nil {
		return nil, err
	}
	_, v, err := x.Lookup(path, layer, true)
	if err != nil {
		return nil, err
	}
	f, err := fstree.Content(path, layer, v.Entry, int(v.Layer), v.Target, int(v.TargetLayer))
	if err != nil {
		return nil, err
	}
	side := p.Old
	if layer == 1 {
		side = p.New
	}
	return openFile(side.img, f, path)
}

// side is the image as a side of diff.Compare.
func (a *Image) side() diff.Side { return diff.Side{Image: a.img, FS: a.Tree()} }

// ContainerDiff compares a container read from an engine's data root with its image, as
// the engine's own diff does (diff.Container), reading this image's merges as of the
// image's layers, of those and the init layer, and of all (each merged once).
func (a *Image) ContainerDiff(o diff.Options) (*diff.Result, error) {
	return diff.Container(a.img, a.firstLayers, o)
}

// firstLayers is the merge of the image's first n layers.
func (a *Image) firstLayers(n int) *fstree.FS {
	if n <= 0 {
		return fstree.Merge(nil)
	}
	fs, err := a.TreeAsOf(n - 1)
	if err != nil { // n past the last layer: diff.Container checks the counts first
		return a.Tree()
	}
	return fs
}
