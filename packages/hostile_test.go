package packages

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// TestHostile: what an image can do to the readers ends in an error or a warning, within
// the limits, never a hang or a panic.
func TestHostile(t *testing.T) {
	// Directory symlinks in a loop: the list's path resolves to nothing, not forever.
	r := ofMem(t, []mem{sym("a", "b"), sym("b", "a"), f("var/lib/dpkg/status", stanza("x", "1", "all")),
		f("var/lib/dpkg/info/x.list", lines("/a/file", "/b/c/d/file"))})
	if p := find(r, Deb, "x"); p == nil || *p.Size != 0 {
		t.Errorf("loop: %+v", p)
	}
	// A file list longer than allowed.
	lim := DefaultLimits
	lim.MaxListPaths = 3
	img := memImage([]mem{f("lib/apk/db/installed", "P:a\nV:1\nF:x\nR:1\nR:2\nR:3\nR:4\n")})
	_, err := Of(img, mergeOf(img), Options{Limits: lim})
	var le *LimitError
	if !errors.As(err, &le) || le.Key != "package-files" {
		t.Errorf("list: %v", err)
	}
	// All file lists together over the limit.
	lim = DefaultLimits
	lim.MaxPaths = 3
	img = memImage([]mem{f("var/lib/dpkg/status", stanza("x", "1", "all")+stanza("y", "1", "all")),
		f("var/lib/dpkg/info/x.list", lines("/1", "/2")), f("var/lib/dpkg/info/y.list", lines("/3", "/4"))})
	if _, err = Of(img, mergeOf(img), Options{Limits: lim}); !errors.As(err, &le) || le.Key != "package-paths" {
		t.Errorf("paths: %v", err)
	}
	// A jar whose central directory claims more entries than allowed: skipped, warned.
	eocd := make([]byte, 22)
	copy(eocd, "PK\x05\x06")
	binary.LittleEndian.PutUint16(eocd[10:], 60000)
	lim = DefaultLimits
	lim.MaxZipFiles = 1000
	img = memImage([]mem{f("app.jar", string(eocd))})
	r, err = Of(img, mergeOf(img), Options{Limits: lim})
	if err != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "60000 entries, more than 1000") {
		t.Errorf("zip: %v %q", err, r.Warnings)
	}
	// A hardlink to itself and a status file that is a hardlink to a missing file.
	r = ofMem(t, []mem{hard("var/lib/dpkg/status", "var/lib/dpkg/status"), hard("lib/apk/db/installed", "nowhere")})
	if len(r.Packages) != 0 {
		t.Errorf("self link: %+v", r.Packages)
	}
	// Deeply nested node_modules: each level one package.
	var ms []mem
	p := "app"
	for i := 0; i < 200; i++ {
		p += "/node_modules/m"
		ms = append(ms, f(p+"/package.json", `{"name":"m","version":"1.0.`+itoa3(i)+`"}`))
	}
	r = ofMem(t, ms)
	if len(r.Packages) != 200 {
		t.Errorf("nested: %d packages", len(r.Packages))
	}
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}

// TestStreamNotKept: a streamed input's binaries it did not keep are one warning, not a
// line each; a database it did not keep is an error.
func TestStreamNotKept(t *testing.T) {
	r := ofMem(t, []mem{{path: "usr/bin/a", size: 10000, mode: 0o755}, {path: "usr/bin/b", size: 10000, mode: 0o755}, {path: "srv/x.jar", size: 10}})
	if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "3 executables and archives not read (/srv/x.jar in layer 0, /usr/bin/a in layer 0, /usr/bin/b in layer 0)") {
		t.Errorf("warnings %q", r.Warnings)
	}
	img := memImage([]mem{{path: "var/lib/dpkg/status", size: 100, mode: 0o644}})
	if _, err := Of(img, mergeOf(img), Options{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("database: %v", err)
	}
}
