// Package escape makes text from an archive safe to print: the one function every byte that
// reaches a terminal, a CI log or an error line passes through.
package escape

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String makes a string from an archive (a path, a link target, a history command, a label,
// an error naming any of them) safe to print on a terminal: control characters (C0
// including tab and newline, DEL, C1), Unicode bidirectional overrides and isolates
// (U+202A–U+202E, U+2066–U+2069, which can reorder what a reader sees), U+FFFD and invalid
// UTF-8 are written as \xNN or \uNNNN. The result is one line of printable text, and
// String(String(s)) == String(s).
func String(s string) string {
	clean := true
	for _, r := range s {
		if unsafe(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafe(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// unsafe reports whether a rune is written escaped.
func unsafe(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
