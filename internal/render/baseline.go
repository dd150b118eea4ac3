package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/baseline"
)

// Baseline writes an image held against a lock: one row per layer (its class, sizes, the
// change and what caused it), then the config fields that changed, then the policy
// failures under the default policy.
func Baseline(w io.Writer, c *baseline.Comparison, o Options) error {
	rows := [][]string{}
	for _, lc := range c.Layers {
		layer, lock := fmt.Sprint(lc.Layer), fmt.Sprint(lc.LockLayer)
		if lc.Layer < 0 {
			layer = "-"
		}
		if lc.LockLayer < 0 {
			lock = "-"
		}
		class := string(lc.Class)
		if lc.Base {
			class += " (base)"
		}
		change := ""
		switch lc.Class {
		case baseline.Grown, baseline.Shrunk, baseline.Changed:
			change = signedSize(lc.Delta)
			if lc.Percent != nil {
				change += fmt.Sprintf(" (%+.1f%%)", *lc.Percent)
			}
		}
		var causes []string
		for i, cs := range lc.Shown() {
			if i == 3 && !o.NoTrunc {
				causes = append(causes, "…")
				break
			}
			p := cs.Path
			if cs.Dir {
				p += "/"
			}
			switch cs.Change {
			case "added":
				causes = append(causes, "+"+p)
			case "removed":
				causes = append(causes, "-"+p)
			default:
				causes = append(causes, p+" "+signedSize(cs.Delta))
			}
		}
		rows = append(rows, []string{layer, lock, class, Size(lc.Size), change,
			baselineCmd(lc, o), strings.Join(causes, ", ")})
	}
	if err := tableFit(w, o.Width, []string{"LAYER", "LOCK", "CLASS", "SIZE", "CHANGE", "CREATED BY", "FILES"}, rows, 5, 6); err != nil {
		return err
	}
	if len(c.Config) > 0 {
		fmt.Fprintln(w, "\nConfig changes:")
		for _, ch := range c.Config {
			fmt.Fprintln(w, o.line(fmt.Sprintf("  %s: %s → %s", Escape(ch.Field), value(ch.Old, o), value(ch.New, o))))
		}
	}
	var failed []string
	for _, v := range c.Verdicts {
		if v.Failed {
			failed = append(failed, o.line(fmt.Sprintf("  %s: %s", v.Rule, Escape(v.Message))))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "\nPolicy failures (default policy; strata check --baseline applies yours):\n%s\n", strings.Join(failed, "\n"))
	}
	return nil
}

func baselineCmd(lc baseline.LayerClass, o Options) string {
	if o.NoTrunc {
		return lc.CreatedBy
	}
	return baseline.Command(lc.CreatedBy)
}
