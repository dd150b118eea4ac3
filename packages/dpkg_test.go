package packages

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDpkgMergedUsr: a list naming /bin/x counts the file a layer wrote at /usr/bin/x
// once /bin is a link to usr/bin (Debian 12's merged /usr), in the final size, per layer
// and hidden; a hardlink and its target count once.
func TestDpkgMergedUsr(t *testing.T) {
	status := stanza("coreutils", "9.1-1", "amd64", "Installed-Size: 2")
	r := ofMem(t,
		[]mem{sym("bin", "usr/bin"), dir("usr/bin"), f("var/lib/dpkg/status", status),
			f("var/lib/dpkg/info/coreutils.list", lines("/.", "/bin", "/bin/ls", "/bin/dir", "/usr/share/doc/coreutils/copyright")),
			big("usr/bin/ls", 1000), hard("usr/bin/dir", "usr/bin/ls"), big("usr/share/doc/coreutils/copyright", 50)},
		[]mem{big("usr/bin/ls", 1200), whiteout("usr/share/doc/coreutils")},
	)
	p := find(r, Deb, "coreutils")
	if p == nil {
		t.Fatal("no coreutils")
	}
	// Final: /bin/ls → /usr/bin/ls (1200, layer 1); /bin/dir → the hardlink to layer 0's ls.
	want := map[string]any{"size": int64(2200), "files": 2, "hidden": int64(1050), "hiddenFiles": 2,
		"layers": []LayerSize{{Layer: 0, Size: 1050, Files: 2}, {Layer: 1, Size: 1200, Files: 1}}, "installed": int64(2048)}
	got := map[string]any{"size": *p.Size, "files": *p.Files, "hidden": p.HiddenSize, "hiddenFiles": p.HiddenFiles,
		"layers": p.LayerSizes, "installed": *p.InstalledSize}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r.Layers[1].Changes[0].Kind != KindFiles || r.Layers[1].Size != 1200 {
		t.Errorf("layer 1: %+v", r.Layers[1])
	}
}

// TestDpkgDiversions: a path another package diverted is counted where the diversion put
// it; the diverting package keeps the original path.
func TestDpkgDiversions(t *testing.T) {
	status := stanza("dash", "0.5.12-2", "amd64") + stanza("other", "1.0", "amd64")
	r := ofMem(t, []mem{
		f("var/lib/dpkg/status", status),
		f("var/lib/dpkg/diversions", lines("/bin/sh", "/bin/sh.distrib", "dash")),
		f("var/lib/dpkg/info/dash.list", lines("/bin/sh")),
		f("var/lib/dpkg/info/other.list", lines("/bin/sh")),
		big("bin/sh", 10), big("bin/sh.distrib", 20),
	})
	if d, o := find(r, Deb, "dash"), find(r, Deb, "other"); *d.Size != 10 || *o.Size != 20 {
		t.Errorf("dash %d, other %d; want 10 and 20", *d.Size, *o.Size)
	}
}

// TestDpkgLifecycle: a package removed (config-files left) and installed again counts from
// the reinstall; a multi-arch package's lists carry the architecture; deleting the
// database removes everything it stated.
func TestDpkgLifecycle(t *testing.T) {
	s0 := stanza("a", "1.0", "amd64") + stanza("libx", "2.0", "amd64", "Multi-Arch: same") + stanza("libx", "2.0", "i386", "Multi-Arch: same")
	s1 := "Package: a\nStatus: deinstall ok config-files\nVersion: 1.0\nArchitecture: amd64\n\n" + stanza("libx", "2.0", "amd64") + stanza("libx", "2.0", "i386")
	s2 := stanza("a", "1.1", "amd64") + stanza("libx", "2.0", "amd64") + stanza("libx", "2.0", "i386")
	r := ofMem(t,
		[]mem{f("var/lib/dpkg/status", s0), f("var/lib/dpkg/info/a.list", lines("/a")), big("a", 5),
			f("var/lib/dpkg/info/libx:amd64.list", lines("/usr/lib/x86_64/libx.so")), big("usr/lib/x86_64/libx.so", 7),
			f("var/lib/dpkg/info/libx:i386.list", lines("/usr/lib/i386/libx.so")), big("usr/lib/i386/libx.so", 9)},
		[]mem{f("var/lib/dpkg/status", s1), whiteout("var/lib/dpkg/info/a.list"), whiteout("a")},
		[]mem{f("var/lib/dpkg/status", s2), f("var/lib/dpkg/info/a.list", lines("/a")), big("a", 6)},
		[]mem{whiteout("var/lib/dpkg")},
	)
	var kinds []string
	for _, l := range r.Layers {
		for _, c := range l.Changes {
			kinds = append(kinds, c.Kind+" "+c.Name+":"+c.Arch+" "+c.Version)
		}
	}
	got := strings.Join(kinds, "\n")
	for _, w := range []string{"installed libx:i386 2.0", "removed a:amd64 ", "installed a:amd64 1.1"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if len(r.Packages) != 0 {
		t.Errorf("packages after the database was deleted: %+v", r.Packages)
	}
	// a's first install (5 bytes, hidden by layer 1) and reinstall (6, hidden when… never:
	// the database went, the file stays) both count for the one removed package.
	var a *Removed
	for i := range r.Removed {
		if r.Removed[i].Name == "a" {
			a = &r.Removed[i]
		}
	}
	if a == nil || a.Layer != 2 || a.RemovedIn != 3 || a.Version != "1.1" || a.HiddenSize != 5 {
		t.Errorf("a: %+v", a)
	}
	if r.Layers[0].Size != 21 {
		t.Errorf("layer 0 package bytes %d, want 21 (libx twice and a)", r.Layers[0].Size)
	}
}

// TestDpkgMalformed: a status file that is not a control file is an error naming the file
// and line, not a partial list; a stanza without Version is skipped with a warning.
func TestDpkgMalformed(t *testing.T) {
	img := memImage([]mem{f("var/lib/dpkg/status", "Package: a\nVersion: 1\n\nthis is not a field\n")})
	_, err := Of(img, mergeOf(img), Options{})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "/var/lib/dpkg/status") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("err = %v", err)
	}
	r := ofMem(t, []mem{f("var/lib/dpkg/status", "Package: a\n\n"+stanza("b", "1", "all"))})
	if len(r.Packages) != 1 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "line 1") {
		t.Errorf("packages %+v warnings %q", r.Packages, r.Warnings)
	}
}

// TestLimits: a database over the per-file limit, and more packages than allowed, are
// errors naming the limit.
func TestLimits(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		sb.WriteString(stanza("p"+strings.Repeat("x", i), "1", "all"))
	}
	img := memImage([]mem{f("var/lib/dpkg/status", sb.String())})
	lim := DefaultLimits
	lim.MaxPackages = 10
	_, err := Of(img, mergeOf(img), Options{Limits: lim})
	var le *LimitError
	if !errors.As(err, &le) || le.Key != "packages" {
		t.Errorf("packages: %v", err)
	}
	lim = DefaultLimits
	lim.MaxFile = 100
	_, err = Of(img, mergeOf(img), Options{Limits: lim})
	if !errors.As(err, &le) || le.Key != "package-file" {
		t.Errorf("file: %v", err)
	}
	lim = DefaultLimits
	lim.MaxTotal = 100
	img2 := memImage([]mem{f("var/lib/dpkg/status", stanza("a", "1", "all"))}, []mem{f("var/lib/dpkg/status", stanza("a", "2", "all"))})
	_, err = Of(img2, mergeOf(img2), Options{Limits: lim})
	if !errors.As(err, &le) || le.Key != "package-bytes" {
		t.Errorf("total: %v", err)
	}
}

// FuzzDpkgStatus: any bytes as a status file: a list or an error, and every package it
// lists has a name and a version.
func FuzzDpkgStatus(f *testing.F) {
	f.Add([]byte(stanza("a", "1:2.3-4", "amd64", "Installed-Size: 12", "Source: b (1.0)", "Description: x\n more\n .\n end")))
	f.Add([]byte("Package: a\nStatus: deinstall ok config-files\nVersion: 1\n\n\n\n"))
	f.Add([]byte(" leading continuation\n"))
	f.Add([]byte("Package:\x00\r\nVersion: \xff\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _, err := parseDpkgStatus(b, "/var/lib/dpkg/status", DefaultLimits)
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.name == "" || p.version == "" {
				t.Fatalf("%+v", p)
			}
		}
		parseDpkgList(b, DefaultLimits)
		parseMD5sums(b, DefaultLimits)
		parseDiversions(b, DefaultLimits)
	})
}
