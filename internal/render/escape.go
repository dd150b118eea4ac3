package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape makes a string from an archive (a path, a link target, a history command, a label)
// safe to print on a terminal: control characters (C0 including tab and newline, DEL, C1),
// Unicode bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, which can
// reorder what a reader sees) and invalid UTF-8 are written as \xNN or \uNNNN. The result is
// one line of printable text and Escape(Escape(s)) == Escape(s).
//
// Every table cell goes through Escape (see table); code that prints archive text outside a
// table — key/value lines, -q lists, messages — must call Escape itself. Only -0/--null
// lists print names raw, NUL-terminated, for programs.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
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
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

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
