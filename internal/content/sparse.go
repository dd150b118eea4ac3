package content

import (
	"fmt"
	"sync/atomic"

	"github.com/strata-dev/strata/internal/image"
)

// maxSparse bounds the logical size (holes included) of a sparse file whose content is read:
// its holes are materialised as zeros, so a small archive could otherwise claim petabytes.
// 0 means no bound. load.Open sets it from its limits (--limit sparse).
var maxSparse atomic.Int64

// SetMaxSparse sets the bound on the logical size of a sparse file read.
func SetMaxSparse(n int64) { maxSparse.Store(n) }

// SparseLimitError refuses to read a sparse file larger than the bound.
type SparseLimitError struct {
	Path      string
	Size, Max int64
}

func (e *SparseLimitError) Error() string {
	return fmt.Sprintf("limit exceeded: entry %s: sparse file of %d bytes (holes included), more than %d; if the input is trusted, raise the limit with --limit sparse=N", e.Path, e.Size, e.Max)
}

// Is makes it an ErrTooLarge.
func (e *SparseLimitError) Is(target error) bool { return target == ErrTooLarge }

func checkSparse(e *image.Entry) error {
	if max := maxSparse.Load(); e.Sparse && max > 0 && e.Size > max {
		return &SparseLimitError{Path: e.Path, Size: e.Size, Max: max}
	}
	return nil
}
