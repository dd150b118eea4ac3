package sbom

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

var opts = Options{Tool: "strata", Version: "test", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}

func schemaDoc(t *testing.T, name string) any {
	t.Helper()
	f, err := os.Open("testdata/" + name + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(z)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// schemas compiles the official CycloneDX 1.6 and SPDX 2.3 schemas (testdata/fetch-schemas.sh).
func schemas(t *testing.T) (cyclone, spdx *jsonschema.Schema) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
		"http://spdx.org/rdf/terms/2.3":                    "spdx-schema-2.3.json",
	} {
		if err := c.AddResource(url, schemaDoc(t, file)); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if cyclone, err = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json"); err != nil {
		t.Fatal(err)
	}
	if spdx, err = c.Compile("http://spdx.org/rdf/terms/2.3"); err != nil {
		t.Fatal(err)
	}
	return cyclone, spdx
}

func i64(n int64) *int64 { return &n }
func iptr(n int) *int    { return &n }

// sample has a package of every ecosystem, licenses valid and not, a change, and names
// an SPDX ID cannot hold.
func sample() *packages.Report {
	return &packages.Report{
		Source: packages.Report{}.Source, ID: "sha256:" + strings.Repeat("ab", 32), RepoTags: []string{"app:1"},
		Layers: []packages.Layer{{Index: 0, DiffID: "sha256:" + strings.Repeat("01", 32), CreatedBy: "/bin/sh -c #(nop) ADD file:x in /"},
			{Index: 1, DiffID: "sha256:" + strings.Repeat("02", 32), CreatedBy: "RUN apt-get install -y \"curl\" <&>"}},
		Packages: []packages.Package{
			{Ecosystem: packages.Deb, Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", Location: "/var/lib/dpkg/status", Layer: 0,
				Size: i64(12802831), Files: iptr(150), InstalledSize: i64(13000000), Licenses: []string{}, PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", Source: "glibc"},
			{Ecosystem: packages.APK, Name: "musl-utils", Version: "1.1.24-r2", Arch: "x86_64", Location: "/lib/apk/db/installed", Layer: 1,
				Changed: &packages.Change{Layer: 1, OldVersion: "1.1.24-r1", Direction: "upgrade"}, Licenses: []string{"MIT BSD GPL2+"}, PURL: "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64"},
			{Ecosystem: packages.Python, Name: "req", Version: "2.31.0", Location: "/usr/lib/python3/site-packages/req-2.31.0.dist-info", Layer: 1, Licenses: []string{"Apache-2.0 OR MIT"}, PURL: "pkg:pypi/req@2.31.0"},
			{Ecosystem: packages.NPM, Name: "@s/c", Version: "1.0.0", Location: "/app/node_modules/@s/c/package.json", Layer: 1, Licenses: []string{"MIT", "BSD"}, PURL: "pkg:npm/%40s/c@1.0.0"},
			{Ecosystem: packages.Java, Name: "org.x:lib", Version: "1.2", Location: "/srv/app.war!WEB-INF/lib/lib.jar", Layer: 1, Licenses: []string{"Apache License, Version 2.0"}, PURL: "pkg:maven/org.x/lib@1.2"},
			{Ecosystem: packages.Go, Name: "github.com/google/go-cmp", Version: "v0.7.0", Location: "/usr/local/bin/x", Layer: 1, Licenses: []string{}, PURL: "pkg:golang/github.com/google/go-cmp@v0.7.0"},
			{Ecosystem: packages.RPM, Name: "evil\x1b[31m<script>", Version: "1:1.0-1", Arch: "noarch", Location: "/var/lib/rpm/rpmdb.sqlite", Layer: 0, Licenses: []string{""}, PURL: "pkg:rpm/fedora/evil@1.0-1?epoch=1"},
		},
	}
}

func validate(t *testing.T, s *jsonschema.Schema, what string, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", what, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("%s does not validate: %v\n%s", what, err, out)
	}
}

func TestSchemasRefuse(t *testing.T) {
	cyc, sp := schemas(t)
	for _, bad := range []string{`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"nope","name":"x"}]}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}`} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if cyc.Validate(inst) == nil {
			t.Errorf("CycloneDX schema accepts %s", bad)
		}
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x","dataLicense":"CC0-1.0","documentNamespace":"https://x/y","creationInfo":{"created":"2026-01-02T03:04:05Z","creators":["Tool: x"]},"packages":[{"name":"p","SPDXID":"SPDXRef-p"}]}`))
	if sp.Validate(inst) == nil {
		t.Error("SPDX schema accepts a package without downloadLocation")
	}
}

// TestCycloneDX: the BOM validates against CycloneDX 1.6's schema; every package is a
// component with its purl and its layer; the library reads it back.
func TestCycloneDX(t *testing.T) {
	cyc, _ := schemas(t)
	r := sample()
	var b bytes.Buffer
	if err := CycloneDX(&b, r, opts); err != nil {
		t.Fatal(err)
	}
	validate(t, cyc, "CycloneDX", b.Bytes())
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || len(*bom.Components) != len(r.Packages) || bom.Metadata.Component.Type != cdx.ComponentTypeContainer {
		t.Fatalf("bom %+v", bom)
	}
	for i, c := range *bom.Components {
		p := r.Packages[i]
		got := map[string]string{}
		for _, pr := range *c.Properties {
			got[pr.Name] = pr.Value
		}
		if c.PackageURL != p.PURL || got["strata:layer:index"] != itoa(p.Layer) || got["strata:layer:diff_id"] != r.Layers[p.Layer].DiffID || got["strata:layer:created_by"] != r.Layers[p.Layer].CreatedBy {
			t.Errorf("%s: %+v %v", p.Name, c, got)
		}
	}
	var again bytes.Buffer
	CycloneDX(&again, r, opts)
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("two runs differ")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestSPDX: the document validates against SPDX 2.3's schema and tools-golang reads it
// back; licenses that are no SPDX expression become LicenseRefs with their text.
func TestSPDX(t *testing.T) {
	_, sp := schemas(t)
	r := sample()
	var b bytes.Buffer
	if err := SPDX(&b, r, opts); err != nil {
		t.Fatal(err)
	}
	validate(t, sp, "SPDX", b.Bytes())
	doc, err := spdxjson.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Packages) != len(r.Packages)+1 || len(doc.Relationships) != len(r.Packages)+1 {
		t.Fatalf("%d packages, %d relationships", len(doc.Packages), len(doc.Relationships))
	}
	byName := map[string]string{}
	for _, p := range doc.Packages {
		byName[p.PackageName] = p.PackageLicenseDeclared
	}
	for name, want := range map[string]string{"req": "Apache-2.0 OR MIT", "@s/c": "MIT AND BSD-2-Clause", "libc6": "NOASSERTION",
		"musl-utils": "LicenseRef-MIT-BSD-GPL2", "org.x:lib": "LicenseRef-Apache-License-Version-2.0"} {
		if got := byName[name]; got != want && !(name == "@s/c" && got == "MIT AND LicenseRef-BSD") {
			t.Errorf("%s: declared %q, want %q", name, got, want)
		}
	}
}

// TestDebianFixture: the SBOMs of the real Debian fixture validate too.
func TestDebianFixture(t *testing.T) {
	img, err := load.Open(context.Background(), "../../../testdata/packages/debian.tar.zst", nil, load.Options{KeepMatch: packages.Wants})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	r, err := packages.Of(img, fstree.Merge(img.Layers), packages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cyc, sp := schemas(t)
	var a, b bytes.Buffer
	if err := CycloneDX(&a, r, opts); err != nil {
		t.Fatal(err)
	}
	validate(t, cyc, "CycloneDX", a.Bytes())
	if err := SPDX(&b, r, opts); err != nil {
		t.Fatal(err)
	}
	validate(t, sp, "SPDX", b.Bytes())
}
