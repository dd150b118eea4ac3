//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestHostileRulesInputs: what strata check reads besides the image — a rules file nested
// 100,000 deep or an alias bomb, a .dive-ci with a NaN threshold, a --rule value that goes on
// to a second line, a FIFO as --rules, --cst or --baseline — is exit 2 with one line naming
// the file (and line and key), nothing on stdout, at once (issue 18, items 5 to 8).
func TestHostileRulesInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	deep := write("deep.yaml", testgen.DeepFlowYAML("forbid_paths", 100_000))
	block := write("block.yaml", testgen.DeepBlockYAML("forbid_paths", 100_000))
	bomb := write("bomb.yaml", testgen.AliasBombYAML("forbid_paths", 9, 10))
	flat := write("flat.yaml", testgen.FlatYAML("forbid_paths", 4<<20-100))
	nan := write("nan.dive-ci", testgen.DiveCI("NaN"))
	lock := write("wide.lock.json", testgen.WideLock(16<<20-64))
	rules := write("ok.yaml", []byte("max_layers: 100\n"))
	img := "testdata/docker/small.tar"
	for _, c := range []struct {
		name string
		args []string
		want string // the error line starts with it
	}{
		{"deep flow list", []string{"--rules", deep}, deep + ":1:78: forbid_paths: nested deeper than 64 levels"},
		{"deep block list", []string{"--rules", block}, block + ":2:129: forbid_paths: nested deeper than 64 levels"},
		{"deep list as --cst", []string{"--cst", deep}, deep + ":1:78: forbid_paths: nested deeper than 64 levels"},
		{"alias bomb", []string{"--rules", bomb}, bomb + ":6:9: forbid_paths[4]: its aliases expand to more than 100000 YAML nodes"},
		{"4 MB flat list", []string{"--rules", flat}, flat + ":1:"},
		{"deep --rule", []string{"--rule", "max_layers=" + string(testgen.DeepFlowYAML("x", 100_000))}, "--rule max_layers=x: [[[["},
		{".dive-ci NaN", []string{"--rules", nan}, nan + ":2:3: rules.lowestEfficiency: \"NaN\": want a ratio from 0 to 1"},
		{"--rule on two lines", []string{"--rule", "max_layers=100\nmax_size: 1B"}, `--rule max_layers=100\u000amax_size: 1B: the value sets 2 keys`},
		{"--rules FIFO", []string{"--rules", fifo}, fifo + ": a FIFO or pipe, not a regular file"},
		{"--cst FIFO", []string{"--rules", rules, "--cst", fifo}, fifo + ": a FIFO or pipe, not a regular file"},
		{"--baseline FIFO", []string{"--baseline", fifo}, "--baseline " + fifo + ": open " + fifo + ": a FIFO or pipe, not a regular file"},
		{"--baseline 16 MB of {}", []string{"--baseline", lock}, lock + ":1:15: key x: unknown key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{"check"}, c.args...), img)
			code := exitCode(run(context.Background(), args, strings.NewReader(""), &out, &errb), &errb)
			line, _, _ := strings.Cut(errb.String(), "\n")
			if code != 2 || out.Len() != 0 || !strings.HasPrefix(line, "strata: error: "+c.want) {
				t.Errorf("exit %d, stdout %d bytes, stderr %.300q\nwant exit 2, nothing, and %q", code, out.Len(), errb.String(), "strata: error: "+c.want)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := exitCode(run(context.Background(), []string{"baseline", "--against", fifo, img}, strings.NewReader(""), &out, &errb), &errb); code != 2 || !strings.Contains(errb.String(), "not a regular file") {
		t.Errorf("baseline --against FIFO: exit %d, %q", code, errb.String())
	}
}
