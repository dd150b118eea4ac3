package fstree

import (
	"errors"
	"testing"
)

// TestResolve: symlinks in directories are followed (absolute targets from the root,
// relative ones from the link's directory), the last component only when asked; ".." is the
// parent of the directory reached (after a link, the target's parent, as the kernel does),
// stopping at the root; a loop stops at MaxSymlinks; a path a layer deleted says which.
func TestResolve(t *testing.T) {
	fs := Merge(layers(
		[]string{"d /usr", "d /usr/lib", "f /usr/lib/x 3", "f /usr/y 1", "f /x 2", "l /lib -> usr/lib",
			"l /loop1 -> loop2", "l /loop2 -> /loop1", "l /up -> ../../usr/lib/x", "f /gone 1",
			"d /tree", "f /tree/a 1", "h /hard => /usr/lib/x"},
		[]string{"w /gone", "l /usr/lib/rel -> ../lib/x", "w /tree", "f /gone2 1"},
		[]string{"w /gone2"},
	))
	for _, c := range []struct {
		path   string
		follow bool
		want   string // the path of the node found, or the error's sentinel
	}{
		{"/lib/x", true, "/usr/lib/x"},
		{"/lib", false, "/lib"},
		{"/lib", true, "/usr/lib"},
		{"/up", true, "/usr/lib/x"},
		{"/lib/rel", true, "/usr/lib/x"},
		{"/lib/../y", true, "/usr/y"}, // the kernel's answer; a lexical clean gives /y
		{"/loop1", true, ErrLinkLoop.Error()},
		{"/loop1", false, "/loop1"},
		{"/loop1/x", false, ErrLinkLoop.Error()},
		{"/gone", true, ErrRemoved.Error()},
		{"/gone2", true, ErrRemoved.Error()},
		{"/tree", true, ErrRemoved.Error()},
		{"/tree/a", true, ErrNotFound.Error()}, // its directory is gone: nothing to say which layer
		{"/nope", true, ErrNotFound.Error()},
		{"/usr/lib/x/y", true, ErrNotDir.Error()},
		{"usr/./lib/../lib/x", true, "/usr/lib/x"},
		{"/../../usr//lib/x", true, "/usr/lib/x"},
		{"/", true, "/"},
		{"/hard", true, "/hard"},
	} {
		n, err := fs.Resolve(c.path, c.follow)
		got := ""
		if err != nil {
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("%s: %v is not a *LookupError", c.path, err)
			}
			got = le.Err.Error()
		} else {
			got = n.Path()
		}
		if got != c.want {
			t.Errorf("Resolve(%q, %v) = %s, want %s", c.path, c.follow, got, c.want)
		}
	}
	for p, by := range map[string]int{"/gone": 1, "/gone2": 2, "/tree": 1} {
		_, err := fs.Resolve(p, true)
		var le *LookupError
		if !errors.As(err, &le) || le.RemovedBy != by || le.LastLayer != by-1 || le.Layer != 2 {
			t.Errorf("Resolve(%q) = %v, want removed by layer %d as of layer 2", p, err, by)
		}
	}
	if want := "/gone: removed by layer 1 (--layer 0 shows the version before)"; !errorIs(fs, "/gone", want) {
		t.Errorf("Resolve(/gone) does not say %q", want)
	}
	if want := "/nope: no such file as of layer 2"; !errorIs(fs, "/nope", want) {
		t.Errorf("Resolve(/nope) does not say %q", want)
	}
}

func errorIs(fs *FS, p, msg string) bool {
	_, err := fs.Resolve(p, true)
	return err != nil && err.Error() == msg
}

// TestContent: a regular file is its own content, a hardlink its target's; a directory, a
// symlink and a dangling hardlink are errors naming the path.
func TestContent(t *testing.T) {
	fs := Merge(layers([]string{"d /d", "f /f 3", "l /l -> f", "h /h => /f", "h /dangling => /none"}))
	for p, want := range map[string]string{
		"/f": "/f", "/h": "/f", "/d": "/d: is a directory as of layer 0",
		"/l": "/l: not a regular file (symlink)", "/dangling": "/dangling: no such file as of layer 0",
	} {
		n, err := fs.Resolve(p, false)
		if err != nil {
			t.Fatal(err)
		}
		f, err := fs.Content(p, n)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = f.Entry.Path
		}
		if got != want {
			t.Errorf("Content(%s) = %s, want %s", p, got, want)
		}
	}
}
