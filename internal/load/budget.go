package load

import (
	"context"
	"errors"
	"sync/atomic"
)

// budget is the decompression allowance of one whole input, shared by every stream and
// worker reading it (an archive of many small bombs is refused as soon as they inflate past
// the limits together), and the cancellation that stops every worker once one fails.
type budget struct {
	lim     Limits
	in, out atomic.Int64
	ctx     context.Context
	cancel  context.CancelCauseFunc
}

func newBudget(ctx context.Context, lim Limits) *budget {
	b := &budget{lim: lim}
	b.ctx, b.cancel = context.WithCancelCause(ctx)
	return b
}

// errStopped is the error of a worker stopped because another one failed.
var errStopped = errors.New("stopped: another layer failed")

// fail stops every other worker (the first cause wins).
func (b *budget) fail(err error) {
	if b != nil {
		b.cancel(err)
	}
}

// stopped returns errStopped (or the caller's cancellation) once the input has failed.
func (b *budget) stopped() error {
	if b == nil || b.ctx.Err() == nil {
		return nil
	}
	if err := b.ctx.Err(); errors.Is(err, context.Canceled) && context.Cause(b.ctx) != context.Canceled {
		return errStopped
	}
	return context.Cause(b.ctx)
}

// inflated adds a stream's progress (compressed bytes read, bytes inflated) and checks the
// input's totals against the limits.
func (b *budget) inflated(alg string, in, out int64) error {
	if err := b.stopped(); err != nil {
		return err
	}
	return b.lim.checkInflate(alg, b.in.Add(in), b.out.Add(out))
}
