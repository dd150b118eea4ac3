package load

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorEscapesNames: an error line names the input and its members, which come from the
// archive: control characters, bidi overrides and invalid UTF-8 are escaped as in a table
// (escape.String), so a name cannot forge a second line nor reorder the one it is in.
func TestErrorEscapesNames(t *testing.T) {
	e := &Error{File: "evil\u202eraT.tar", Err: errors.New("blobs/sha256/x\nstrata: error: forged\xff: corrupt")}
	got := e.Error()
	want := `evil\u202eraT.tar: blobs/sha256/x\u000astrata: error: forged\xff: corrupt`
	if got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if strings.ContainsAny(got, "\n\u202e") {
		t.Errorf("Error() keeps a raw newline or override: %q", got)
	}
}
