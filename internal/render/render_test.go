package render

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONListEqualsJSON(t *testing.T) {
	type item struct {
		Path string `json:"path"`
		Tags []int  `json:"tags"`
	}
	for _, items := range [][]item{nil, {}, {{"/a", nil}}, {{"/a<&>", []int{1, 2}}, {"/b", []int{}}}} {
		var want, got bytes.Buffer
		doc := struct {
			Items []item `json:"items"`
		}{items}
		if doc.Items == nil {
			doc.Items = []item{} // a missing list is still a list in the contract
		}
		if err := JSON(&want, doc); err != nil {
			t.Fatal(err)
		}
		if err := JSONList(&got, "items", items); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.String(), "{\n  \"schema_version\": 1,\n") {
			t.Errorf("JSONList output does not start with the schema version:\n%s", got.String())
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%v (-JSON +JSONList):\n%s", items, diff)
		}
	}
}

func TestJSONSchemaVersion(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{struct{}{}, "{\n  \"schema_version\": 1\n}\n"},
		{struct {
			A int `json:"a"`
		}{2}, "{\n  \"schema_version\": 1,\n  \"a\": 2\n}\n"},
	} {
		var got bytes.Buffer
		if err := JSON(&got, c.v); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got.String()); diff != "" {
			t.Errorf("JSON(%#v) (-want +got):\n%s", c.v, diff)
		}
	}
	if err := JSON(io.Discard, []int{1}); err == nil {
		t.Error("JSON of a list: no error; every document must be an object")
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 1234567: "1.235MB", 5_580_000: "5.58MB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTableFit(t *testing.T) {
	header := []string{"N", "CREATED BY", "SIZE"}
	rows := [][]string{{"1", "/bin/sh -c echo a very long command indeed", "1kB"}, {"2", "short", "2B"}}
	for _, c := range []struct {
		width int
		want  string
	}{
		// Not fitted: as table.
		{0, "N   CREATED BY                                   SIZE\n1   /bin/sh -c echo a very long command indeed   1kB\n2   short                                        2B\n"},
		// 30 columns: N (1) + 3 + CREATED BY + 3 + SIZE (4) = 30 leaves 19 for CREATED BY.
		{30, "N   CREATED BY            SIZE\n1   /bin/sh -c echo a …   1kB\n2   short                 2B\n"},
		// Never narrower than minFlex (10): the table stays wider than 5.
		{5, "N   CREATED BY   SIZE\n1   /bin/sh -…   1kB\n2   short        2B\n"},
	} {
		var got bytes.Buffer
		if err := tableFit(&got, c.width, header, rows, 1); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got.String()); diff != "" {
			t.Errorf("width %d (-want +got):\n%s", c.width, diff)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path":        "plain/path",
		"evil\x1b[31mRED":   `evil\u001b[31mRED`,
		"two\nlines":        `two\u000alines`,
		"tab\there":         `tab\u0009here`,
		"bidi\u202egnp.exe": `bidi\u202egnp.exe`,
		"bad\xffutf8":       `bad\xffutf8`,
		"c1\u009bcsi":       `c1\u009bcsi`,
		"日本語 héllo wörld":   "日本語 héllo wörld",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if got := Escape(Escape(in)); got != want {
			t.Errorf("Escape(Escape(%q)) = %q, want %q", in, got, want)
		}
	}
}
