package load

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestHostilePathsAreClampedAndFlagged: names that climb out of the root are reported
// clamped at the root and flagged; the usual path forms all name the same place.
func TestHostilePathsAreClampedAndFlagged(t *testing.T) {
	var buf bytes.Buffer
	err := testgen.WriteRootfs(&buf, []testgen.Entry{
		testgen.Dir("./"),
		testgen.File("../../etc/passwd", "x"),
		testgen.File("a/../../b", "y"),
		testgen.File("/abs/file", "z"),
		testgen.File("./dot/file", "w"),
		testgen.Dir("trailing/"),
		testgen.File("ok/../fine", "v"),
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Open(context.Background(), Stdin, &buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Path    string
		Escapes bool
	}
	var got []row
	for _, e := range img.Layers[0].Entries {
		got = append(got, row{e.Path, e.Escapes})
	}
	want := []row{{"/", false}, {"/etc/passwd", true}, {"/b", true}, {"/abs/file", false}, {"/dot/file", false}, {"/trailing", false}, {"/fine", false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
