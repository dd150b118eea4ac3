package load

import (
	"errors"
	"fmt"

	"github.com/strata-dev/strata/internal/escape"
)

// Classes of bad input, checked with errors.Is.
var (
	ErrUnknownFormat = errors.New("unknown format")
	ErrTruncated     = errors.New("truncated")
	ErrCorrupt       = errors.New("corrupt")
	ErrMissing       = errors.New("missing")
	ErrMalformed     = errors.New("malformed")
	ErrAmbiguous     = errors.New("ambiguous")
	ErrNoMatch       = errors.New("no such image")
	ErrLimit         = errors.New("limit exceeded")
	ErrLinkLoop      = errors.New("link loop")
)

// Error is bad input, located: the file and (when known) the archive member or layer entry.
type Error struct {
	File   string // the input as the user named it
	Member string // archive member, e.g. "blobs/sha256/ab…" or "3f…/layer.tar"
	Entry  string // entry inside a layer, when the fault is there
	Err    error
	Hint   string // optional advice, printed as "strata: hint: …"
}

// Error reads "FILE: MEMBER: entry ENTRY: what"; the wrapped error already names the
// member and entry, when there are any. Names come from the input: control characters are
// escaped, so a message is always one line an archive cannot forge more lines into.
func (e *Error) Error() string { return escape.String(fmt.Sprintf("%s: %v", e.File, e.Err)) }

func (e *Error) Unwrap() error { return e.Err }

// limitError is an ErrLimit that knows which --limit key raises it.
type limitError struct {
	key string
	max int64
	msg string
	at  int64 // for decompression limits: bytes inflated when the limit fired
}

func (e *limitError) Error() string        { return ErrLimit.Error() + ": " + e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

func limitErr(key string, max int64, format string, args ...any) error {
	return &limitError{key: key, max: max, msg: fmt.Sprintf(format, args...)}
}
