package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

// complete runs `strata __complete WORDS…` (what the shell scripts ask) and returns the
// completions (value and description) and the directive line.
func complete(t *testing.T, words ...string) ([]string, string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append([]string{"__complete"}, words...), nil, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("__complete %q: %v", words, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// TestCompleteValues: values come from the archive already on the command line — its tags,
// platforms, layers and paths — and fixed lists from strata's own (formats, algorithms,
// limit keys); flags and commands are strata's, as its help lists them.
func TestCompleteValues(t *testing.T) {
	t.Parallel()
	multi := filepath.Join("testdata", "synth", "multi.tar")
	kitchen := filepath.Join("testdata", "docker", "kitchen.tar")
	linked := filepath.Join(t.TempDir(), "linked.tar")
	f, err := os.Create(linked)
	if err != nil {
		t.Fatal(err)
	}
	if err := testgen.WriteDockerArchive(f, testgen.Image{Tags: []string{"linked:1"}, Layers: []testgen.Layer{{Entries: []testgen.Entry{
		testgen.Dir("lib"), testgen.File("lib/ld.so", "x"), testgen.Symlink("lib64", "lib"),
		testgen.File("evil\nname", "x"), testgen.File("evil ok", "x"),
	}}}}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct {
		words []string
		want  []string // a prefix of the completions, values only
		dir   string
	}{
		{[]string{"ins"}, []string{"inspect"}, ":4"},
		{[]string{"inspect", "--no-"}, []string{"--no-files", "--no-progress", "--no-trunc"}, ":4"},
		{[]string{"inspect", multi, "--image", ""}, []string{"app:1", "base:1"}, ":4"},
		{[]string{"inspect", multi, "--image", "b"}, []string{"base:1"}, ":4"},
		{[]string{"inspect", multi, "--platform", ""}, []string{"linux/amd64"}, ":4"},
		{[]string{"diff", multi, multi, "--new-image", "a"}, []string{"app:1"}, ":4"},
		{[]string{"inspect", "--image", ""}, nil, ":4"}, // no archive typed yet: nothing to read
		{[]string{"cat", kitchen, "/root/"}, []string{"/root/.ssh/"}, ":6"},
		{[]string{"cat", "--layer", "4", kitchen, "/root/.ssh/"}, []string{"/root/.ssh/id_rsa"}, ":4"},
		{[]string{"cat", kitchen, "/opt/app/na"}, []string{"/opt/app/names/"}, ":6"},
		{[]string{"cat", kitchen, "opt/app/names/w"}, []string{"opt/app/names/with space/"}, ":6"},
		{[]string{"cat", linked, "/l"}, []string{"/lib/", "/lib64/"}, ":6"}, // lib64 -> lib: a directory to follow
		{[]string{"cat", linked, "/lib64/"}, []string{"/lib64/ld.so"}, ":4"},
		{[]string{"cat", linked, "/evil"}, []string{"/evil ok"}, ":4"}, // not the name with a newline
		{[]string{"cat", kitchen, "/opt/app/hello.txt", ""}, nil, ":4"},
		{[]string{"files", "--layer", "3", kitchen, "/opt/app/tr"}, []string{"/opt/app/tree/"}, ":6"},
		{[]string{"cat", kitchen, "--layer", "1"}, []string{"1", "10", "11"}, ":36"},
		{[]string{"check", "-o", ""}, []string{"table", "json", "junit", "markdown", "github", "sarif"}, ":4"},
		{[]string{"inspect", "-o", ""}, []string{"table", "json"}, ":4"},
		{[]string{"files", "--hash", "sha"}, []string{"sha256", "sha512", "sha1"}, ":4"},
		{[]string{"files", "--limit", "path-"}, []string{"path-bytes=", "path-depth=", "path-len="}, ":6"},
		{[]string{"inspect", ""}, nil, ":0"},      // the image: the shell completes file names
		{[]string{"report", "-o", ""}, nil, ":0"}, // report -o names a file
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, ":4"},
	} {
		got, dir := complete(t, c.words...)
		var values []string
		for _, g := range got {
			v, _, _ := strings.Cut(g, "\t")
			values = append(values, v)
		}
		if len(values) > len(c.want) && c.want != nil {
			values = values[:len(c.want)]
		}
		if diff := cmp.Diff(c.want, values); diff != "" || dir != c.dir {
			t.Errorf("complete %q: directive %s, want %s; (-want +got):\n%s", c.words, dir, c.dir, diff)
		}
	}
}

// TestCompleteDescriptions: a tag is described by its platform and image ID, a layer by the
// command that made it, a command by strata's usage.
func TestCompleteDescriptions(t *testing.T) {
	t.Parallel()
	got, _ := complete(t, "inspect", filepath.Join("testdata", "synth", "multi.tar"), "--image", "app")
	if len(got) != 1 || !strings.HasPrefix(got[0], "app:1\tlinux/amd64 ") {
		t.Errorf("--image app: %q", got)
	}
	got, _ = complete(t, "cat", filepath.Join("testdata", "docker", "kitchen.tar"), "--layer", "15")
	if len(got) != 1 || got[0] != "15\t/bin/sh -c rm -f /root/.ssh/id_rsa" {
		t.Errorf("--layer 15: %q", got)
	}
	got, _ = complete(t, "insp")
	if len(got) != 1 || got[0] != "inspect\tidentity, config, layers, sizes, wasted space" {
		t.Errorf("insp: %q", got)
	}
}

// TestCompleteHostileNames: a name with a control character is never offered (it would
// break the protocol's lines); a registry reference or standard input is never read.
func TestCompleteHostileNames(t *testing.T) {
	t.Parallel()
	if got, _ := complete(t, "inspect", "registry.example/app:1", "--image", ""); len(got) != 0 {
		t.Errorf("a registry reference was completed: %q", got)
	}
	if got, _ := complete(t, "cat", "-", "/"); len(got) != 0 {
		t.Errorf("standard input was completed: %q", got)
	}
	if completable("evil\nname") || completable("tab\there") || !completable("日本語 x") {
		t.Error("completable lets a control character through, or refuses a printable name")
	}
}

// testBinary returns a directory holding `strata`: the test binary run as strata.
func testBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\nSTRATA_TEST_MAIN=1 exec " + os.Args[0] + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "strata"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shell returns the path of a shell the completion tests need, skipping (failing under CI)
// when it is not installed.
func shell(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil && pkg == "bash-completion" {
		_, err = os.Stat("/usr/share/bash-completion/bash_completion")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI (apt-get install -y %s)", pkg, pkg)
		}
		t.Skipf("%s not installed: the %s completion test needs it", pkg, name)
	}
	return p
}

// TestCompletionScripts: the scripts `strata completion SHELL` prints, run by the real
// shells: bash (with bash-completion, as distributions load it) and fish complete tags and
// paths from the archive; zsh parses its script.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	bin := testBinary(t)
	kitchen, _ := filepath.Abs(filepath.Join("testdata", "docker", "kitchen.tar"))
	multi, _ := filepath.Abs(filepath.Join("testdata", "synth", "multi.tar"))
	script := func(t *testing.T, sh string) string {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"completion", sh}, nil, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "strata."+sh)
		if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Run("bash", func(t *testing.T) {
		bash := shell(t, "bash", "bash-completion")
		prog := `source /usr/share/bash-completion/bash_completion
source "$1"
comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); __start_strata 2>/dev/null; printf '%s\n' "${COMPREPLY[@]}"; echo --; }
comp strata insp
comp strata inspect "$2" --image ""
comp strata cat "$3" /opt/app/names/
`
		cmd := exec.Command(bash, "-c", prog, "bash", script(t, "bash"), multi, kitchen)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want := "inspect\n--\napp:1\nbase:1\n--\n/opt/app/names/héllo wörld.txt\n/opt/app/names/with space/\n/opt/app/names/日本語.txt\n--\n"
		if diff := cmp.Diff(want, string(out)); diff != "" {
			t.Errorf("bash (-want +got):\n%s", diff)
		}
	})
	t.Run("fish", func(t *testing.T) {
		fish := shell(t, "fish", "fish")
		cmd := exec.Command(fish, "-c", `source $argv[1]; complete -C "strata insp"; complete -C "strata inspect $argv[2] --platform "; complete -C "strata cat $argv[3] /opt/app/na"`, script(t, "fish"), multi, kitchen)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want := "inspect\tidentity, config, layers, sizes, wasted space\nlinux/amd64\tapp:1, base:1\n/opt/app/names/\n"
		if diff := cmp.Diff(want, string(out)); diff != "" {
			t.Errorf("fish (-want +got):\n%s", diff)
		}
	})
	t.Run("zsh", func(t *testing.T) {
		// zsh completes only in an interactive line editor: the script's function runs with
		// words and CURRENT set as zsh sets them, and _describe (which zsh would show the
		// candidates with) prints them.
		zsh := shell(t, "zsh", "zsh")
		prog := `compdef() { : }
_describe() { print -rl -- "${completions[@]}"; return 0 }
source $1
words=(strata inspect $2 --image ''); CURRENT=5; _strata
words=(strata cat $3 /opt/app/na); CURRENT=4; _strata
`
		cmd := exec.Command(zsh, "-f", "-c", prog, "zsh", script(t, "zsh"), multi, kitchen)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		got := strings.Split(strings.TrimSpace(string(out)), "\n")
		// _describe's value:description, a colon in a value escaped.
		if len(got) != 3 || !strings.HasPrefix(got[0], `app\:1:linux/amd64 `) || !strings.HasPrefix(got[1], `base\:1:linux/amd64 `) || got[2] != "/opt/app/names/" {
			t.Errorf("zsh: %q", got)
		}
	})
}
