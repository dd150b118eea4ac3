package content

import (
	"fmt"

	"github.com/strata-dev/strata/internal/image"
)

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

// checkSparse refuses a sparse file larger than its layer's bound (Layer.MaxSparse): its
// holes are materialised as zeros, so a small archive could otherwise claim petabytes.
func checkSparse(l *image.Layer, e *image.Entry) error {
	if max := l.MaxSparse; e.Sparse && max > 0 && e.Size > max {
		return &SparseLimitError{Path: e.Path, Size: e.Size, Max: max}
	}
	return nil
}
