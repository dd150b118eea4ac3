package check

import (
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestYAMLBounds: a rules file nested 100,000 deep (flow lists, block lists, flow mappings,
// indentation), an alias bomb, and a flat list of more tokens than the limit are refused
// before go-yaml's parser sees them, naming the file, the position and the key; a file within
// the limits reads (issue 18, item 5).
func TestYAMLBounds(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string // the error's start
	}{
		{"flow list 100,000 deep", testgen.DeepFlowYAML("forbid_paths", 100_000), "deep.yaml:1:78: forbid_paths: nested deeper than 64 levels"},
		{"block list 100,000 deep", testgen.DeepBlockYAML("forbid_paths", 100_000), "deep.yaml:2:129: forbid_paths: nested deeper than 64 levels"},
		{"flow mapping 100,000 deep", testgen.DeepMapYAML("config", 100_000), "deep.yaml:1:261: config: nested deeper than 64 levels"},
		{"indented mapping 1,000 deep", testgen.DeepIndentYAML("config", 1000), "deep.yaml:65:65: config: nested deeper than 64 levels"},
		{"alias bomb", testgen.AliasBombYAML("forbid_paths", 9, 10), "deep.yaml:6:9: forbid_paths[4]: its aliases expand to more than 100000 YAML nodes"},
		{"4 MB flat list", testgen.FlatYAML("forbid_paths", 4<<20-100), "deep.yaml:1:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, parse := range []struct {
				name string
				f    func([]byte, string) error
			}{
				{"rules", func(d []byte, n string) error { _, err := ParseRules(d, n, DefaultLimits); return err }},
				{"dive", func(d []byte, n string) error { _, err := ParseDive(d, n, DefaultLimits); return err }},
				{"cst", func(d []byte, n string) error { _, err := ParseCST(d, n, DefaultLimits); return err }},
			} {
				err := parse.f(c.data, "deep.yaml")
				var re *RulesError
				if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), c.want) || !strings.Contains(err.Error(), "--limit yaml-") {
					t.Errorf("%s: err = %.300v\nwant %q… naming the --limit", parse.name, err, c.want)
				}
				if isDive(c.data, DefaultLimits) {
					t.Errorf("isDive took it for a .dive-ci")
				}
			}
		})
	}
	ok := "forbid_paths:\n  - &p /root/.ssh/**\n  - *p\nfiles:\n  - path: /etc/passwd\n    contains: ['^root:']\n"
	if _, err := ParseRules([]byte(ok), "ok.yaml", DefaultLimits); err != nil {
		t.Errorf("a rules file within the limits: %v", err)
	}
	if _, err := ParseRules([]byte(ok), "ok.yaml", Limits{MaxDepth: 2}); err == nil || !strings.Contains(err.Error(), "ok.yaml:5:5: files: nested deeper than 2 levels") {
		t.Errorf("depth 2: %v", err)
	}
	if _, err := ParseRules([]byte(ok), "ok.yaml", Limits{MaxNodes: 10}); err == nil || !strings.Contains(err.Error(), "more than 10 YAML tokens") {
		t.Errorf("10 nodes: %v", err)
	}
}

// TestRuleOneValue: --rule KEY=VALUE takes one YAML value for one key: a second line, a
// second document, or another key is a usage error, never silently dropped (item 7).
func TestRuleOneValue(t *testing.T) {
	for _, kv := range []string{
		"max_layers=100\nmax_size: 1B",
		"max_layers=100\n---\nmax_size: 1B",
		"max_layers=100 # a comment hiding nothing\nmax_size: 1B",
		"forbid_paths=[\"/a\"]\nmax_size: 1B",
		"max_layers=100\r\nmax_size: 1B",
		"required_labels.a=x\nb: y",
		"max_layers=" + string(testgen.DeepFlowYAML("x", 1000)),
		// Values of list keys and of nested keys, which may be read as YAML before the rule
		// document is built: every read is bounded.
		"forbid_paths=" + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		"config.cmd=" + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		"baseline.max_layer_growth=" + strings.Repeat("{a: ", 100_000) + strings.Repeat("}", 100_000),
	} {
		var s Set
		err := s.Override(kv, DefaultLimits)
		var re *RulesError
		if !errors.As(err, &re) {
			t.Errorf("--rule %q: err = %v, want a *RulesError", kv, err)
			continue
		}
		if s.Rules.MaxSize != nil {
			t.Errorf("--rule %q set max_size", kv)
		}
	}
	for _, kv := range []string{"max_layers=100", "forbid_paths=[\"/a\", \"/b\"]", "forbid_paths=[\"/a\",\n \"/b\"]", "required_labels.org.x=^a$", "max_size=1.5GiB # a comment", "max_layers=\n  100", "config={user: app}"} {
		var s Set
		if err := s.Override(kv, DefaultLimits); err != nil {
			t.Errorf("--rule %q: %v", kv, err)
		}
	}
	// The limits are the caller's, per call: the same value within the default and past a
	// lower bound given beside it (no process-wide setting to leak between reads).
	var s Set
	if err := s.Override(`forbid_paths=["/a", "/b", "/c"]`, Limits{MaxNodes: 4}); err == nil || !strings.Contains(err.Error(), "more than 4 YAML tokens") {
		t.Errorf("4 nodes: %v", err)
	}
	if err := s.Override(`forbid_paths=["/a", "/b", "/c"]`, DefaultLimits); err != nil {
		t.Errorf("default limits: %v", err)
	}
}

// TestDiveNaN: a .dive-ci ratio that is not a number (NaN in any spelling, infinities) is
// misconfigured, as every other out-of-range value: never a rule that passes every image
// (issue 18, item 6).
func TestDiveNaN(t *testing.T) {
	for _, key := range []string{"lowestEfficiency", "highestUserWastedPercent"} {
		for _, v := range []string{"NaN", "nan", "-NaN", ".nan", ".NaN", "Inf", "+Inf", "-inf", "infinity", ".inf", "'NaN'"} {
			data := []byte("rules:\n  " + key + ": " + v + "\n")
			_, err := ParseDive(data, ".dive-ci", DefaultLimits)
			var re *RulesError
			if !errors.As(err, &re) || re.Line != 2 || !strings.Contains(re.Key, key) {
				t.Errorf("%s: %s: err = %v, want a *RulesError at line 2 naming the key", key, v, err)
			}
		}
	}
	if _, err := ParseDive(testgen.DiveCI("0.9"), ".dive-ci", DefaultLimits); err != nil {
		t.Error(err)
	}
}

// collDepth is the nesting of mappings and sequences in a parsed tree (a document's own
// mapping is 1), aliases not followed.
func collDepth(n ast.Node, inMapping bool) int {
	switch n := n.(type) {
	case *ast.DocumentNode:
		return collDepth(n.Body, false)
	case *ast.MappingNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, collDepth(v, true))
		}
		return 1 + d
	case *ast.MappingValueNode:
		d := max(collDepth(n.Key, false), collDepth(n.Value, false))
		if !inMapping {
			d++
		}
		return d
	case *ast.MappingKeyNode:
		return collDepth(n.Value, false)
	case *ast.SequenceNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, collDepth(v, false))
		}
		return 1 + d
	case *ast.AnchorNode:
		return collDepth(n.Value, inMapping)
	case *ast.TagNode:
		return collDepth(n.Value, inMapping)
	}
	return 0
}

// FuzzYAMLBounds: whatever the pre-scan lets through, go-yaml's tree is no deeper than the
// depth limit, so the parser never sees a document nested beyond it; and the bounded parse
// never panics. Small limits keep every execution fast.
func FuzzYAMLBounds(f *testing.F) {
	for _, s := range [][]byte{
		testgen.DeepFlowYAML("forbid_paths", 20),
		testgen.DeepBlockYAML("forbid_paths", 20),
		testgen.DeepMapYAML("config", 20),
		testgen.DeepIndentYAML("config", 20),
		testgen.AliasBombYAML("forbid_paths", 4, 5),
		testgen.FlatYAML("forbid_paths", 400),
		[]byte("a: |\n  [[[[[[[[[[\n  - - - -\nb: [c, {d: [e]}]\n"),
		[]byte("a: \"[[[[\\\"[[\" # [[[[\nb: '['' [[' \n? c\n: - - d\n"),
		[]byte("--- [a]\n--- {b: c}\n...\n"),
		[]byte("a: !!seq [&x b, *x, !t c]\nd: x[y] # z\n  - e\n"),
		[]byte("a:\n- b:\n  - c:\n    - d\n"),
		[]byte("[a, [b, {c: [d, e]}], f]: g\n"),
		[]byte("t:\n- - - - - - - -"), // an indentless sequence under a key is a level (found by fuzzing)
	} {
		f.Add(s)
	}
	lim := Limits{MaxDepth: 8, MaxNodes: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		if scanBounds(data, "f", lim) != nil {
			return
		}
		file, err := parser.ParseBytes(data, 0)
		if err != nil {
			return
		}
		for _, d := range file.Docs {
			if got := collDepth(d, false); got > lim.MaxDepth {
				t.Fatalf("the pre-scan let a document nested %d deep through (limit %d)", got, lim.MaxDepth)
			}
		}
		aliasBounds(file, "f", lim)
	})
}
