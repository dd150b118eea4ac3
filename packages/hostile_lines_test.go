package packages

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/image"
)

// allocated is the bytes fn allocates.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestListLinesInPlace: a file list of millions of empty lines costs nothing per line (a
// slice of every line was 24 bytes a line: a 256 MB file of newlines, 6 GB).
func TestListLinesInPlace(t *testing.T) {
	data := bytes.Repeat([]byte("\n"), 8<<20)
	for name, fn := range map[string]func(){
		"list":       func() { parseDpkgList(data, DefaultLimits) },
		"md5sums":    func() { parseMD5sums(data, DefaultLimits) },
		"diversions": func() { parseDiversions(data, DefaultLimits) },
		"record":     func() { parsePyRecord(data, "/usr/lib/python3/site-packages/a-1.dist-info/RECORD", DefaultLimits) },
	} {
		if n := allocated(fn); n > 1<<20 {
			t.Errorf("%s: %d bytes allocated for %d empty lines", name, n, len(data))
		}
	}
}

// TestDiversionsBounded: more diversions than package-files is an error, not a map of
// millions.
func TestDiversionsBounded(t *testing.T) {
	lim := DefaultLimits
	lim.MaxListPaths = 10
	var b strings.Builder
	for i := range 100 {
		b.WriteString("/a" + itoa3(i) + "\n/b\n:\n")
	}
	var le *LimitError
	if _, err := parseDiversions([]byte(b.String()), lim); !errors.As(err, &le) || le.Key != "package-files" {
		t.Errorf("100 diversions, 10 allowed: %v", err)
	}
	img := memImage([]mem{f("var/lib/dpkg/diversions", b.String())})
	if _, err := Of(img, mergeOf(img), Options{Limits: lim}); !errors.As(err, &le) || !strings.Contains(err.Error(), "layer 0: /var/lib/dpkg/diversions: ") {
		t.Errorf("in an image: %v", err)
	}
}

// TestNamelessStanzasOneWarning: a million stanzas without a name are one warning, not a
// million (each was a line of stderr and a string held).
func TestNamelessStanzasOneWarning(t *testing.T) {
	dpkg := strings.Repeat("Package: a\n\n", 1000)
	_, warns, err := parseDpkgStatus([]byte(dpkg), "/var/lib/dpkg/status", DefaultLimits)
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0], "1000 stanzas have no Package or Version (the first at line 1)") {
		t.Errorf("dpkg: %v %q", err, warns[:min(3, len(warns))])
	}
	apk := strings.Repeat("A:x\n\n", 1000)
	_, warns, err = parseAPK([]byte(apk), "/lib/apk/db/installed", DefaultLimits)
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0], "1000 packages have no P: or V: (the first ending at line 2)") {
		t.Errorf("apk: %v %q", err, warns[:min(3, len(warns))])
	}
	_, warns, _ = parseAPK([]byte("A:x\n\nP:a\nV:1\n"), "/lib/apk/db/installed", DefaultLimits)
	if len(warns) != 1 || warns[0] != "/lib/apk/db/installed: package ending at line 2 has no P: or V:: skipped" {
		t.Errorf("apk, one: %q", warns)
	}
}

// TestFieldBounded: a field line longer than maxField is an error (a database) or a warning
// (metadata), not a name of hundreds of megabytes copied into every key and table.
func TestFieldBounded(t *testing.T) {
	long := strings.Repeat("a", maxField+1)
	if _, _, err := parseDpkgStatus([]byte("Package: "+long+"\nVersion: 1\n\n"), "/var/lib/dpkg/status", DefaultLimits); err == nil || !strings.Contains(err.Error(), "line 1: a field of ") {
		t.Errorf("dpkg: %v", err)
	}
	if _, _, err := parseAPK([]byte("P:"+long+"\nV:1\n"), "/lib/apk/db/installed", DefaultLimits); !errors.Is(err, ErrMalformed) {
		t.Errorf("apk: %v", err)
	}
	if p, _, err := parsePyMetadata([]byte("Name: "+long+"\nVersion: 1\n"), "/s/x-1.dist-info/METADATA"); p != nil || err == nil {
		t.Errorf("python: %v", err)
	}
	if p, w, _ := parseNPM([]byte(`{"name":"`+long+`","version":"1"}`), "/node_modules/x/package.json"); p != nil || len(w) != 1 {
		t.Errorf("npm: %q", w)
	}
	// Just within: read.
	ok := strings.Repeat("a", maxField-len("Package: "))
	if ps, _, err := parseDpkgStatus([]byte("Package: "+ok+"\nVersion: 1\n\n"), "/var/lib/dpkg/status", DefaultLimits); err != nil || len(ps) != 1 {
		t.Errorf("dpkg, within: %v", err)
	}
}

// TestRPMNotHeld: an rpm database no write-ahead log changes is parsed as it is read and
// its bytes dropped (every layer's version was held until the end: eight layers of 250 MB
// databases, 2 GB); one a log changes is held for readRPM.
func TestRPMNotHeld(t *testing.T) {
	raw, err := os.ReadFile("../testdata/packages/rpm/bdb.Packages.gz")
	if err != nil {
		t.Fatal(err)
	}
	z, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	loc := &location{path: "/var/lib/rpm/Packages", kind: kRPM}
	v := &version{loc: loc, layer: 0, until: 1}
	loc.versions = []*version{v}
	a := &analysis{lim: DefaultLimits, s: &scanned{locs: map[string]*location{loc.path: loc}}}
	if _, err := a.parse(v, data); err != nil || v.data != nil || len(v.pkgs) == 0 {
		t.Errorf("no log: %d bytes held, %d packages, %v", len(v.data), len(v.pkgs), err)
	}
	wal := &location{path: loc.path + "-wal", kind: kRPMWal}
	wal.versions = []*version{{loc: wal, layer: 0, until: 1, entry: &image.Entry{Size: 100}}}
	a.s.locs[wal.path] = wal
	v = &version{loc: loc, layer: 0, until: 1}
	if _, err := a.parse(v, data); err != nil || len(v.data) != len(data) {
		t.Errorf("with a log: %d bytes held, %v", len(v.data), err)
	}
}

// TestPathsCountedAsRead: package-paths is checked as the lists are read: 50 lists of
// 10,000 paths with 10,000 allowed stop at the second, not once all 500,000 are held.
func TestPathsCountedAsRead(t *testing.T) {
	var ms []mem
	var st, list strings.Builder
	for i := range 10_000 {
		list.WriteString("/usr/share/x/" + itoa3(i%1000) + "/" + itoa3(i/1000) + "\n")
	}
	for i := range 50 {
		name := "p" + itoa3(i)
		st.WriteString(stanza(name, "1", "all"))
		ms = append(ms, f("var/lib/dpkg/info/"+name+".list", list.String()))
	}
	ms = append(ms, f("var/lib/dpkg/status", st.String()))
	img := memImage(ms)
	lim := DefaultLimits
	lim.MaxPaths = 10_000
	var err error
	n := allocated(func() { _, err = Of(img, mergeOf(img), Options{Limits: lim}) })
	var le *LimitError
	if !errors.As(err, &le) || le.Key != "package-paths" || !strings.Contains(err.Error(), "layer 0: /var/lib/dpkg/info/p") {
		t.Errorf("%v", err)
	}
	if n > 16<<20 {
		t.Errorf("%d bytes allocated", n)
	}
}

// TestImagePackagesCountsEveryVersion: image-packages bounds the packages every database
// version states together, so a database rewritten by many layers counts each time (three
// layers rewriting a status of two packages state six), and an npm tree's package.json
// files add up with it; the error names the key, the layer and the file.
func TestImagePackagesCountsEveryVersion(t *testing.T) {
	var layers [][]mem
	for i := range 3 {
		v := string(rune('1' + i))
		layers = append(layers, []mem{f("var/lib/dpkg/status", stanza("a", v, "all")+stanza("b", v, "all"))})
	}
	img := memImage(layers...)
	lim := DefaultLimits
	lim.MaxRecords = 6
	if _, err := Of(img, mergeOf(img), Options{Limits: lim}); err != nil {
		t.Fatalf("six packages stated within a limit of 6: %v", err)
	}
	lim.MaxRecords = 5
	_, err := Of(img, mergeOf(img), Options{Limits: lim})
	var le *LimitError
	if !errors.As(err, &le) || le.Key != "image-packages" || !strings.Contains(err.Error(), "/var/lib/dpkg/status") {
		t.Errorf("six packages stated past a limit of 5: %v", err)
	}
	npm := memImage([]mem{f("var/lib/dpkg/status", stanza("a", "1", "all")),
		f("app/node_modules/x/package.json", `{"name":"x","version":"1.0.0"}`),
		f("app/node_modules/y/package.json", `{"name":"y","version":"1.0.0"}`)})
	lim.MaxRecords = 2
	if _, err := Of(npm, mergeOf(npm), Options{Limits: lim}); !errors.As(err, &le) || le.Key != "image-packages" {
		t.Errorf("a package and two npm packages past a limit of 2: %v", err)
	}
}
