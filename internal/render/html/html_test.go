package html

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strata-dev/strata/diff"
)

var blobRE = regexp.MustCompile(`<script id="strata-data" type="application/gzip\+base64">([^<]*)</script>`)

// blobOf extracts the data block of a page.
func blobOf(t *testing.T, page []byte) string {
	t.Helper()
	m := blobRE.FindSubmatch(page)
	if m == nil {
		t.Fatal("no data block in the page")
	}
	return string(m[1])
}

func TestDataRoundTrip(t *testing.T) {
	for _, f := range []string{"kitchen.tar", "small2.tar", "base.tar"} {
		t.Run(f, func(t *testing.T) {
			r, _ := imageReport(t, filepath.Join(fixtures, f))
			_, page := writePage(t, r, "page")
			blob := blobOf(t, page)
			if !regexp.MustCompile(`^[A-Za-z0-9+/]*=*$`).MatchString(blob) {
				t.Fatal("the data block is not plain base64")
			}
			got, err := Decode(blob)
			if err != nil {
				t.Fatal(err)
			}
			want, err := DataOf(r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decoded data (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffDataRoundTrip(t *testing.T) {
	r := diffReport(t, filepath.Join(fixtures, "kitchen.tar"), filepath.Join(fixtures, "ctr-basic.export.tar"))
	_, page := writePage(t, r, "diff")
	got, err := Decode(blobOf(t, page))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DataOf(r)
	// Config values are typed in Go and generic in JSON: compare the diff as JSON.
	asJSON := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		json.Unmarshal(b, &out)
		return out
	}
	if d := cmp.Diff(asJSON(want.Diff), asJSON(got.Diff)); d != "" {
		t.Errorf("decoded diff (-want +got):\n%s", d)
	}
	if got.Kind != "diff" || got.Diff.Mode != diff.ModeExport || got.Diff.Flattened == nil {
		t.Errorf("kind %q mode %q flattened %v: want an export diff", got.Kind, got.Diff.Mode, got.Diff.Flattened != nil)
	}
	if d := cmp.Diff(want.New, got.New, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("decoded new side (-want +got):\n%s", d)
	}
}

// remoteRE finds a src or href that names a remote URL, in markup or in the script's
// element properties.
var remoteRE = regexp.MustCompile(`(?i)\b(src|href|action|srcset|poster|data)\s*[=:]\s*["'\x60]?\s*(https?:)?//`)

func TestNoNetwork(t *testing.T) {
	r, _ := imageReport(t, filepath.Join(fixtures, "kitchen.tar"))
	_, page := writePage(t, r, "page")
	if m := remoteRE.Find(page); m != nil {
		t.Errorf("page refers to a remote resource: %q", m)
	}
	js, _ := assets.ReadFile("assets/report.js")
	css, _ := assets.ReadFile("assets/report.css")
	for name, src := range map[string]string{"report.js": string(js), "report.css": string(css)} {
		for _, bad := range []string{"https://", "url(", "@import", "fetch(", "XMLHttpRequest", "WebSocket", "import("} {
			if strings.Contains(src, bad) && !(name == "report.css" && bad == "url(") {
				t.Errorf("%s uses %q", name, bad)
			}
		}
		// The one http:// is the SVG namespace name, which is never fetched.
		if n := strings.Count(src, "http://"); n != strings.Count(src, "'http://www.w3.org/2000/svg'") {
			t.Errorf("%s has an http:// other than the SVG namespace", name)
		}
	}
	if strings.Contains(string(css), "url(") {
		t.Error("report.css loads a url()")
	}
}

// TestNoMarkupFromData guards the one rule that keeps archive names inert: the script
// builds elements and sets text; it never parses a string as markup or code.
func TestNoMarkupFromData(t *testing.T) {
	js, _ := assets.ReadFile("assets/report.js")
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('on", "DOMParser", "createContextualFragment", "</script"} {
		if strings.Contains(string(js), bad) {
			t.Errorf("report.js uses %q", bad)
		}
	}
}

func TestWriteNeedsSomething(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, Report{}); err == nil {
		t.Error("an empty report was written")
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes for a refused report", b.Len())
	}
}
