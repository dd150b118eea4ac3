package check_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/testgen"
)

// evalImage writes a small image whose layers exercise the lookup and content rules: a
// symlinked directory, a symlink loop, an /etc/passwd reached through a symlink, and a key
// a later layer deletes.
func evalImage(t *testing.T) *analysis.Image {
	t.Helper()
	p := filepath.Join(t.TempDir(), "eval.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	img := testgen.Image{
		Tags:   []string{"eval:1"},
		Config: v1.Config{User: "admin"},
		Layers: []testgen.Layer{
			{Entries: []testgen.Entry{
				testgen.Dir("usr"), testgen.Dir("usr/lib"), testgen.File("usr/lib/x", "x"), testgen.File("usr/f", "up\n"),
				testgen.File("f", "root\n"), testgen.Symlink("lnk", "/usr/lib"),
				testgen.Symlink("loop1", "loop2"), testgen.Symlink("loop2", "/loop1"),
				testgen.Dir("etc"), testgen.File("etc/passwd.real", "root:x:0:0::/root:/bin/sh\nadmin:x:0:0::/:/bin/sh\n"),
				testgen.Symlink("etc/passwd", "passwd.real"),
			}},
			{Entries: []testgen.Entry{testgen.Dir("root"), testgen.File("root/id_rsa", "key")}},
			{Entries: []testgen.Entry{testgen.Whiteout("root/id_rsa")}},
		},
	}
	if err := testgen.WriteDockerArchive(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	a, err := analysis.Open(context.Background(), p, nil, analysis.Options{Needs: analysis.Inspect | analysis.Check})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func run(t *testing.T, a *analysis.Image, rules string) map[string]check.Result {
	t.Helper()
	set, err := check.ParseRules([]byte(rules), "rules.yaml", check.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Check(set, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]check.Result{}
	for _, res := range r.Results {
		out[res.Rule] = res
	}
	return out
}

// TestFileLookup: file assertions find a path as a process in the container would: a
// symbolic link in a directory is followed, and ".." after it is the target's parent (the
// kernel's answer; a lexical clean would name /f instead); a loop is an ERROR, never a pass.
func TestFileLookup(t *testing.T) {
	a := evalImage(t)
	got := run(t, a, `files:
  - path: /lnk/../f
    contains: ['^up\n']
  - path: /lnk/x
  - path: /loop1/x
  - path: /lnk
    permissions: lrwxrwxrwx
`)
	for rule, want := range map[string]check.Status{"files[0]": check.Pass, "files[1]": check.Pass, "files[2]": check.Error, "files[3]": check.Pass} {
		if res := got[rule]; res.Status != want {
			t.Errorf("%s: %s (%s), want %s", rule, res.Status, res.Reason, want)
		}
	}
	if r := got["files[2]"].Reason; !strings.Contains(r, "too many levels of symbolic links") {
		t.Errorf("the loop's reason: %q", r)
	}
}

// TestNonRootThroughSymlink: a named user is looked up in the image's /etc/passwd, read
// through its symbolic link; a name mapped to uid 0 is root.
func TestNonRootThroughSymlink(t *testing.T) {
	a := evalImage(t)
	res := run(t, a, "require_non_root_user: true\n")["require_non_root_user"]
	if res.Status != check.Fail || !strings.Contains(res.Value, "uid 0") {
		t.Errorf("require_non_root_user: %s, value %q, reason %q", res.Status, res.Value, res.Reason)
	}
}

// TestForbiddenInAnyLayer: a forbidden path a later layer deleted still ships, and fails;
// the same path named by a file assertion is absent from the final filesystem.
func TestForbiddenInAnyLayer(t *testing.T) {
	a := evalImage(t)
	got := run(t, a, `forbid_paths: ["/root/id_rsa"]
forbid_sensitive_hidden: true
files:
  - path: /root/id_rsa
    exists: false
  - path: /root/id_rsa
    exists: false
    in: any_layer
`)
	for rule, want := range map[string]check.Status{"forbid_paths": check.Fail, "forbid_sensitive_hidden": check.Fail, "files[0]": check.Pass, "files[1]": check.Fail} {
		if res := got[rule]; res.Status != want {
			t.Errorf("%s: %s (%s), want %s", rule, res.Status, res.Reason, want)
		}
	}
	if f := got["forbid_paths"].Findings; len(f) != 1 || f[0].Path != "/root/id_rsa" || f[0].Layer == nil || *f[0].Layer != 1 {
		t.Errorf("forbid_paths findings: %+v", f)
	}
}
