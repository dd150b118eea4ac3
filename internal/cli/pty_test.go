package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"
	"github.com/mattn/go-runewidth"
)

// ptyRun runs strata (this test binary) with stdout and stderr on a pseudo-terminal of cols
// columns and stdin from in, and returns the terminal's output. wait, when given, is called
// with a function that blocks until the output matches a pattern.
type ptyRun struct {
	t      *testing.T
	mu     sync.Mutex
	out    bytes.Buffer
	change chan struct{}
}

func startPTY(t *testing.T, cols uint16, env []string, stdin io.Reader, args ...string) (*ptyRun, *exec.Cmd) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: cols, Rows: 50}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "STRATA_TEST_MAIN=1", "COLUMNS="), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, tty, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	r := &ptyRun{t: t, change: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			select {
			case r.change <- struct{}{}:
			default:
			}
			if err != nil { // EIO once the child has exited and closed the terminal
				close(r.change)
				return
			}
		}
	}()
	return r, cmd
}

// waitFor blocks until the output matches re (or the terminal closes: then it fails).
func (r *ptyRun) waitFor(re *regexp.Regexp) {
	r.t.Helper()
	for {
		r.mu.Lock()
		ok := re.Match(r.out.Bytes())
		r.mu.Unlock()
		if ok {
			return
		}
		if _, open := <-r.change; !open {
			r.t.Fatalf("terminal closed before output matched %s:\n%q", re, r.output())
		}
	}
}

func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// finish waits for the command and all of its output.
func (r *ptyRun) finish(cmd *exec.Cmd) (string, error) {
	err := cmd.Wait()
	for range r.change {
	}
	return r.output(), err
}

// TestProgressOnTerminal reads an archive from a pipe that stalls after 400,000 bytes: on a
// terminal stderr the progress line appears (bytes read, the member being read), and it is
// cleared before the result is printed.
func TestProgressOnTerminal(t *testing.T) {
	archive, err := os.ReadFile("testdata/docker/kitchen.tar")
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	run, cmd := startPTY(t, 200, []string{"STRATA_PROGRESS_DELAY=0"}, pr, "inspect", "-q", "-")
	pr.Close()
	if _, err := pw.Write(archive[:400000]); err != nil {
		t.Fatal(err)
	}
	// Reading stalls here: the line must show every byte written, and the member being read.
	run.waitFor(regexp.MustCompile(`\rstrata: reading <stdin>: 400kB, layer [0-9a-f]{64}/layer\.tar\x1b\[K`))
	if _, err := pw.Write(archive[400000:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	out, err := run.finish(cmd)
	if err != nil {
		t.Fatalf("strata: %v\n%q", err, out)
	}
	i := strings.LastIndex(out, "\r\x1b[K")
	if i < 0 {
		t.Fatalf("the progress line was never cleared:\n%q", out)
	}
	if got, want := out[i+len("\r\x1b[K"):], "sha256:56967aa7dfb2c6aa321e7de75dc35e33bf387db7299f656d1abef3c3bb344383\r\n"; got != want {
		t.Errorf("after the cleared progress line: %q, want %q", got, want)
	}
	if n := strings.Count(out, "sha256:"); n != 1 {
		t.Errorf("the result is printed %d times:\n%q", n, out)
	}
}

// TestProgressOffTerminal: --no-progress, or a stderr that is not a terminal, gets no
// progress at all (nothing is even counted).
func TestProgressOffTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	notTTY, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer notTTY.Close()
	for _, c := range []struct {
		name   string
		c      common
		counts bool
	}{
		{"terminal", common{stderr: tty}, true},
		{"terminal --no-progress", common{stderr: tty, noProgress: true}, false},
		{"file", common{stderr: notTTY}, false},
		{"buffer", common{stderr: &bytes.Buffer{}}, false},
	} {
		p, done := c.c.startProgress("x.tar")
		done()
		if got := p != nil; got != c.counts {
			t.Errorf("%s: progress counted: %v, want %v", c.name, got, c.counts)
		}
	}
}

// TestTablesFitTerminal: on a terminal, history's CREATED BY shrinks to the width (or to
// COLUMNS); --no-trunc prints every command whole.
func TestTablesFitTerminal(t *testing.T) {
	longest := "&& chown 1000:1000 /home/app /data && echo keep > /opt/app/keep.txt   204.9kB" // the end of kitchen's layer 3 row
	for _, c := range []struct {
		cols    uint16
		env     []string
		args    []string
		width   int  // no line wider
		noTrunc bool // the longest command is printed whole
	}{
		{cols: 72, width: 72},
		{cols: 132, width: 132},
		{cols: 72, env: []string{"COLUMNS=100"}, width: 100},
		{cols: 60, args: []string{"--no-trunc"}, noTrunc: true},
	} {
		run, cmd := startPTY(t, c.cols, c.env, nil, append([]string{"history"}, append(c.args, "testdata/docker/kitchen.tar")...)...)
		out, err := run.finish(cmd)
		if err != nil {
			t.Fatalf("%d columns %v %v: %v\n%s", c.cols, c.env, c.args, err, out)
		}
		lines := strings.Split(strings.TrimRight(out, "\r\n"), "\r\n")
		if len(lines) != 26 {
			t.Errorf("%d columns %v %v: %d lines, want a header and 25 rows:\n%s", c.cols, c.env, c.args, len(lines), out)
		}
		widest := 0
		for _, l := range lines {
			widest = max(widest, runewidth.StringWidth(l))
		}
		switch {
		case c.noTrunc:
			if !strings.Contains(out, longest) || strings.Contains(out, "…") {
				t.Errorf("--no-trunc: commands clipped:\n%s", out)
			}
		case widest > c.width:
			t.Errorf("%d columns %v: a line is %d wide:\n%s", c.cols, c.env, widest, out)
		case widest < c.width-20:
			t.Errorf("%d columns %v: the widest line is %d, the width not used:\n%s", c.cols, c.env, widest, out)
		}
	}
}

// TestReportRefusesTerminal: report without -o, its standard output a terminal, says where
// to write instead of printing the page on the screen; -o - still writes it there.
func TestReportRefusesTerminal(t *testing.T) {
	run, cmd := startPTY(t, 80, nil, nil, "report", "testdata/docker/small.tar")
	out, err := run.finish(cmd)
	if err == nil || strings.Contains(out, "<!DOCTYPE") || !strings.Contains(out, "give -o FILE (e.g. -o report.html)") {
		t.Errorf("report on a terminal: %v\n%s", err, out)
	}
	run, cmd = startPTY(t, 80, nil, nil, "report", "-o", "-", "testdata/docker/small.tar")
	out, err = run.finish(cmd)
	if err != nil || !strings.Contains(out, "<!DOCTYPE html>") {
		t.Errorf("report -o - on a terminal: %v\n%.200s", err, out)
	}
}
