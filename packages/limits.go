package packages

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/units"
)

// Limits bound what reading package databases may cost: every database, metadata file and
// binary comes from the image and is untrusted.
type Limits struct {
	MaxFile      int64 // largest database or metadata file read (a larger one is an error)
	MaxTotal     int64 // database and metadata bytes read in all, every layer's version counted
	MaxPackages  int   // packages one database version may state
	MaxRecords   int   // packages all database and metadata versions state together (a database rewritten by ten layers counts ten times): what the report, its timeline and its tables cost
	MaxListPaths int   // paths one package's file list may hold
	MaxPaths     int   // paths all file lists hold together
	MaxBuffer    int64 // largest binary or archive held in memory whole (a streamed layer, a nested jar); larger ones are skipped with a warning
	MaxNesting   int   // archives inside archives (a jar in a war in an ear: 2)
	MaxZipFiles  int   // entries of one archive's central directory
}

// DefaultLimits are generous for real images and bound hostile ones.
var DefaultLimits = Limits{
	MaxFile:      256 << 20,
	MaxTotal:     2 << 30,
	MaxPackages:  1 << 20,
	MaxRecords:   250_000,
	MaxListPaths: 4 << 20,
	MaxPaths:     4 << 20,
	MaxBuffer:    64 << 20,
	MaxNesting:   3,
	MaxZipFiles:  1 << 20,
}

// ErrLimit means the input exceeds one of the Limits.
var ErrLimit = errors.New("limit exceeded")

// ErrMalformed means a package database cannot be read: what it states is unknown, so the
// report would be wrong.
var ErrMalformed = errors.New("malformed package database")

// LimitError is an ErrLimit that names its limit.
type LimitError struct {
	Key string // package-files, packages, package-bytes, …
	Max int64
	msg string
}

func (e *LimitError) Error() string        { return ErrLimit.Error() + ": " + e.msg }
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

func limitErr(key string, max int64, format string, args ...any) error {
	return &LimitError{Key: key, Max: max, msg: fmt.Sprintf(format, args...)}
}

// malformed wraps what makes a database unreadable.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// limitSetters are the Limits fields settable from the command line (`--limit KEY=N`).
var limitSetters = map[string]func(*Limits, int64){
	"package-file":    func(l *Limits, n int64) { l.MaxFile = n },
	"package-bytes":   func(l *Limits, n int64) { l.MaxTotal = n },
	"packages":        func(l *Limits, n int64) { l.MaxPackages = int(min(n, math.MaxInt32)) },
	"image-packages":  func(l *Limits, n int64) { l.MaxRecords = int(min(n, math.MaxInt32)) },
	"package-files":   func(l *Limits, n int64) { l.MaxListPaths = int(min(n, math.MaxInt32)) },
	"package-paths":   func(l *Limits, n int64) { l.MaxPaths = int(min(n, math.MaxInt32)) },
	"package-buffer":  func(l *Limits, n int64) { l.MaxBuffer = n },
	"package-nesting": func(l *Limits, n int64) { l.MaxNesting = int(min(n, 64)) },
	"zip-entries":     func(l *Limits, n int64) { l.MaxZipFiles = int(min(n, math.MaxInt32)) },
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

// Set changes one limit from "KEY=N" (0 means none). N may end in k, M, G or T (powers of
// 1024). ok is false when KEY is not one of these limits.
func (l *Limits) Set(kv string) (ok bool, err error) {
	k, v, _ := strings.Cut(kv, "=")
	set, known := limitSetters[k]
	if !known {
		return false, nil
	}
	n, err := units.ParseLimit(v)
	if err != nil {
		return true, fmt.Errorf("--limit %s: %q is not a count or size", k, v)
	}
	if n == 0 {
		n = math.MaxInt64
	}
	set(l, n)
	return true, nil
}
