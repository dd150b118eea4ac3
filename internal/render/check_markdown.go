package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/escape"
)

// CheckMarkdown prints the report as a pull-request comment: a verdict line and a table.
func CheckMarkdown(w io.Writer, r *check.Report) error {
	icon := map[check.Status]string{check.Pass: "✅", check.Fail: "❌", check.Error: "⚠️", check.Skip: "⏭️"}
	var b strings.Builder
	fmt.Fprintf(&b, "### strata check: %s\n\n", md(verdict(r)))
	fmt.Fprintf(&b, "Image `%s`", strings.ReplaceAll(escape.String(imageName(r)), "`", "'"))
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
	s = strings.Join(strings.Fields(escape.String(s)), " ")
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}
