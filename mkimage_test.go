package main

import (
	"archive/tar"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/strata-dev/strata/internal/testgen"
)

// cmdMkimage is the testscript command
//
//	mkimage OUT [-rootfs] [-tag TAG]... [-layer CREATED_BY] ENTRY...
//
// which writes a docker save archive (or with -rootfs a root-filesystem tarball) to OUT.
// Each -layer starts a new layer made by CREATED_BY; ENTRY is NAME/ (a directory),
// NAME=CONTENT (a file), NAME->TARGET (a symlink), NAME=>TARGET (a hardlink) or -NAME (a
// whiteout), optionally followed by @MODE:UID:GID (octal mode). Arguments are read as Go
// string literals without the quotes, so "\x1b" and "\n" write those bytes.
func cmdMkimage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkimage OUT [-rootfs] [-tag TAG] [-layer CREATED_BY] ENTRY...")
	}
	out := ts.MkAbs(args[0])
	img := testgen.Image{}
	rootfs := false
	var cur *testgen.Layer
	unq := func(s string) string {
		u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
		if err != nil {
			ts.Fatalf("mkimage: %q: %v", s, err)
		}
		return u
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-rootfs":
			rootfs = true
			continue
		case "-tag":
			i++
			img.Tags = append(img.Tags, args[i])
			continue
		case "-layer":
			i++
			img.Layers = append(img.Layers, testgen.Layer{CreatedBy: unq(args[i])})
			cur = &img.Layers[len(img.Layers)-1]
			continue
		}
		if cur == nil {
			img.Layers = append(img.Layers, testgen.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:x in /"})
			cur = &img.Layers[0]
		}
		spec, attrs, _ := strings.Cut(a, "@")
		var e testgen.Entry
		switch {
		case strings.HasPrefix(spec, "-"):
			e = testgen.Whiteout(unq(spec[1:]))
		case strings.Contains(spec, "->"):
			n, t, _ := strings.Cut(spec, "->")
			e = testgen.Symlink(unq(n), unq(t))
		case strings.Contains(spec, "=>"):
			n, t, _ := strings.Cut(spec, "=>")
			e = testgen.Hardlink(unq(n), unq(t))
		case strings.Contains(spec, "="):
			n, c, _ := strings.Cut(spec, "=")
			e = testgen.File(unq(n), unq(c))
		case strings.HasSuffix(spec, "/"):
			e = testgen.Dir(unq(spec))
		default:
			ts.Fatalf("mkimage: entry %q: want NAME/, NAME=CONTENT, NAME->TARGET, NAME=>TARGET or -NAME", a)
		}
		if attrs != "" {
			var mode int64
			if _, err := fmt.Sscanf(attrs, "%o:%d:%d", &mode, &e.UID, &e.GID); err != nil {
				ts.Fatalf("mkimage: entry %q: want @MODE:UID:GID: %v", a, err)
			}
			e.Mode = mode
		}
		if e.Type == 0 {
			e.Type = tar.TypeReg
		}
		cur.Entries = append(cur.Entries, e)
	}
	f, err := os.Create(out)
	ts.Check(err)
	if rootfs {
		var all []testgen.Entry
		for _, l := range img.Layers {
			all = append(all, l.Entries...)
		}
		err = testgen.WriteRootfs(f, all)
	} else {
		err = testgen.WriteDockerArchive(f, img)
	}
	ts.Check(err)
	ts.Check(f.Close())
}
