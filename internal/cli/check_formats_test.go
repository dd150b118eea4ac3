package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/render"
)

// formatRules give kitchen.tar passing, failing, skipped and erroring results.
const formatRules = `max_size: 1MB
max_layers: 10
forbid_paths: ["/root/.ssh/**", "**/*.pem"]
setuid_allow: []
forbid_world_writable: false
require_non_root_user: true
allowed_ports: [8080/tcp]
files:
  - path: /etc/passwd
    contains: ['^root:']
  - path: /etc/shadow
`

// runCheckOutput runs strata check with a rules file and an output format and returns stdout.
func runCheckOutput(t *testing.T, format, image string) []byte {
	t.Helper()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte(formatRules), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check", "--rules", rules, "-o", format, image}, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitDiff {
		t.Fatalf("-o %s: exit %d, want 1; stderr:\n%s", format, code, stderr.String())
	}
	return stdout.Bytes()
}

func checkReport(t *testing.T, image string) *check.Report {
	t.Helper()
	var r check.Report
	if err := json.Unmarshal(runCheckOutput(t, "json", image), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// The JSON report round-trips: decoding and encoding it again gives the same bytes, and it
// starts with schema_version.
func TestCheckJSONRoundTrip(t *testing.T) {
	t.Parallel()
	out := runCheckOutput(t, "json", "testdata/docker/kitchen.tar")
	if !bytes.HasPrefix(out, []byte("{\n  \"schema_version\": 1,\n  \"image\": {")) {
		t.Fatalf("does not start with schema_version:\n%.200s", out)
	}
	var r check.Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := render.JSON(&again, &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(out), again.String()); diff != "" {
		t.Errorf("round trip (-first +again):\n%s", diff)
	}
	want := check.Summary{Pass: 3, Fail: 5, Skip: 1, Error: 0}
	if diff := cmp.Diff(want, r.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if r.Passed {
		t.Error("passed")
	}
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			File    string `xml:"file,attr"`
			Line    int    `xml:"line,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// JUnit output parses as XML, one testcase per rule, failures carrying the reason.
func TestCheckJUnitParses(t *testing.T) {
	t.Parallel()
	for _, image := range []string{"testdata/docker/kitchen.tar", "testdata/synth/rootfs.tar"} {
		rep := checkReport(t, image)
		var doc junitDoc
		out := runCheckOutput(t, "junit", image)
		if err := xml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		if bytes.Contains(out, []byte(`\u000a`)) {
			t.Errorf("%s: the XML holds the escape \\u000a where a newline belongs", image)
		}
		if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(rep.Results) {
			t.Fatalf("%s: %d suites, want 1 with %d cases", image, len(doc.Suites), len(rep.Results))
		}
		if doc.Tests != len(rep.Results) || doc.Failures != rep.Summary.Fail || doc.Errors != rep.Summary.Error || doc.Skipped != rep.Summary.Skip {
			t.Errorf("%s: counts %d/%d/%d/%d, want %d/%+v", image, doc.Tests, doc.Failures, doc.Errors, doc.Skipped, len(rep.Results), rep.Summary)
		}
		for i, c := range doc.Suites[0].Cases {
			res := rep.Results[i]
			if !strings.HasPrefix(c.Name, res.Rule+": ") {
				t.Errorf("case %d named %q, want rule %s", i, c.Name, res.Rule)
			}
			// The text as a CI system reads it: real newlines between lines, never the
			// escape \u000a that a dashboard would show.
			if want := "value: " + res.Value + "\nlimit: " + res.Limit; c.SystemOut != want {
				t.Errorf("%s: system-out %q, want %q", res.Rule, c.SystemOut, want)
			}
			switch res.Status {
			case check.Fail:
				var lines []string
				for _, f := range res.Findings {
					lines = append(lines, f.Message)
				}
				if c.Failure == nil || c.Failure.Message != res.Reason || c.Failure.Text != strings.Join(lines, "\n") {
					t.Errorf("%s: failure %+v, want message %q and text %q", res.Rule, c.Failure, res.Reason, strings.Join(lines, "\n"))
				}
			case check.Error:
				if c.Error == nil || c.Error.Message != res.Reason {
					t.Errorf("%s: error %+v, want %q", res.Rule, c.Error, res.Reason)
				}
			case check.Skip:
				if c.Skipped == nil {
					t.Errorf("%s: not skipped", res.Rule)
				}
			default:
				if c.Failure != nil || c.Error != nil || c.Skipped != nil {
					t.Errorf("%s passed but has %+v", res.Rule, c)
				}
			}
			if res.Source.Line > 0 && (c.File == "" || c.Line != res.Source.Line) {
				t.Errorf("%s: file %q line %d, want line %d", res.Rule, c.File, c.Line, res.Source.Line)
			}
		}
	}
}

// SARIF output validates against the SARIF 2.1.0 schema (testdata/sarif), with one result
// per finding of a failed rule and one per errored rule.
func TestCheckSARIFValidates(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	// The schema is not a pushover: a result without a message, a level it does not know,
	// a region line 0 and a non-URI reference are refused.
	for _, bad := range []string{
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a b%"}}}]}]}]}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
	for _, image := range []string{"testdata/docker/kitchen.tar", "testdata/synth/rootfs.tar"} {
		rep := checkReport(t, image)
		out := runCheckOutput(t, "sarif", image)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("%s: SARIF does not validate: %v\n%s", image, err, out)
		}
		want := 0
		for _, r := range rep.Results {
			switch {
			case r.Status == check.Error, r.Status == check.Fail && len(r.Findings) == 0:
				want++
			case r.Status == check.Fail:
				want += len(r.Findings)
			}
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID  string `json:"ruleId"`
					Message struct{ Text string }
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(out, &log); err != nil {
			t.Fatal(err)
		}
		if got := len(log.Runs[0].Results); got != want || want == 0 {
			t.Errorf("%s: %d SARIF results, want %d (> 0)", image, got, want)
		}
		githubSARIF(t, image, out)
	}
	// Rules given with --rule (no file line) and a .dive-ci's default key (no line either)
	// still point every result somewhere: the image archive, the rules file.
	dir := t.TempDir()
	dive := filepath.Join(dir, ".dive-ci")
	if err := os.WriteFile(dive, []byte("rules:\n  highestWastedBytes: 1kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--rule", "max_layers=3", "--rule", "forbid_paths=/root/.ssh/**"},
		{"--rules", dive},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(append([]string{"check", "-o", "sarif"}, args...), "testdata/docker/kitchen.tar"), nil, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != exitDiff {
			t.Fatalf("%v: exit %d, want 1: %s", args, code, stderr.String())
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(stdout.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("%v: SARIF does not validate: %v", args, err)
		}
		githubSARIF(t, strings.Join(args, " "), stdout.Bytes())
	}
}

// githubSARIF holds a SARIF log to what GitHub code scanning documents as required ("SARIF
// support for code scanning"): per rule an id, shortDescription.text, fullDescription.text
// and help.text; per result ruleId, message.text, partialFingerprints and 1 to 10
// locations, the first with physicalLocation.artifactLocation.uri (a relative or file:
// URI) and region.startLine ≥ 1. Texts are non-empty and at most 1024 characters.
func githubSARIF(t *testing.T, what string, out []byte) {
	t.Helper()
	type text struct {
		Text *string `json:"text"`
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription text   `json:"shortDescription"`
						FullDescription  text   `json:"fullDescription"`
						Help             text   `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				Message             text              `json:"message"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Locations           []struct {
					Physical *struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	ok := func(tx text) bool { return tx.Text != nil && *tx.Text != "" && len(*tx.Text) <= 1024 }
	for _, run := range log.Runs {
		if run.Tool.Driver.Name == "" {
			t.Errorf("%s: tool.driver.name is empty", what)
		}
		ids := map[string]bool{}
		for _, r := range run.Tool.Driver.Rules {
			ids[r.ID] = true
			if r.ID == "" || !ok(r.ShortDescription) || !ok(r.FullDescription) || !ok(r.Help) {
				t.Errorf("%s: rule %q lacks id, shortDescription, fullDescription or help text", what, r.ID)
			}
		}
		for i, res := range run.Results {
			if !ids[res.RuleID] || !ok(res.Message) || len(res.PartialFingerprints) == 0 {
				t.Errorf("%s: result %d (%s): ruleId, message.text or partialFingerprints missing", what, i, res.RuleID)
			}
			if len(res.Locations) == 0 || len(res.Locations) > 10 {
				t.Errorf("%s: result %d (%s) has %d locations, want 1 to 10", what, i, res.RuleID, len(res.Locations))
				continue
			}
			p := res.Locations[0].Physical
			if p == nil || p.Artifact.URI == "" || p.Region == nil || p.Region.StartLine < 1 {
				t.Errorf("%s: result %d (%s): the first location lacks physicalLocation.artifactLocation.uri or region.startLine", what, i, res.RuleID)
				continue
			}
			if u, err := url.Parse(p.Artifact.URI); err != nil || (u.Scheme != "" && u.Scheme != "file") {
				t.Errorf("%s: result %d (%s): artifact URI %q is not a relative or file: URI", what, i, res.RuleID, p.Artifact.URI)
			}
		}
	}
}

// github workflow commands: one ::error per failed or errored rule, escaped, then the verdict.
func TestCheckGitHubCommands(t *testing.T) {
	t.Parallel()
	rep := checkReport(t, "testdata/docker/kitchen.tar")
	out := string(runCheckOutput(t, "github", "testdata/docker/kitchen.tar"))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	errs := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "::error title=strata check%3A ") {
			errs++
			if !strings.Contains(l, ",file=") || !strings.Contains(l, ",line=") {
				t.Errorf("no file/line annotation: %s", l)
			}
		}
	}
	if errs != rep.Summary.Fail+rep.Summary.Error {
		t.Errorf("%d ::error lines, want %d:\n%s", errs, rep.Summary.Fail+rep.Summary.Error, out)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "strata check FAIL: ") {
		t.Errorf("last line %q", last)
	}
}

// Exit codes are told apart: 0 all pass, 1 a rule failed or could not be evaluated, 2 a
// usage error, bad rules or an unreadable image (with nothing on stdout).
func TestCheckExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "max_size: 1MB\nrequire_non_root_user: true\n")
	badKey := write("bad.yaml", "max_size: 1MB\nmax_sise: 2MB\n")
	notYAML := write("notyaml.yaml", "max_size: [1MB\n")
	cst := write("cst.yaml", "schemaVersion: 2.0.0\ncommandTests:\n  - name: x\n    command: true\n")
	garbage := write("garbage.tar", "this is not an image archive at all, not even close")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--rules", good, "testdata/docker/kitchen.tar"}, exitOK},
		{[]string{"--rule", "max_layers=17", "testdata/docker/kitchen.tar"}, exitOK},
		{[]string{"--cst", cst, "testdata/docker/kitchen.tar"}, exitOK},    // a skipped command test is no failure
		{[]string{"--rules", good, "testdata/docker/small.tar"}, exitDiff}, // root
		{[]string{"--rules", good, "testdata/synth/rootfs.tar"}, exitDiff}, // no config: ERROR
		{[]string{"--rule", "max_layers=16", "testdata/docker/kitchen.tar"}, exitDiff},
		{[]string{"--rules", badKey, "testdata/docker/kitchen.tar"}, exitError},
		{[]string{"--rules", notYAML, "testdata/docker/kitchen.tar"}, exitError},
		{[]string{"--rules", filepath.Join(dir, "missing.yaml"), "testdata/docker/kitchen.tar"}, exitError},
		{[]string{"--rules", good, garbage}, exitError},
		{[]string{"--rules", good, filepath.Join(dir, "missing.tar")}, exitError},
		{[]string{"--rule", "max_size", "testdata/docker/kitchen.tar"}, exitError},
		{[]string{"--rules", good, "-o", "yaml", "testdata/docker/kitchen.tar"}, exitError},
		{[]string{"--rules", good}, exitError},
		{[]string{"testdata/docker/kitchen.tar"}, exitError}, // no rules (the test runs in the package dir, which has none)
		{[]string{"--baseline", filepath.Join(dir, "missing.lock.json"), "testdata/docker/kitchen.tar"}, exitError},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"check"}, c.args...), nil, &stdout, &stderr)
		if got := exitCode(err, &stderr); got != c.want {
			t.Errorf("check %v: exit %d, want %d; stderr: %s", c.args, got, c.want, stderr.String())
		}
		if c.want == exitError && (stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "strata: error: ")) {
			t.Errorf("check %v: stdout %q, stderr %q; want nothing and one error line", c.args, stdout.String(), stderr.String())
		}
	}
}
