package escape

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path":           "plain/path",
		"evil\x1b[31mRED":      `evil\u001b[31mRED`,
		"two\nlines":           `two\u000alines`,
		"tab\there":            `tab\u0009here`,
		"bidi\u202egnp.exe":    `bidi\u202egnp.exe`,
		"isolate\u2066x\u2069": `isolate\u2066x\u2069`,
		"bad\xffutf8":          `bad\xffutf8`,
		"c1\u009bcsi":          `c1\u009bcsi`,
		"del\x7f":              `del\u007f`,
		"replacement\ufffd":    `replacement\ufffd`,
		"日本語 héllo wörld":      "日本語 héllo wörld",
		"":                     "",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := String(String(in)); got != want {
			t.Errorf("String(String(%q)) = %q, want %q", in, got, want)
		}
	}
}

// FuzzString: the result is one line of printable, valid UTF-8 and escaping is idempotent.
func FuzzString(f *testing.F) {
	for _, s := range []string{"a\nb", "\u202e", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		for _, r := range out {
			if unsafe(r) {
				t.Fatalf("String(%q) = %q keeps %U", s, out, r)
			}
		}
		if again := String(out); again != out {
			t.Fatalf("String is not idempotent on %q: %q then %q", s, out, again)
		}
	})
}
