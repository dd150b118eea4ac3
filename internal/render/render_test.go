package render

import (
	"bytes"
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
		if err := JSON(&want, items); err != nil {
			t.Fatal(err)
		}
		if err := JSONList(&got, items); err != nil {
			t.Fatal(err)
		}
		if items == nil {
			want.Reset()
			want.WriteString("[]\n") // a missing list is still a list in the contract
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%v (-JSON +JSONList):\n%s", items, diff)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 1234567: "1.235MB", 5_580_000: "5.58MB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
