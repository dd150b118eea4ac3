package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/rogpeppe/go-internal/testscript"
)

// readmeBlocks returns the fenced code blocks of README.md marked with
// `<!-- README-TEST: tag -->` on the line before them, by tag.
func readmeBlocks(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	lines := strings.Split(string(b), "\n")
	marker := regexp.MustCompile(`^<!-- README-TEST: (\S+) -->$`)
	for i := 0; i < len(lines); i++ {
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("README.md:%d: a README-TEST marker must precede a fenced block", i+1)
		}
		var block []string
		j := i + 2
		for ; j < len(lines) && lines[j] != "```"; j++ {
			block = append(block, lines[j])
		}
		out[m[1]] = append(out[m[1]], strings.Join(block, "\n")+"\n")
		i = j
	}
	return out
}

// strataCommand finds the strata command a line of a CI job or shell block runs.
var strataCommand = regexp.MustCompile(`^\s*(?:- |run: )?(strata .*)$`)

// TestReadmeCheckCommands runs the check section's commands exactly as the README writes
// them — its .strata.yaml, the CI jobs' strata lines, the shell block — on kitchen.tar as
// app.tar, and compares the output the README shows with strata's. Each command must exit 0
// or 1 (a rule failed), never 2.
func TestReadmeCheckCommands(t *testing.T) {
	blocks := readmeBlocks(t)
	if len(blocks[".strata.yaml"]) != 1 || len(blocks["output"]) != 1 || len(blocks["ci"]) < 2 {
		t.Fatalf("README.md lost its check examples: %d rules, %d output, %d ci blocks", len(blocks[".strata.yaml"]), len(blocks["output"]), len(blocks["ci"]))
	}
	var script strings.Builder
	script.WriteString("cp $DATA/docker/kitchen.tar app.tar\n")
	// The shown output: "$ strata …" then its stdout.
	shown := strings.SplitN(blocks["output"][0], "\n", 2)
	cmd, ok := strings.CutPrefix(shown[0], "$ ")
	if !ok || !strings.HasPrefix(cmd, "strata check ") {
		t.Fatalf("output block starts with %q, want $ strata check …", shown[0])
	}
	fmt.Fprintf(&script, "! exec sh -c %s\ncmp stdout shown.txt\n", quote(cmd))
	n := 0
	for _, b := range blocks["ci"] {
		for _, line := range strings.Split(b, "\n") {
			m := strataCommand.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			n++
			fmt.Fprintf(&script, "exec sh -c %s\n", quote(m[1]+`; s=$?; [ $s -le 1 ] || { echo "exit $s" >&2; exit 1; }`))
		}
	}
	if n < 3 {
		t.Fatalf("found %d strata commands in the README's CI blocks, want at least 3", n)
	}
	// What the commands wrote is what their formats promise.
	script.WriteString("exists strata-junit.xml strata.lock.json strata-comment.md\n")
	script.WriteString("grep '<testsuites name=\"strata check\"' strata-junit.xml\n")
	script.WriteString("grep '^### strata check: FAIL' strata-comment.md\n")
	fmt.Fprintf(&script, "-- .strata.yaml --\n%s-- shown.txt --\n%s", blocks[".strata.yaml"][0], shown[1])
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "readme_check.txtar"), []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := filepath.Abs("testdata")
	testscript.Run(t, testscript.Params{
		Dir:   dir,
		Setup: func(env *testscript.Env) error { env.Setenv("DATA", data); return nil },
	})
}

// quote writes s as one testscript argument.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestReadmeAction runs the README's GitHub Actions job as written: each step that uses
// strata's action runs action.yml's steps (runAction) with the step's `with:` inputs, in a
// workspace holding kitchen.tar as app.tar and the README's .strata.yaml. A step may fail the
// check (kitchen ships a deleted key) but never with a usage error; the SARIF step's report
// meets GitHub's requirements.
func TestReadmeAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds strata")
	}
	blocks := readmeBlocks(t)
	if len(blocks["action"]) != 1 {
		t.Fatalf("README.md has %d GitHub Actions job blocks, want 1", len(blocks["action"]))
	}
	var job struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses            string            `yaml:"uses"`
				With            map[string]string `yaml:"with"`
				ContinueOnError bool              `yaml:"continue-on-error"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(blocks["action"][0]), &job); err != nil {
		t.Fatalf("the README's job: %v", err)
	}
	ws, temp := t.TempDir(), t.TempDir()
	kitchen, err := os.ReadFile("testdata/docker/kitchen.tar")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "app.tar"), kitchen, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".strata.yaml"), []byte(blocks[".strata.yaml"][0]), 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range job.Jobs {
		for _, st := range j.Steps {
			if !strings.HasPrefix(st.Uses, "strata-dev/strata@") {
				continue
			}
			n++
			code, outputs, _ := runAction(t, ws, temp, st.With)
			if code != 0 && code != 1 || !strings.Contains(outputs, fmt.Sprintf("exit-code=%d", code)) {
				t.Errorf("step with %v: exit %d, outputs %q", st.With, code, outputs)
			}
			if out := st.With["output"]; out != "" {
				b, err := os.ReadFile(filepath.Join(ws, out))
				if err != nil {
					t.Fatal(err)
				}
				if st.With["format"] == "sarif" {
					githubSARIF(t, "README job", b)
				}
			}
		}
	}
	if n < 2 {
		t.Fatalf("the README's job uses strata's action %d times, want 2", n)
	}
}
