package cli

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// actionFile is action.yml as the runner reads it (the keys this test uses).
type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name             string            `yaml:"name"`
			ID               string            `yaml:"id"`
			Uses             string            `yaml:"uses"`
			Shell            string            `yaml:"shell"`
			Run              string            `yaml:"run"`
			Env              map[string]string `yaml:"env"`
			WorkingDirectory string            `yaml:"working-directory"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var actionExpr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// runAction runs action.yml's steps as a GitHub runner would: every `run:` step exactly as
// written, with `bash --noprofile --norc -eo pipefail` (the runner's bash), the step's env
// and working-directory with their ${{ }} expressions evaluated, GITHUB_ACTION_PATH the
// repository (the action's own checkout), RUNNER_TEMP temp (a job's, shared by its steps
// and runs), GITHUB_OUTPUT a new file, and GOPROXY=off: the build uses the module cache, nothing is downloaded.
// `uses:` steps (actions/setup-go, which puts Go on PATH) are not run: the test's own Go
// stands in. It returns the exit status of the step that failed (0: none), the outputs
// written to GITHUB_OUTPUT and the last step's stdout.
func runAction(t *testing.T, workspace, temp string, inputs map[string]string) (int, string, string) {
	t.Helper()
	raw, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(raw, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs using %q, want composite", a.Runs.Using)
	}
	root, _ := filepath.Abs(".")
	output := filepath.Join(t.TempDir(), "github_output")
	if err := os.WriteFile(output, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for name, in := range a.Inputs {
		values[name] = in.Default
		if v, ok := inputs[name]; ok {
			values[name] = v
		} else if in.Required {
			t.Fatalf("input %q is required", name)
		}
	}
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
	}
	eval := func(s string) string {
		return actionExpr.ReplaceAllStringFunc(s, func(m string) string {
			e := actionExpr.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(e, "inputs."):
				return values[strings.TrimPrefix(e, "inputs.")]
			case e == "runner.temp":
				return temp
			case e == "github.action_path":
				return root
			}
			t.Fatalf("action.yml: expression %q is not one this test (or a plain shell) can give", m)
			return ""
		})
	}
	var stdout string
	for _, st := range a.Runs.Steps {
		if st.Uses != "" {
			if !strings.HasPrefix(st.Uses, "actions/setup-go@") {
				t.Fatalf("step %q uses %s: only actions/setup-go is expected", st.Name, st.Uses)
			}
			continue
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		if actionExpr.MatchString(st.Run) {
			t.Fatalf("step %q: its script holds a ${{ }} expression; pass values through env", st.Name)
		}
		script := filepath.Join(temp, "step.sh")
		if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = workspace
		if st.WorkingDirectory != "" {
			cmd.Dir = filepath.Join(workspace, eval(st.WorkingDirectory))
		}
		cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+root, "RUNNER_TEMP="+temp, "GITHUB_OUTPUT="+output,
			"GITHUB_WORKSPACE="+workspace, "GOPROXY=off", "GOFLAGS=-mod=readonly")
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+eval(v))
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		stdout = out.String()
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("step %q: %v", st.Name, err)
			}
			outputs, _ := os.ReadFile(output)
			t.Logf("step %q exited %d: %s", st.Name, ee.ExitCode(), errb.String())
			return ee.ExitCode(), string(outputs), stdout
		}
	}
	outputs, _ := os.ReadFile(output)
	return 0, string(outputs), stdout
}

// TestActionRunsCheck runs action.yml's steps on kitchen.tar: rules that pass (exit 0), a
// rules file that fails (exit 1, the SARIF report written to the output file), a baseline
// lock, the default format (github annotations) in the log.
func TestActionRunsCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds strata")
	}
	ws, temp := t.TempDir(), t.TempDir()
	kitchen, _ := filepath.Abs("testdata/docker/kitchen.tar")
	must := func(name, data string) {
		if err := os.WriteFile(filepath.Join(ws, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("pass.yaml", "max_layers: 30\nrequire_non_root_user: true\n")
	must("fail.yaml", "max_layers: 30\nforbid_paths: [/root/.ssh/**]\n")

	code, outputs, _ := runAction(t, ws, temp, map[string]string{"image": kitchen, "rules": "pass.yaml", "format": "junit", "output": "junit.xml"})
	if code != 0 || !strings.Contains(outputs, "exit-code=0") {
		t.Fatalf("passing rules: exit %d, outputs %q", code, outputs)
	}
	b, err := os.ReadFile(filepath.Join(ws, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Tests != 2 || doc.Failures != 0 {
		t.Fatalf("junit.xml: %v, %d tests, %d failures; want 2 and 0", err, doc.Tests, doc.Failures)
	}

	code, outputs, _ = runAction(t, ws, temp, map[string]string{"image": kitchen, "rules": "fail.yaml", "format": "sarif", "output": "strata.sarif"})
	if code != 1 || !strings.Contains(outputs, "exit-code=1") {
		t.Fatalf("failing rules: exit %d, outputs %q; want 1", code, outputs)
	}
	b, err = os.ReadFile(filepath.Join(ws, "strata.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	githubSARIF(t, "action sarif", b)

	var lock bytes.Buffer
	if err := run(t.Context(), []string{"baseline", kitchen}, nil, &lock, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	must("strata.lock.json", lock.String())
	code, _, stdout := runAction(t, ws, temp, map[string]string{"image": kitchen, "baseline": "strata.lock.json", "rules": "pass.yaml"})
	if code != 0 || !strings.Contains(stdout, "strata check PASS: ") {
		t.Fatalf("baseline, default format: exit %d, log:\n%s", code, stdout)
	}
}
