package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// readmeExample is one command line of a README code block that runs strata.
type readmeExample struct {
	line int    // in README.md
	cmd  string // as written, without a trailing comment
}

var (
	// an example runs strata: the line starts with it, or pipes into it
	runsStrata = regexp.MustCompile(`^(strata \S|docker (save|export) \S+ (\| \S+ )*\| strata \S)`)
	// a synopsis names placeholders, not files: strata inspect IMAGE, [--rules FILE]
	synopsis = regexp.MustCompile(`\b(IMAGE|OLD|NEW|ARCHIVE|PATH|LOCK|SHELL|ROOT)\b|\[-|\[NEW\]|\.\.\.`)
	// a shell comment after the command
	comment = regexp.MustCompile(`\s+#\s.*$`)
)

// readmeExamples returns every command line of README.md's code blocks (indented or fenced)
// that runs strata ("go run . ARGS" too, as strata ARGS), in order, except synopses (which
// name placeholders) and output lines ("strata: error: …").
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeExample
	fenced := false
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "```") {
			fenced = !fenced
			continue
		}
		var code string
		switch {
		case fenced:
			code = strings.TrimSpace(l)
		case strings.HasPrefix(l, "    "):
			code = strings.TrimSpace(l)
		default:
			continue
		}
		code = strings.TrimPrefix(code, "- ") // a CI job's script line
		if rest, ok := strings.CutPrefix(code, "go run . "); ok {
			code = "strata " + rest // the same program, built by go run
		}
		if m := comment.FindStringIndex(code); m != nil {
			code = code[:m[0]]
		}
		if !runsStrata.MatchString(code) || strings.HasPrefix(code, "strata: ") || synopsis.MatchString(code) {
			continue
		}
		out = append(out, readmeExample{i + 1, code})
	}
	return out
}

// TestReadmeExamples runs every strata command line of the README's code blocks, as
// written, in a directory holding the files they name: app.tar (kitchen.tar) and
// app.tar.gz, app-1.tar and app-2.tar (small, small2), build-a.tar and build-b.tar,
// app-next.tar, images.tar (two images: app:1, base:1), index.tar (app:1 for linux/amd64 and
// linux/arm64/v8), build.tar and the README's .strata.yaml; `docker save app:1` and `docker export ctr` stand for cat of
// app.tar and of an export of a kitchen container; registry references (ghcr.io/o/app:1,
// registry.example/app:prod) name images pushed to an in-process registry. explore runs in
// a pseudo-terminal and is quit with q. Each must exit 0, or 1 where the command reports a
// difference or a failed check — never 2.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README example")
	}
	examples := readmeExamples(t)
	if len(examples) < 30 {
		t.Fatalf("found %d strata examples in README.md, want at least 30", len(examples))
	}
	ws := t.TempDir()
	copyTo := func(src, dst string) {
		b, err := os.ReadFile(filepath.Join("testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for dst, src := range map[string]string{
		"app.tar": "docker/kitchen.tar", "app.tar.gz": "docker/kitchen.tar.gz",
		"app-1.tar": "docker/small.tar", "app-2.tar": "docker/small2.tar",
		"build-a.tar": "docker/small.tar", "build-b.tar": "docker/small2.tar",
		"app-next.tar": "docker/kitchen.tar", "build.tar": "docker/small2.tar",
		"images.tar": "synth/multi.tar", "index.tar": "synth/containerd.tar",
		"ctr.tar": "docker/ctr-basic.export.tar",
	} {
		copyTo(src, dst)
	}
	// testdata/, for the set-up's go run line.
	data, _ := filepath.Abs("testdata")
	if err := os.Symlink(data, filepath.Join(ws, "testdata")); err != nil {
		t.Fatal(err)
	}
	// The rules file the README's check section writes, as .strata.yaml.
	rules := readmeBlocks(t)[".strata.yaml"]
	if len(rules) != 1 {
		t.Fatal("README.md lost its .strata.yaml")
	}
	if err := os.WriteFile(filepath.Join(ws, ".strata.yaml"), []byte(rules[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	// strata on PATH is this test binary.
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	wrapper := "#!/bin/sh\nSTRATA_TEST_MAIN=1 exec " + self + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "strata"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// The registry's images.
	reg := newTestRegistry(t)
	reg.pushArchive(t, "testdata/docker/small.tar", "app:prod")
	index := filepath.Join(t.TempDir(), "index")
	if err := os.MkdirAll(index, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-C", index, "-xf", "testdata/synth/containerd.tar").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	pushIndex(t, reg, index, "o/app:1")
	host := strings.NewReplacer("ghcr.io/", reg.host+"/", "registry.example/", reg.host+"/",
		"docker save app:1", "cat app.tar", "docker export ctr", "cat ctr.tar")
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "COLUMNS=", "STRATA_CACHE=")
	t.Chdir(ws) // relative names, and .strata.yaml, as the examples expect
	t.Setenv("STRATA_CACHE", "")
	// An engine's data root stands for the captured roots of testdata/dataroot (unpacked as
	// root only; CI runs as root), and the README's names for the ones captured there.
	roots := strings.NewReplacer()
	dataRoot := regexp.MustCompile(`/var/lib/(docker|containerd|containers/storage)\b`)
	if os.Geteuid() == 0 {
		roots = strings.NewReplacer(
			"/mnt/host/var/lib/containerd", unpackRoot(t, "containerd-overlayfs"),
			"/var/lib/docker", unpackRoot(t, "docker-overlay2"),
			"/var/lib/containers/storage", unpackRoot(t, "podman-overlay"),
			"--container web ", "--container edit ", "--container 3f2a ", "--container edit ",
			"--image app:1 ", "--image h22/app:1 ")
	}
	for _, ex := range examples {
		cmd := host.Replace(ex.cmd)
		if dataRoot.MatchString(cmd) {
			if os.Geteuid() != 0 {
				if os.Getenv("CI") == "true" {
					t.Fatalf("README.md:%d: CI runs as root and must run the data-root examples", ex.line)
				}
				t.Logf("README.md:%d: skipped: the data-root fixtures unpack as root only", ex.line)
				continue
			}
			cmd = roots.Replace(cmd)
		}
		if strings.Contains(cmd, "strata explore") {
			runReadmeExplore(t, ex, cmd, ws, env)
			continue
		}
		code, stderr, ok := runPipeline(t, cmd)
		if !ok { // not a pipeline runPipeline knows: the shell runs it
			c := exec.Command("sh", "-c", cmd)
			c.Dir, c.Env = ws, env
			var eb bytes.Buffer
			c.Stdout, c.Stderr = &bytes.Buffer{}, &eb
			err := c.Run()
			if ee, isExit := err.(*exec.ExitError); isExit {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("README.md:%d: %v", ex.line, err)
			}
			stderr = eb.String()
		}
		if code > 1 {
			t.Errorf("README.md:%d: %s: exit %d\n%s", ex.line, ex.cmd, code, stderr)
		}
	}
}

// runPipeline runs, in this process, a command line made of "cat FILE |", "gzip |" and one
// strata command with an optional "> FILE": the examples' shapes (cheaper than a process
// each under -race). It reports false for any other line.
func runPipeline(t *testing.T, line string) (code int, stderr string, ok bool) {
	t.Helper()
	out := ""
	if i := strings.LastIndex(line, " > "); i > 0 {
		line, out = line[:i], strings.TrimSpace(line[i+3:])
	}
	segs := strings.Split(line, " | ")
	var stdin []byte
	for _, seg := range segs[:len(segs)-1] {
		switch f := strings.Fields(seg); {
		case len(f) == 2 && f[0] == "cat":
			b, err := os.ReadFile(f[1])
			if err != nil {
				t.Fatal(err)
			}
			stdin = b
		case len(f) == 1 && f[0] == "gzip":
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(stdin)
			w.Close()
			stdin = z.Bytes()
		default:
			return 0, "", false
		}
	}
	args, ok := shellWords(segs[len(segs)-1])
	if !ok || len(args) == 0 || args[0] != "strata" || strings.ContainsAny(out, " $`") {
		return 0, "", false
	}
	var stdout, errb bytes.Buffer
	err := run(context.Background(), args[1:], bytes.NewReader(stdin), &stdout, &errb)
	code = exitCode(err, &errb)
	if out != "" {
		if err := os.WriteFile(out, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return code, errb.String(), true
}

// shellWords splits a command as sh does for the examples' words: blanks separate words,
// single and double quotes group (no escapes or expansions; a "$" is refused).
func shellWords(s string) ([]string, bool) {
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case c == '$' || c == '\\' || c == '*' || c == '?' || c == ';' || c == '&' || c == '<' || c == '>':
			return nil, false
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, false
	}
	if in {
		words = append(words, w.String())
	}
	return words, true
}

// runReadmeExplore runs an explore example in a pseudo-terminal (its controlling terminal, so
// that keys come from /dev/tty when the image comes from a pipe), waits for the first frame
// and quits with q.
func runReadmeExplore(t *testing.T, ex readmeExample, cmd, dir string, env []string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 100, Rows: 30}); err != nil {
		t.Fatal(err)
	}
	c := exec.Command("sh", "-c", cmd)
	c.Dir, c.Env = dir, env
	c.Stdout, c.Stderr = tty, tty
	if !strings.Contains(cmd, "|") {
		c.Stdin = tty
	}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 1}
	if err := c.Start(); err != nil {
		t.Fatalf("README.md:%d: %v", ex.line, err)
	}
	tty.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	text := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(text(), "Layers") && !strings.Contains(text(), "Images") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	ptmx.Write([]byte("q"))
	err = c.Wait()
	<-done
	if err != nil {
		t.Errorf("README.md:%d: %s: %v\n%q", ex.line, ex.cmd, err, text())
	}
}

// pushIndex pushes the image index an OCI layout's index.json names first (a
// containerd export's: one entry, the tag's multi-platform index) as repoTag.
func pushIndex(t *testing.T, reg *testRegistry, dir, repoTag string) {
	t.Helper()
	reg.pushing.Store(true)
	defer reg.pushing.Store(false)
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	child, err := ii.ImageIndex(idx.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := child.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// The images whose blobs the export holds (it leaves absent platforms out).
	var out v1.ImageIndex = empty.Index
	for _, m := range cm.Manifests {
		img, err := child.Image(m.Digest)
		if err != nil {
			continue
		}
		if _, err := img.RawConfigFile(); err != nil {
			continue
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: m.Platform}})
	}
	ref, err := name.ParseReference(reg.ref(repoTag))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, out); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeStatements holds claims of the README that no example shows: the Go version
// the set-up names is go.mod's, and a wasted row standing for a deleted directory lists its
// one file in paths (kitchen.tar's /opt/app/swap).
func TestReadmeStatements(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if goLine == nil || !bytes.Contains(readme, []byte("## Set-up (a fresh machine with Go "+string(goLine[1])+" or later)")) {
		t.Errorf("README.md's set-up does not name go.mod's Go version %s", goLine[1])
	}
	var r struct {
		Wasted []struct {
			Path  string   `json:"path"`
			Files int      `json:"files"`
			Paths []string `json:"paths"`
		} `json:"wasted"`
	}
	strataJSON(t, &r, nil, "inspect", "testdata/docker/kitchen.tar")
	found := false
	for _, w := range r.Wasted {
		if w.Path == "/opt/app/swap" {
			found = w.Files == 1 && len(w.Paths) == 1 && w.Paths[0] == "/opt/app/swap/old/child.txt"
		}
	}
	if !found || !bytes.Contains(readme, []byte("`/opt/app/swap` has `files: 1` and `paths: [\"/opt/app/swap/old/child.txt\"]`")) {
		t.Errorf("kitchen.tar's /opt/app/swap row and the README's words about it disagree: %+v", r.Wasted)
	}
}
