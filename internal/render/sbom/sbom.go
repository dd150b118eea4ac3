// Package sbom writes a packages report as a software bill of materials: CycloneDX 1.6
// JSON (through CycloneDX/cyclonedx-go) and SPDX 2.3 JSON (through spdx/tools-golang),
// each package with its purl and the layer that installed it (index, diff_id, created_by).
package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/github/go-spdx/v2/spdxexp"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/strata-dev/strata/packages"
)

// Options say who made the document and when.
type Options struct {
	Tool    string    // the tool's name, "strata"
	Version string    // its version
	Created time.Time // the document's creation time (UTC, whole seconds)
}

// subject names the image: its first tag, else its ID, else the input's file name.
func subject(r *packages.Report) (name, version string) {
	version = r.ID
	switch {
	case len(r.RepoTags) > 0:
		name = r.RepoTags[0]
	case r.ID != "":
		name = r.ID
	default:
		name = path.Base(r.Source.Path)
	}
	return name, version
}

// uuidOf derives a UUID (version 5 layout, SHA-256 based) from text: the same image and
// time give the same serial number and namespace, so the documents are reproducible.
func uuidOf(text string) string {
	s := sha256.Sum256([]byte(text))
	b := s[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ref is a package's identity within a document: stable for the same package and place.
func ref(p *packages.Package) string {
	s := sha256.Sum256([]byte(string(p.Ecosystem) + "\x00" + p.Name + "\x00" + p.Arch + "\x00" + p.Location))
	return hex.EncodeToString(s[:8])
}

// validExpression reports whether s is a valid SPDX license expression.
func validExpression(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	ok, _ := spdxexp.ValidateLicenses([]string{s})
	return ok
}

func layerOf(r *packages.Report, i int) packages.Layer {
	if i >= 0 && i < len(r.Layers) {
		return r.Layers[i]
	}
	return packages.Layer{Index: i}
}

// props are a package's facts as strata:… name/value pairs, in a fixed order.
func props(r *packages.Report, p *packages.Package) [][2]string {
	l := layerOf(r, p.Layer)
	out := [][2]string{
		{"strata:ecosystem", string(p.Ecosystem)},
		{"strata:location", p.Location},
		{"strata:layer:index", strconv.Itoa(p.Layer)},
		{"strata:layer:diff_id", l.DiffID},
		{"strata:layer:created_by", l.CreatedBy},
	}
	if p.Arch != "" {
		out = append(out, [2]string{"strata:architecture", p.Arch})
	}
	if p.Changed != nil {
		c := layerOf(r, p.Changed.Layer)
		out = append(out,
			[2]string{"strata:changed:layer:index", strconv.Itoa(p.Changed.Layer)},
			[2]string{"strata:changed:layer:diff_id", c.DiffID},
			[2]string{"strata:changed:layer:created_by", c.CreatedBy},
			[2]string{"strata:changed:old_version", p.Changed.OldVersion},
			[2]string{"strata:changed:direction", p.Changed.Direction})
	}
	if p.Size != nil {
		out = append(out, [2]string{"strata:size", strconv.FormatInt(*p.Size, 10)}, [2]string{"strata:files", strconv.Itoa(*p.Files)})
	}
	out = append(out, [2]string{"strata:hidden_size", strconv.FormatInt(p.HiddenSize, 10)})
	if p.InstalledSize != nil {
		out = append(out, [2]string{"strata:installed_size", strconv.FormatInt(*p.InstalledSize, 10)})
	}
	if p.Source != "" {
		out = append(out, [2]string{"strata:source", p.Source})
	}
	return out
}

// CycloneDX writes the report as a CycloneDX 1.6 JSON BOM: the image is the metadata
// component (type container), each package a library component with its purl, licenses
// (an SPDX expression when the database states a valid one, else each license by name) and
// strata:… properties naming its layer; the image depends on every package.
func CycloneDX(w io.Writer, r *packages.Report, o Options) error {
	name, ver := subject(r)
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidOf("cyclonedx\x00"+r.ID+"\x00"+name+"\x00"+o.Created.UTC().Format(time.RFC3339))
	image := &cdx.Component{BOMRef: "image", Type: cdx.ComponentTypeContainer, Name: name, Version: ver}
	var iprops []cdx.Property
	for _, t := range r.RepoTags {
		iprops = append(iprops, cdx.Property{Name: "strata:image:repo_tag", Value: t})
	}
	for _, l := range r.Layers {
		iprops = append(iprops, cdx.Property{Name: "strata:image:layer:" + strconv.Itoa(l.Index) + ":diff_id", Value: l.DiffID})
	}
	if len(iprops) > 0 {
		image.Properties = &iprops
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: o.Created.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: o.Tool, Version: o.Version}}},
		Component: image,
	}
	comps := []cdx.Component{}
	deps := []string{}
	for i := range r.Packages {
		p := &r.Packages[i]
		c := cdx.Component{BOMRef: ref(p), Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
		if g, a, ok := strings.Cut(p.Name, ":"); ok && p.Ecosystem == packages.Java {
			c.Group, c.Name = g, a // Maven coordinates
		}
		if lic := cdxLicenses(p.Licenses); lic != nil {
			c.Licenses = lic
		}
		var ps []cdx.Property
		for _, kv := range props(r, p) {
			ps = append(ps, cdx.Property{Name: kv[0], Value: kv[1]})
		}
		c.Properties = &ps
		comps = append(comps, c)
		deps = append(deps, c.BOMRef)
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: "image", Dependencies: &deps}}
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, cdx.SpecVersion1_6)
}

// nonEmpty drops blank license strings.
func nonEmpty(ls []string) []string {
	var out []string
	for _, l := range ls {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func cdxLicenses(ls []string) *cdx.Licenses {
	ls = nonEmpty(ls)
	if len(ls) == 0 {
		return nil
	}
	if len(ls) == 1 && validExpression(ls[0]) {
		return &cdx.Licenses{{Expression: ls[0]}}
	}
	var out cdx.Licenses
	for _, l := range ls {
		out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
	}
	return &out
}

var notIDChar = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxID makes an SPDX element ID suffix (letters, digits, '.', '-').
func spdxID(s string) string {
	s = strings.Trim(notIDChar.ReplaceAllString(s, "-"), "-")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// SPDX writes the report as an SPDX 2.3 JSON document that describes the image (a package
// of purpose CONTAINER) which CONTAINS each package: its name, version, purl (an external
// reference), declared license (the database's when it is a valid SPDX expression, else a
// LicenseRef with its text), where it lives (sourceInfo) and an annotation per layer fact.
func SPDX(w io.Writer, r *packages.Report, o Options) error {
	name, ver := subject(r)
	created := o.Created.UTC().Format(time.RFC3339)
	tool := common.Creator{CreatorType: "Tool", Creator: o.Tool + "-" + o.Version}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: "https://strata.invalid/spdx/" + url(name) + "-" + uuidOf("spdx\x00"+r.ID+"\x00"+name+"\x00"+created),
		CreationInfo:      &spdx.CreationInfo{Creators: []common.Creator{tool}, Created: created},
	}
	imageID := common.ElementID("Image")
	img := &spdx.Package{PackageName: name, PackageSPDXIdentifier: imageID, PackageVersion: ver,
		PackageDownloadLocation: "NOASSERTION", PrimaryPackagePurpose: "CONTAINER", PackageLicenseConcluded: "NOASSERTION",
		PackageLicenseDeclared: "NOASSERTION", PackageCopyrightText: "NOASSERTION"}
	if r.ID != "" {
		if alg, hexsum, ok := strings.Cut(r.ID, ":"); ok && alg == "sha256" {
			img.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: hexsum}}
		}
	}
	doc.Packages = append(doc.Packages, img)
	doc.Relationships = append(doc.Relationships, &spdx.Relationship{
		RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", string(imageID)), Relationship: common.TypeRelationshipDescribe})
	refs := map[string]bool{}
	annotator := common.Annotator{AnnotatorType: "Tool", Annotator: o.Tool + "-" + o.Version}
	for i := range r.Packages {
		p := &r.Packages[i]
		id := common.ElementID("Package-" + spdxID(string(p.Ecosystem)+"-"+p.Name) + "-" + ref(p))
		sp := &spdx.Package{
			PackageName: p.Name, PackageSPDXIdentifier: id, PackageVersion: p.Version,
			PackageDownloadLocation: "NOASSERTION", FilesAnalyzed: false, IsFilesAnalyzedTagPresent: true,
			PackageLicenseConcluded: "NOASSERTION", PackageCopyrightText: "NOASSERTION",
			PackageLicenseDeclared: declared(doc, refs, p.Licenses),
			PackageSourceInfo:      fmt.Sprintf("%s package, stated by %s; installed in layer %d", p.Ecosystem, p.Location, p.Layer),
			PrimaryPackagePurpose:  "LIBRARY",
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL}}
		}
		var facts []string
		for _, kv := range props(r, p) {
			facts = append(facts, kv[0]+"="+kv[1])
		}
		sp.Annotations = []spdx.Annotation{{Annotator: annotator, AnnotationDate: created, AnnotationType: "OTHER",
			AnnotationComment: strings.Join(facts, "\n")}}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(imageID)), RefB: common.MakeDocElementID("", string(id)), Relationship: common.TypeRelationshipContains})
	}
	return spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}

// declared is a package's declared license as an SPDX expression: the database's own when
// it is one, else a LicenseRef carrying its text; several are ANDed; none is NOASSERTION.
func declared(doc *spdx.Document, refs map[string]bool, ls []string) string {
	ls = nonEmpty(ls)
	var parts []string
	for _, l := range ls {
		if validExpression(l) {
			if len(ls) > 1 && strings.ContainsAny(l, " ") {
				l = "(" + l + ")"
			}
			parts = append(parts, l)
			continue
		}
		id := "LicenseRef-" + spdxID(l)
		if id == "LicenseRef-" {
			id += "empty"
		}
		if !refs[id] {
			refs[id] = true
			doc.OtherLicenses = append(doc.OtherLicenses, &spdx.OtherLicense{LicenseIdentifier: id, ExtractedText: l, LicenseName: l})
		}
		parts = append(parts, id)
	}
	if len(parts) == 0 {
		return "NOASSERTION"
	}
	return strings.Join(parts, " AND ")
}

// url makes a name safe in a URI path.
func url(s string) string { return spdxID(s) }
