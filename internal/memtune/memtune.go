// Package memtune keeps the garbage a large heap accumulates between collections in
// proportion to a fixed allowance rather than to the heap: Go's default (GOGC=100) lets a
// heap of 450 MB of metadata grow to 900 MB of RSS before collecting, which decides a large
// diff's or listing's peak memory more than the data it holds.
package memtune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Allowance is the garbage a heap may gather between collections once it is larger than
// that: below it the runtime's default applies (GOGC=100); above, GOGC shrinks so that the
// heap grows by about Allowance (and by at least a quarter of itself, MinPercent) between
// collections.
const (
	Allowance  = 64 << 20
	MinPercent = 20
)

var started atomic.Bool

// Start tunes the collector after every collection from now on, unless GOGC or GOMEMLIMIT
// is set (the user's choice stands). It is safe to call more than once.
func Start() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" || !started.CompareAndSwap(false, true) {
		return
	}
	arm()
}

// sentinel is an object only a collection frees: its finalizer runs after each one.
type sentinel struct{ _ [16]byte }

func arm() {
	s := new(sentinel)
	runtime.SetFinalizer(s, func(*sentinel) {
		tune()
		arm()
	})
}

var sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// current is the GOGC last set, to call SetGCPercent only on a change.
var current = 100

func tune() {
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if p := Percent(sample[0].Value.Uint64()); p != current {
		current = p
		debug.SetGCPercent(p)
	}
}

// Percent is the GOGC for a live heap of live bytes: 100 up to Allowance, then the share of
// the heap Allowance is, and never below MinPercent.
func Percent(live uint64) int {
	if live <= Allowance {
		return 100
	}
	return max(MinPercent, int(uint64(Allowance)*100/live))
}
