package render

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/escape"
)

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

// xmlText escapes control characters (newlines too) as escape.String does and drops what
// XML 1.0 cannot hold.
func xmlText(s string) string {
	s = escape.String(s)
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
