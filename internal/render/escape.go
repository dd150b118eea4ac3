package render

import (
	"io"

	"github.com/strata-dev/strata/internal/escape"
)

// Escape is escape.String, the one text-safety function: every table cell goes through it
// (see table); code that prints archive text outside a table — key/value lines, -q lists,
// messages — must call it itself. Only -0/--null lists print names raw, NUL-terminated, for
// programs.
func Escape(s string) string { return escape.String(s) }

// list prints one identifier a line, escaped; with null, raw and NUL-terminated.
func list(w io.Writer, items []string, null bool) error {
	for _, s := range items {
		var err error
		if null {
			_, err = io.WriteString(w, s+"\x00")
		} else {
			_, err = io.WriteString(w, Escape(s)+"\n")
		}
		if err != nil {
			return err
		}
	}
	return nil
}
