package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/render"
)

const checkAbout = `Hold an image to CI rules: size and bloat limits, forbidden content, config requirements, file and metadata assertions, a .dive-ci, a container-structure-test file and a baseline lock. Rules come from --rules FILE, else .strata.yaml, else .dive-ci in the working directory, plus --cst FILE and --rule KEY=VALUE. One line per rule; exit 0 when all pass, 1 when one fails or cannot be evaluated, 2 on a usage error or unreadable input or rules.`

var checkExamples = []string{
	"strata check --rule max_size=200MB --rule require_non_root_user=true app.tar",
	"strata check --rules ci/strata.yaml -o junit app.tar > strata-junit.xml",
	"strata check --cst structure-test.yaml app.tar",
	"strata check --baseline strata.lock.json -o github app.tar",
}

const noRulesHint = `no rules: write a .strata.yaml in this directory (e.g. "max_size: 200MB"), or pass --rules FILE, --cst FILE or --rule KEY=VALUE (e.g. --rule max_size=200MB); a .dive-ci is read too`

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("check", "strata check [--rules FILE] [--baseline LOCK] [--rule KEY=VALUE]… [--cst FILE] IMAGE", stderr)
	rulesFile := fs.String("rules", "", "rules `FILE` (default: .strata.yaml, else .dive-ci, in the working directory)")
	cstFile := fs.String("cst", "", "container-structure-test `FILE` (schemaVersion 2.0.0) to evaluate too")
	lockFile := fs.String("baseline", "", "baseline `LOCK` (strata baseline IMAGE > strata.lock.json) to hold the image to")
	overrides := fs.StringArray("rule", nil, "set one rule, `KEY=VALUE` (VALUE is YAML: 200MB, true, [a, b]); repeatable")
	fs.Lookup("output").Usage = "output `format`: " + strings.Join(render.CheckFormats, ", ")
	c.formats = render.CheckFormats
	c.without(fs, "quiet", "null")
	c.about(checkAbout, checkExamples...)
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	output := c.output
	lim := c.loadLimits()
	yl := check.Limits{MaxDepth: lim.MaxYAMLDepth, MaxNodes: lim.MaxYAMLNodes}
	set, err := loadRules(*rulesFile, *cstFile, *overrides, *lockFile != "", yl)
	if err != nil {
		return err
	}
	var lb *lockBaseline
	var bl check.Baseline
	if *lockFile != "" {
		source := "--rule"
		if len(set.Files) > 0 {
			source = set.Files[0]
		}
		if lb, err = openBaseline(*lockFile, source); err != nil {
			return err
		}
		bl = lb
	}
	needs := analysis.Inspect | analysis.Check
	if lb != nil {
		needs |= analysis.Lock // a streamed input's fingerprints need every file's sha256
	}
	if set.NeedsPackages() {
		needs |= analysis.Packages // a streamed input keeps the package databases
	}
	img, err := c.open(ctx, args[0], stdin, analysis.Options{Needs: needs, Keep: set.ContentPaths()})
	if err != nil {
		return err
	}
	defer img.Close()
	if lb != nil {
		lb.image = img
	}
	if set.NeedsPackages() || lb != nil && lb.lock.Packages != nil {
		if _, err := c.packages(img); err != nil {
			return err
		}
	}
	res, err := img.Check(set, check.Options{Baseline: bl})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "strata: warning: %s\n", escape.String(w))
	}
	switch output {
	case "json":
		err = render.JSON(stdout, res)
	case "junit":
		err = render.CheckJUnit(stdout, res)
	case "markdown":
		err = render.CheckMarkdown(stdout, res)
	case "github":
		err = render.CheckGitHub(stdout, res)
	case "sarif":
		err = render.CheckSARIF(stdout, res, Version)
	default:
		err = render.Check(stdout, res, c.renderFor(stdout))
	}
	if err != nil {
		return err
	}
	if !res.Passed {
		return errDifferent
	}
	return nil
}

// loadRules reads the rules the flags name, or the ones the working directory holds, their
// YAML bounded by lim.
func loadRules(rulesFile, cstFile string, overrides []string, lock bool, lim check.Limits) (*check.Set, error) {
	if rulesFile == "" {
		found, err := check.Discover(".")
		if err != nil {
			return nil, err
		}
		rulesFile = found
	}
	set := &check.Set{}
	if rulesFile != "" {
		var err error
		if set, err = check.ReadFile(rulesFile, lim); err != nil {
			return nil, err
		}
	}
	if cstFile != "" {
		cst, err := check.ReadCST(cstFile, lim)
		if err != nil {
			return nil, err
		}
		set.CST = cst
		set.Files = append(set.Files, cstFile)
	}
	for _, kv := range overrides {
		if err := set.Override(kv, lim); err != nil {
			return nil, err
		}
		set.Files = append(set.Files, "--rule "+kv)
	}
	if set.Empty() && !lock {
		return nil, &usageError{noRulesHint}
	}
	return set, nil
}
