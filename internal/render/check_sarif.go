package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/escape"
)

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
			name := escape.String(res.Name)
			from := "given with --rule"
			if f := res.Source.File; f != "" && !strings.HasPrefix(f, "--") {
				from = "written in " + escape.String(f)
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
