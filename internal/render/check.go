package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/escape"
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
		rows = append(rows, []string{statusWord(res.Status), escape.String(res.Rule), escape.String(o.clip(res.Value, 30)),
			escape.String(o.clip(res.Limit, 40)), escape.String(o.clip(reason, 160))})
	}
	if err := tableFit(w, o.Width, []string{"STATUS", "RULE", "VALUE", "LIMIT", "REASON"}, rows, 2, 3, 4); err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		if _, err := fmt.Fprintf(w, "%s\n", o.line("warning: "+escape.String(wn))); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", o.line(fmt.Sprintf("%s (%s)", verdict(r), escape.String(imageName(r)))))
	return err
}
