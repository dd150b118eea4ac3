package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/load"
)

// CheckFormats are the output formats of `strata check`.
var CheckFormats = []string{"table", "json", "junit", "markdown", "github", "sarif"}

func statusWord(s check.Status) string { return strings.ToUpper(string(s)) }

func verdict(r *check.Report) string {
	word := "PASS"
	if !r.Passed {
		word = "FAIL"
	}
	return fmt.Sprintf("%s: %d passed, %d failed, %d errors, %d skipped", word, r.Summary.Pass, r.Summary.Fail, r.Summary.Error, r.Summary.Skip)
}

func imageName(r *check.Report) string {
	if len(r.Image.RepoTags) > 0 {
		return r.Image.RepoTags[0]
	}
	return r.Image.Source.Path
}

// Check prints one line per rule: status, rule, value, limit and the reason; then the verdict.
func Check(w io.Writer, r *check.Report, o Options) error {
	var rows [][]string
	for _, res := range r.Results {
		reason := res.Reason
		if res.Status == check.Pass {
			reason = res.Name
		}
		rows = append(rows, []string{statusWord(res.Status), load.Printable(res.Rule), load.Printable(o.clip(res.Value, 30)),
			load.Printable(o.clip(res.Limit, 40)), load.Printable(o.clip(reason, 160))})
	}
	if err := tableFit(w, o.Width, []string{"STATUS", "RULE", "VALUE", "LIMIT", "REASON"}, rows, 2, 3, 4); err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		if _, err := fmt.Fprintf(w, "%s\n", o.line("warning: "+load.Printable(wn))); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", o.line(fmt.Sprintf("%s (%s)", verdict(r), load.Printable(imageName(r)))))
	return err
}

// CheckMarkdown prints the report as a pull-request comment: a verdict line and a table.
func CheckMarkdown(w io.Writer, r *check.Report) error {
	icon := map[check.Status]string{check.Pass: "✅", check.Fail: "❌", check.Error: "⚠️", check.Skip: "⏭️"}
	var b strings.Builder
	fmt.Fprintf(&b, "### strata check: %s\n\n", md(verdict(r)))
	fmt.Fprintf(&b, "Image `%s`", strings.ReplaceAll(load.Printable(imageName(r)), "`", "'"))
	if r.Image.ID != "" {
		fmt.Fprintf(&b, " (%s)", short(r.Image.ID, false))
	}
	b.WriteString("\n\n| | Rule | Value | Limit | Reason |\n|---|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %s %s | `%s` | %s | %s | %s |\n", icon[res.Status], statusWord(res.Status), strings.ReplaceAll(res.Rule, "`", "'"), md(res.Value), md(res.Limit), md(res.Reason))
	}
	var failed []check.Result
	for _, res := range r.Results {
		if (res.Status == check.Fail || res.Status == check.Error) && len(res.Findings) > maxInline {
			failed = append(failed, res)
		}
	}
	for _, res := range failed {
		fmt.Fprintf(&b, "\n<details><summary>%s: %d findings</summary>\n\n", md(res.Rule), len(res.Findings))
		for _, f := range res.Findings {
			fmt.Fprintf(&b, "- %s\n", md(f.Message))
		}
		b.WriteString("\n</details>\n")
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "\n> warning: %s\n", md(wn))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

const maxInline = 3

// md escapes text for a Markdown table cell.
func md(s string) string {
	s = strings.Join(strings.Fields(load.Printable(s)), " ")
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// CheckGitHub prints GitHub Actions workflow commands: an ::error per failed or errored
// rule (annotated on the rules file line when known), a ::notice per skipped one, and the
// verdict as plain text.
func CheckGitHub(w io.Writer, r *check.Report) error {
	var b strings.Builder
	for _, res := range r.Results {
		cmd := ""
		switch res.Status {
		case check.Fail, check.Error:
			cmd = "error"
		case check.Skip:
			cmd = "notice"
		default:
			continue
		}
		props := []string{"title=" + ghProp("strata check: "+res.Rule)}
		if res.Source.File != "" && !strings.HasPrefix(res.Source.File, "--") {
			props = append(props, "file="+ghProp(res.Source.File))
			if res.Source.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", res.Source.Line), fmt.Sprintf("col=%d", res.Source.Column))
			}
		}
		msg := res.Reason
		if res.Status == check.Error {
			msg = "cannot be evaluated: " + msg
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(msg))
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "::warning title=strata check::%s\n", ghData(wn))
	}
	fmt.Fprintf(&b, "strata check %s (%s)\n", verdict(r), ghData(imageName(r)))
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message (as @actions/core does).
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(load.Printable(s))
}

// ghProp escapes a workflow command's property value.
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(load.Printable(s))
}

// JUnit XML, as Jenkins, GitLab and most CI dashboards read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// xmlLines is lines, each escaped by xmlText (a newline inside one is escaped, never a line
// break of its own), joined with real newlines: the text a CI dashboard shows line by line.
func xmlLines(lines ...string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = xmlText(l)
	}
	return strings.Join(out, "\n")
}

// xmlText escapes control characters (newlines too) as load.Printable does and drops what
// XML 1.0 cannot hold.
func xmlText(s string) string {
	s = load.Printable(s)
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 {
			return r
		}
		return -1
	}, s)
}

// CheckJUnit prints one testcase per rule; failures and errors carry the reason as their
// message and every finding as their text.
func CheckJUnit(w io.Writer, r *check.Report) error {
	suite := junitSuite{Name: xmlText("strata check " + imageName(r)), Tests: len(r.Results),
		Failures: r.Summary.Fail, Errors: r.Summary.Error, Skipped: r.Summary.Skip}
	for _, res := range r.Results {
		c := junitCase{Name: xmlText(res.Rule + ": " + res.Name), Classname: "strata.check", File: xmlText(res.Source.File), Line: res.Source.Line,
			SystemOut: xmlLines("value: "+res.Value, "limit: "+res.Limit)}
		var detail []string
		for _, f := range res.Findings {
			detail = append(detail, f.Message)
		}
		p := &junitProblem{Message: xmlText(res.Reason), Text: xmlLines(detail...)}
		switch res.Status {
		case check.Fail:
			p.Type = "failure"
			c.Failure = p
		case check.Error:
			p.Type = "error"
			c.Error = p
		case check.Skip:
			c.Skipped = &junitProblem{Message: xmlText(res.Reason)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "strata check", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Skipped: suite.Skipped, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// SARIF 2.1.0: one run, one reporting descriptor per rule, one result per finding of a
// failed rule (or one for a failed rule without findings, and one per errored rule).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool         `json:"tool"`
	Invocation []sarifInvocation `json:"invocations"`
	Results    []sarifResult     `json:"results"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	FullDescription  sarifMessage `json:"fullDescription"`
	Help             sarifMessage `json:"help"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	Physical *sarifPhysical `json:"physicalLocation,omitempty"`
	Logical  []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

// fileURI writes a file path as a relative or absolute URI reference (a colon escaped, so
// that "app:1" is a path, not a scheme).
func fileURI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(parts, "/")
}

// imageArtifact is the artifact a result without a rules-file line points at: the image
// archive as given on the command line (standard input: "stdin"; a registry image: its
// reference as a relative path).
func imageArtifact(r *check.Report) string {
	p := r.Image.Source.Path
	if p == "" || p == "-" {
		return "stdin"
	}
	return fileURI(p)
}

// fingerprint identifies a result across runs for code scanning: the rule and what the
// finding names (its path, else its message), hashed.
func fingerprint(rule, what string) string {
	h := sha256.Sum256([]byte(rule + "\x00" + what))
	return hex.EncodeToString(h[:8]) + ":1"
}

// CheckSARIF prints the report as a SARIF 2.1.0 log.
func CheckSARIF(w io.Writer, r *check.Report, version string) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "strata", InformationURI: "https://github.com/strata-dev/strata", Version: version, Rules: []sarifRule{}}},
		Invocation: []sarifInvocation{{ExecutionSuccessful: true}}, Results: []sarifResult{}}
	index := map[string]int{}
	for _, res := range r.Results {
		if _, ok := index[res.Rule]; !ok {
			index[res.Rule] = len(run.Tool.Driver.Rules)
			name := load.Printable(res.Name)
			from := "given with --rule"
			if f := res.Source.File; f != "" && !strings.HasPrefix(f, "--") {
				from = "written in " + load.Printable(f)
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: res.Rule, ShortDescription: sarifMessage{Text: name},
				FullDescription: sarifMessage{Text: fmt.Sprintf("strata check rule %s (%s), %s.", res.Rule, name, from)},
				Help:            sarifMessage{Text: fmt.Sprintf("Run strata check on the image for the value, the limit and every finding of %s; 'strata check --help' lists the rule keys.", res.Rule)}})
		}
		if res.Status != check.Fail && res.Status != check.Error {
			continue
		}
		// Every result has a physical location, as GitHub code scanning requires: the rules
		// file line that asks for the rule, or, for a rule given with --rule (or a default
		// no line holds), the rules file at its first line or the image archive.
		loc := sarifLocation{Physical: &sarifPhysical{Artifact: sarifArtifact{URI: imageArtifact(r)}, Region: &sarifRegion{StartLine: 1}}}
		if res.Source.File != "" && !strings.HasPrefix(res.Source.File, "--") {
			loc.Physical.Artifact.URI = fileURI(res.Source.File)
			if res.Source.Line > 0 {
				loc.Physical.Region = &sarifRegion{StartLine: res.Source.Line, StartColumn: res.Source.Column}
			}
		}
		mk := func(msg, path string, layer *int) sarifResult {
			l := loc
			if path != "" {
				l.Logical = []sarifLogical{{FullyQualifiedName: path, Kind: "resource"}}
			}
			what := path
			if what == "" {
				what = msg
			}
			out := sarifResult{RuleID: res.Rule, RuleIndex: index[res.Rule], Level: "error", Message: sarifMessage{Text: msg},
				Locations:           []sarifLocation{l},
				PartialFingerprints: map[string]string{"primaryLocationLineHash": fingerprint(res.Rule, what)},
				Properties:          map[string]any{"image": imageName(r), "status": string(res.Status)}}
			if layer != nil {
				out.Properties["layer"] = *layer
			}
			return out
		}
		if res.Status == check.Error || len(res.Findings) == 0 {
			run.Results = append(run.Results, mk(res.Reason, "", nil))
			continue
		}
		for _, f := range res.Findings {
			run.Results = append(run.Results, mk(f.Message, f.Path, f.Layer))
		}
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
