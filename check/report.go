package check

import "github.com/strata-dev/strata/internal/image"

// Status is a rule's outcome.
type Status string

// Outcomes. An error is a rule that could not be evaluated on this input: it fails the check.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Skip  Status = "skip"
	Error Status = "error"
)

// Report is the result of `strata check`.
type Report struct {
	Image    Subject  `json:"image"`
	Passed   bool     `json:"passed"`
	Summary  Summary  `json:"summary"`
	Results  []Result `json:"results"`
	Sources  []string `json:"sources"`  // the rules, .dive-ci and CST files read; --rule overrides
	Warnings []string `json:"warnings"` // said on stderr too
}

// Subject names the image checked.
type Subject struct {
	Source   image.Source `json:"source"`
	ID       string       `json:"id"`
	RepoTags []string     `json:"repo_tags"`
}

// Summary counts results by status.
type Summary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
}

// Result is one rule's outcome.
type Result struct {
	Rule   string `json:"rule"` // the key as written: max_size, files[2], lowestEfficiency, fileExistenceTests[0], baseline.layers
	Name   string `json:"name"` // what is checked, in words
	Status Status `json:"status"`
	Value  string `json:"value"`  // what the image has
	Limit  string `json:"limit"`  // what the rule allows
	Reason string `json:"reason"` // one line, naming the files at fault; "" on a pass
	// Findings are every item behind a failure (a path and its layer, a variable, a port…).
	Findings []Finding `json:"findings"`
	Source   Location  `json:"source"` // where the rule is written
}

// Finding is one item that made a rule fail.
type Finding struct {
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
	Layer   *int   `json:"layer,omitempty"`
}

func layerRef(i int) *int { return &i }
