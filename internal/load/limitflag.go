package load

import (
	"fmt"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/units"
)

// limitSetters are the Limits fields settable from the command line (`--limit KEY=N`).
var limitSetters = map[string]func(*Limits, int64){
	"entries":       func(l *Limits, n int64) { l.MaxEntries = int(n) },
	"path-len":      func(l *Limits, n int64) { l.MaxPathLen = int(n) },
	"path-depth":    func(l *Limits, n int64) { l.MaxPathDepth = int(n) },
	"json":          func(l *Limits, n int64) { l.MaxJSON = n },
	"uncompressed":  func(l *Limits, n int64) { l.MaxUncompressed = n },
	"ratio":         func(l *Limits, n int64) { l.MaxRatio = n },
	"link-hops":     func(l *Limits, n int64) { l.MaxLinkHops = int(n) },
	"layers":        func(l *Limits, n int64) { l.MaxLayers = int(n) },
	"image-entries": func(l *Limits, n int64) { l.MaxImageEntries = int(n) },
	"images":        func(l *Limits, n int64) { l.MaxImages = int(n) },
	"sparse":        func(l *Limits, n int64) { l.MaxSparse = n },
	"path-bytes":    func(l *Limits, n int64) { l.MaxPathBytes = n },
	"cache-index":   func(l *Limits, n int64) { l.MaxCacheIndex = n },
	"yaml-depth":    func(l *Limits, n int64) { l.MaxYAMLDepth = int(n) },
	"yaml-nodes":    func(l *Limits, n int64) { l.MaxYAMLNodes = int(n) },
}

// LimitKeys lists the keys Set accepts.
func LimitKeys() []string {
	ks := make([]string, 0, len(limitSetters))
	for k := range limitSetters {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Set changes one limit from "KEY=N" (0 means no limit). N may end in k, M, G or T (powers
// of 1024).
func (l *Limits) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	set, known := limitSetters[k]
	if !ok || !known {
		return fmt.Errorf("--limit %q: want KEY=N with KEY one of %s", kv, strings.Join(LimitKeys(), ", "))
	}
	n, err := units.ParseLimit(v)
	if err != nil {
		return fmt.Errorf("--limit %s: %q is not a count or size", k, v)
	}
	set(l, n)
	return nil
}
