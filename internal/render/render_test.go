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
