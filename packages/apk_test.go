package packages

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func apkFixture(t *testing.T, name string) []byte {
	b, err := os.ReadFile(fixtureDir + "apk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type apkWant struct {
	Name, Version, Arch, Origin string
	Installed                   int64
	Licenses                    []string
	Files                       []string
}

func apkGot(ps []*pkgInfo) []apkWant {
	var out []apkWant
	for _, p := range ps {
		out = append(out, apkWant{p.name, p.version, p.arch, p.source, p.installed, p.licenses, p.files})
	}
	return out
}

// TestAPKAgainstSyftFixtures: syft's apk test databases (testdata/packages/apk/fetch.sh)
// read as syft's tests expect them (syft v1.57.2, syft/pkg/cataloger/alpine): the package,
// version, architecture, origin, installed size and license; the files (syft also lists
// the F: directories as records; strata's list holds files). The license is kept as the
// database states it ("MIT BSD GPL2+"), where syft splits it in three.
func TestAPKAgainstSyftFixtures(t *testing.T) {
	for _, c := range []struct {
		file string
		want []apkWant
	}{
		// parse_apk_db_test.go TestSinglePackageDetails, testdata/single.
		{"single", []apkWant{{"musl-utils", "1.1.24-r2", "x86_64", "musl", 151552, []string{"MIT BSD GPL2+"},
			[]string{"/sbin/ldconfig", "/usr/bin/iconv", "/usr/bin/ldd", "/usr/bin/getconf", "/usr/bin/getent"}}}},
		// parse_apk_db_test.go TestSinglePackageDetails, testdata/empty-deps-and-provides.
		{"empty-deps-and-provides", []apkWant{{"alpine-baselayout-data", "3.4.0-r0", "x86_64", "alpine-baselayout", 77824, []string{"GPL-2.0-only"},
			[]string{"/etc/fstab", "/etc/group", "/etc/hostname", "/etc/hosts", "/etc/inittab", "/etc/modules", "/etc/mtab",
				"/etc/nsswitch.conf", "/etc/passwd", "/etc/profile", "/etc/protocols", "/etc/services", "/etc/shadow", "/etc/shells", "/etc/sysctl.conf"}}}},
	} {
		ps, warns, err := parseAPK(apkFixture(t, c.file), "/lib/apk/db/installed", DefaultLimits)
		if err != nil || len(warns) > 0 {
			t.Fatalf("%s: %v %v", c.file, err, warns)
		}
		if diff := cmp.Diff(c.want, apkGot(ps)); diff != "" {
			t.Errorf("%s (-syft's test +strata):\n%s", c.file, diff)
		}
	}
	// cataloger_test.go TestApkDBCataloger (testdata/multiple-1), whose packages syft's
	// authors checked with apk info in the container: name, version, license, installed size.
	ps, _, err := parseAPK(apkFixture(t, "multiple-1"), "/lib/apk/db/installed", DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]any{}
	for _, p := range ps {
		got[p.name] = [3]any{p.version, p.licenses[0], p.installed}
	}
	want := map[string][3]any{
		"bash":          {"5.2.21-r0", "GPL-3.0-or-later", int64(1396736)},
		"busybox-binsh": {"1.36.1-r15", "GPL-2.0-only", int64(8192)},
		"musl":          {"1.2.4_git20230717-r4", "MIT", int64(667648)},
		"readline":      {"8.2.1-r2", "GPL-2.0-or-later", int64(303104)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("multiple-1 (-syft's test +strata):\n%s", diff)
	}
	// cataloger_test.go Test_corruptDb: an error, not a partial list.
	if _, _, err := parseAPK(apkFixture(t, "corrupt"), "/lib/apk/db/installed", DefaultLimits); !errors.Is(err, ErrMalformed) {
		t.Errorf("corrupt: %v, want ErrMalformed", err)
	}
}

// TestAPKLayers: an apk database in two layers, the second upgrading a package and
// adding one: versions, the layer of each change, sizes from the database's file list, and
// the bytes the upgrade hid; the distro from os-release names the purls.
func TestAPKLayers(t *testing.T) {
	db1 := lines("P:musl", "V:1.2.4-r1", "A:x86_64", "L:MIT", "o:musl", "I:600", "F:lib", "R:ld-musl.so.1", "")
	db2 := lines("P:musl", "V:1.2.4-r2", "A:x86_64", "L:MIT", "o:musl", "I:700", "F:lib", "R:ld-musl.so.1", "",
		"P:zlib", "V:1.3-r0", "A:x86_64", "L:Zlib", "F:usr/lib", "R:libz.so.1", "")
	r := ofMem(t,
		[]mem{f("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"), f("lib/apk/db/installed", db1), big("lib/ld-musl.so.1", 600), f("bin/sh", "#!")},
		[]mem{f("lib/apk/db/installed", db2), big("lib/ld-musl.so.1", 700), big("usr/lib/libz.so.1", 90)},
	)
	musl, zlib := find(r, APK, "musl"), find(r, APK, "zlib")
	if musl == nil || zlib == nil {
		t.Fatalf("packages %+v", r.Packages)
	}
	if musl.Layer != 0 || musl.Changed == nil || musl.Changed.Layer != 1 || musl.Changed.OldVersion != "1.2.4-r1" || musl.Changed.Direction != "upgrade" {
		t.Errorf("musl: %+v %+v", musl, musl.Changed)
	}
	if *musl.Size != 700 || musl.HiddenSize != 600 || *musl.InstalledSize != 700 {
		t.Errorf("musl: size %d hidden %d installed %d", *musl.Size, musl.HiddenSize, *musl.InstalledSize)
	}
	if zlib.Layer != 1 || *zlib.Size != 90 || zlib.CreatedBy != "RUN layer 1" {
		t.Errorf("zlib: %+v", zlib)
	}
	if musl.PURL != "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1" {
		t.Errorf("purl %s", musl.PURL)
	}
	if l := r.Layers[1]; l.Installed != 1 || l.Upgraded != 1 || l.Size != 790 {
		t.Errorf("layer 1: %+v", l)
	}
	if r.Layers[0].UnownedSize != int64(len("#!"))+int64(len("ID=alpine\nVERSION_ID=3.19.1\n"))+int64(len(db1)) {
		t.Errorf("layer 0 unowned %d", r.Layers[0].UnownedSize)
	}
}
