package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/escape"
)

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
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(escape.String(s))
}

// ghProp escapes a workflow command's property value.
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(escape.String(s))
}
