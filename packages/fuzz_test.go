package packages

import (
	"bytes"
	"os"
	"testing"
)

// Every reader of image content has a fuzz target whose seeds run in every go test; run
// one with: go test ./packages -run XXX -fuzz FuzzAPK -fuzztime 3m -fuzzminimizetime 50x

func FuzzAPK(f *testing.F) {
	for _, name := range []string{"single", "multiple-1", "corrupt", "base"} {
		if b, err := os.ReadFile(fixtureDir + "apk/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("P:a\nV:1\nR:x\nF:\nR:../../etc\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _, err := parseAPK(b, "/lib/apk/db/installed", DefaultLimits)
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.name == "" || p.version == "" {
				t.Fatalf("%+v", p)
			}
			for _, x := range p.files {
				if x == "" || x[0] != '/' {
					t.Fatalf("path %q", x)
				}
			}
		}
	})
}

func FuzzPython(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: a\n b\nClassifier: License :: OSI Approved :: MIT License\n\nbody"))
	f.Add([]byte("a,b,c\n\"x,y\",z\n../../bin/q,,\n/abs,,\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, err := parsePyMetadata(b, "/s/x-1.dist-info/METADATA")
		if err == nil && p != nil && (p.name == "" || p.version == "") {
			t.Fatalf("%+v", p)
		}
		for _, loc := range []string{"/s/x-1.dist-info/RECORD", "/s/x-1.egg-info/installed-files.txt"} {
			list, err := parsePyRecord(b, loc, DefaultLimits)
			if err != nil {
				continue
			}
			for _, x := range list {
				if x == "" || x[0] != '/' {
					t.Fatalf("path %q", x)
				}
			}
		}
	})
}

func FuzzNPM(f *testing.F) {
	f.Add([]byte(`{"name":"@a/b","version":"1.0.0","license":{"type":"MIT"},"licenses":[{"type":"X"}]}`))
	f.Add([]byte(`{"name":1}`))
	f.Add(bytes.Repeat([]byte("["), 20000))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, _ := parseNPM(b, "/n/node_modules/a/package.json")
		if p != nil && (p.name == "" || p.version == "") {
			t.Fatalf("%+v", p)
		}
	})
}

func FuzzJar(f *testing.F) {
	inner := zipOf(f, map[string][]byte{"META-INF/maven/g/a/pom.properties": []byte("groupId=g\nartifactId=a\nversion=1\n")})
	f.Add(zipOf(f, map[string][]byte{"META-INF/maven/g/b/pom.properties": []byte("groupId=g\nartifactId=b\nversion=2\n"),
		"META-INF/maven/g/b/pom.xml": []byte("<project><licenses><license><name>MIT</name></license></licenses></project>"),
		"lib/a.jar":                  inner}))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := DefaultLimits
		lim.MaxZipFiles = 1000
		lim.MaxBuffer = 1 << 20
		ps, _ := readJar(bytes.NewReader(b), int64(len(b)), "/x.jar", 0, lim)
		for _, p := range ps {
			if p.name == "" || p.version == "" {
				t.Fatalf("%+v", p)
			}
		}
	})
}

func FuzzGoBinary(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Add(append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), append([]byte("\xff Go buildinf:\x08\x02"), make([]byte, 16)...)...))
	f.Add([]byte("MZ\x90\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		readGoBinary(bytes.NewReader(b), int64(len(b)))
		scanGoBinary(onlyReader{bytes.NewReader(b)})
	})
}

func FuzzOSRelease(f *testing.F) {
	f.Add([]byte("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME='x'\n# c\n"))
	f.Fuzz(func(t *testing.T, b []byte) { parseOSRelease(b) })
}

// FuzzOf: any database contents, in any of three layers, through the whole analysis: a
// report or an error, never a panic; every package's numbers are consistent.
func FuzzOf(fz *testing.F) {
	fz.Add([]byte(stanza("a", "1", "all")), []byte("/x\n/y\n"), []byte("P:b\nV:2\nF:lib\nR:z\n"), uint8(0))
	fz.Add([]byte(stanza("a", "2", "all")+stanza("c", "1", "amd64")), []byte("/x\n"), []byte("P:b\nV:1\n"), uint8(7))
	fz.Fuzz(func(t *testing.T, status, list, apk []byte, shape uint8) {
		var layers [][]mem
		for i := 0; i < 3; i++ {
			var l []mem
			if shape&(1<<i) != 0 {
				l = append(l, f("var/lib/dpkg/status", string(status)), f("var/lib/dpkg/info/a.list", string(list)), big("x", int64(i+1)))
			} else {
				l = append(l, f("lib/apk/db/installed", string(apk)), big("lib/z", int64(i+10)))
			}
			if shape&(8<<i) != 0 {
				l = append(l, whiteout("var/lib/dpkg"), sym("lib", "usr/lib"))
			}
			layers = append(layers, l)
		}
		img := memImage(layers...)
		r, err := Of(img, mergeOf(img), Options{})
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Size != nil && *p.Size < 0 || p.HiddenSize < 0 || p.Layer < 0 || p.Layer > 2 || p.Changed != nil && p.Changed.Layer <= p.Layer {
				t.Fatalf("%+v", p)
			}
		}
	})
}
