package cli

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests in this file compare `strata diff IMAGE EXPORT` with `podman diff` and `docker
// diff` on real containers that deleted what their image's top layer added, deleted and
// recreated directories, or deleted most of the image (testdata/ctrdiff, made by
// testdata/ctrdiff/make-fixtures.sh with podman 4.3 on vfs and overlay storage and Docker
// 20.10 on vfs).

func ctrdiff(name string) string { return filepath.Join("testdata", "ctrdiff", name) }

var ctrdiffEngines = []string{"podman-vfs", "podman-overlay", "docker"}

// No export of a container of the image is refused, whatever the container deleted, and the
// changes are the engine's `diff`, entry for entry. The one exception is the overlay driver's
// report of a directory deleted and recreated: overlay stores it as an opaque directory and
// podman (containers/storage's overlay changes, read from the upper layer) reports it "D dir"
// with its new children "A", where vfs and Docker's naive diff report the directory "C", its
// old children "D" and its new ones "A". The two exports are the same entries (checked here),
// so no reader of an export can tell them apart: strata reports what the export shows, the
// naive diff.
func TestContainerExportsMatchEngineDiff(t *testing.T) {
	for _, e := range ctrdiffEngines {
		for _, c := range []string{"rmtop", "recreate", "subrecreate", "wipe"} {
			t.Run(e+"/"+c, func(t *testing.T) {
				out, stderr, err := strataRun(t, nil, "diff", "-q", ctrdiff(e+".top.tar.gz"), ctrdiff(e+"."+c+".export.tar.gz"))
				if err != nil && !errors.Is(err, errDifferent) {
					t.Fatalf("refused: %v\n%s", err, stderr)
				}
				got := strings.Split(strings.TrimSpace(out), "\n")
				sort.Strings(got)
				engine := e
				if e == "podman-overlay" && (c == "recreate" || c == "subrecreate") {
					engine = "podman-vfs" // see above
					if diff := cmp.Diff(exportShape(t, ctrdiff("podman-vfs."+c+".export.tar.gz")), exportShape(t, ctrdiff(e+"."+c+".export.tar.gz"))); diff != "" {
						t.Errorf("the vfs and overlay exports differ (-vfs +overlay):\n%s", diff)
					}
				}
				if diff := cmp.Diff(readLines(t, ctrdiff(engine+"."+c+".diff.txt")), got); diff != "" {
					t.Errorf("changes (-%s diff +strata):\n%s", engine, diff)
				}
				if c == "rmtop" && !strings.Contains(stderr, "strata: warning: the export lacks all 2 files that layer 2 of the image") {
					t.Errorf("no warning that the export lacks the top layer's files:\n%s", stderr)
				}
			})
		}
	}
}

// exportShape lists an export's entries without their times: path, type, mode, owner, size.
func exportShape(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %c %o %d:%d %d %s", h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Size, h.Linkname))
	}
}

// A sibling image (the same base, another top layer) against those exports: refused when the
// export has what the sibling's layer deleted exactly as the base shipped it (its /etc/group),
// stating it; compared, with a warning, when the sibling only added a directory of its own,
// which a container could have deleted.
func TestContainerExportsAgainstSiblings(t *testing.T) {
	for _, e := range ctrdiffEngines {
		t.Run(e, func(t *testing.T) {
			for _, c := range []string{"rmtop", "recreate", "subrecreate", "wipe"} {
				exp := ctrdiff(e + "." + c + ".export.tar.gz")
				out, _, err := strataRun(t, nil, "diff", ctrdiff(e+".sibling.tar.gz"), exp)
				if !strings.Contains(fmtErr(err), "it has /etc/group exactly as layer 0 shipped it (file, 10 bytes, mode 0644, modified 2023-11-14T22:13:20Z), which layer 1 deleted") || out != "" {
					t.Errorf("%s against sibling: err = %v, want a refusal naming /etc/group", c, err)
				}
				_, stderr, err := strataRun(t, nil, "diff", ctrdiff(e+".sibling2.tar.gz"), exp)
				if !errors.Is(err, errDifferent) || !strings.Contains(stderr, "the export lacks the one file that layer 1 of the image") {
					t.Errorf("%s against sibling2: err = %v, stderr %q; want the changes and a warning", c, err, stderr)
				}
			}
		})
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
