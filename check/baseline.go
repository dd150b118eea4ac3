package check

import (
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

// Baseline holds an image against a recorded lock (package baseline does the comparing;
// the command wires it in). policy is the rules file's baseline: section, nil when absent;
// the implementation decodes it strictly (RawNode.Decode) and applies its defaults.
type Baseline interface {
	Compare(img *image.Image, fs *fstree.FS, policy *RawNode) (*BaselineOutcome, error)
}

// BaselineOutcome is what a baseline comparison found.
type BaselineOutcome struct {
	Verdicts []BaselineVerdict
	Warnings []string
	// Rules names every policy rule the comparison evaluated, passing or not, in order.
	Rules []string
}

// BaselineVerdict is one policy rule's finding about one layer (or the config).
type BaselineVerdict struct {
	Rule      string   // policy key, e.g. max_layer_growth
	Failed    bool     // false: a pass (or a skip)
	Skipped   bool     // the rule could not be evaluated; Message says why
	Layer     int      // -1 when the verdict is not about a layer
	CreatedBy string   // the layer's history command
	Message   string   // one line naming the layer, the command and the files
	Paths     []string // the files that caused it
}

var baselineNames = map[string]string{
	"baseline.base":             "the base layers are as locked",
	"baseline.added_layers":     "no layer added",
	"baseline.removed_layers":   "no layer removed",
	"baseline.layer_growth":     "no layer grew past max_layer_growth",
	"baseline.setuid":           "no new setuid/setgid file",
	"baseline.sensitive_hidden": "no new hidden secret-looking file",
	"baseline.exposed_ports":    "no new exposed port",
	"baseline.user":             "the user is as locked",
	"baseline.base_packages":    "the base layers' packages are as locked",
	"baseline.new_packages":     "no package the lock does not have",
}

// baseline runs the comparison and adds one result per policy rule: failed verdicts are
// its findings.
func (e *evaluator) baseline(b Baseline) ([]string, error) {
	out, err := b.Compare(e.in.Image, e.in.FS, e.set.Rules.Baseline)
	if err != nil {
		return nil, err
	}
	byRule := map[string][]Finding{}
	var order []string
	seen := map[string]bool{}
	note := func(r string) {
		if !seen[r] {
			seen[r] = true
			order = append(order, r)
		}
	}
	for _, r := range out.Rules {
		note(r)
	}
	skip := map[string]string{}
	for _, v := range out.Verdicts {
		note(v.Rule)
		if v.Skipped {
			skip[v.Rule] = v.Message
		}
		if !v.Failed {
			continue
		}
		f := Finding{Message: v.Message}
		if v.Layer >= 0 {
			f.Layer = layerRef(v.Layer)
		}
		if len(v.Paths) > 0 {
			f.Path = v.Paths[0]
		}
		byRule[v.Rule] = append(byRule[v.Rule], f)
	}
	for _, r := range order {
		res := Result{Rule: r, Name: baselineNames[r]}
		if res.Name == "" {
			res.Name = r
		}
		res.Source = e.set.Where(r)
		if res.Source.File == "" {
			res.Source = e.set.Where("baseline")
		}
		fs := byRule[r]
		if msg, ok := skip[r]; ok && len(fs) == 0 {
			res.Status, res.Reason = Skip, msg
			e.add(res)
			continue
		}
		res.Value = units.Count(len(fs), "change")
		res.Limit = "as locked"
		e.finish(&res, fs, nil)
		e.add(res)
	}
	return out.Warnings, nil
}
