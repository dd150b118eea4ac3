package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxScreen drives a real strata binary in a tmux pane of a fixed size.
type tmuxScreen struct {
	t      *testing.T
	socket string
}

func (s *tmuxScreen) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxScreen) capture() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until it shows every want (each poll reads the pane; the bound
// is on polls, generous for a loaded machine, and a failure prints the screen).
func (s *tmuxScreen) waitFor(want ...string) string {
	s.t.Helper()
	var screen string
	for range 600 {
		screen = s.capture()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			return screen
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q:\n%s", want, screen)
	return ""
}

// until polls the screen until ok holds, as waitFor does.
func (s *tmuxScreen) until(what string, ok func(screen string) bool) {
	s.t.Helper()
	var screen string
	for range 600 {
		if screen = s.capture(); ok(screen) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %s:\n%s", what, screen)
}

func (s *tmuxScreen) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// TestExploreInTmux runs strata explore on Docker-made fixtures in tmux, as a user would:
// open, select a layer, filter, open the waste pane, read a file, quit; and browse an
// export's diff against its image. It needs tmux (skipped without it, except under CI).
func TestExploreInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is required under CI (apt-get install -y tmux)")
		}
		t.Skip("tmux not installed: the end-to-end explorer test needs it (apt-get install -y tmux)")
	}
	bin := filepath.Join(testBinary(t), "strata") // this test binary, as strata: no go build
	start := func(t *testing.T, env string, args ...string) *tmuxScreen {
		s := &tmuxScreen{t: t, socket: fmt.Sprintf("strata-e2e-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))}
		cmd := fmt.Sprintf("%s %s explore %s; echo \"exit=$?\"; sleep 600", env, bin, strings.Join(args, " "))
		s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", cmd)
		t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
		return s
	}
	kitchen := filepath.Join("testdata", "docker", "kitchen.tar")
	t.Run("kitchen", func(t *testing.T) {
		s := start(t, "", kitchen)
		s.waitFor("Layers (17)", "Files as of layer 16", "WORKDIR /srv/work")
		s.keys("k") // layer 15: the one that deleted the key
		s.waitFor("Files as of layer 15", "rm -f /root/.ssh/id_rsa")
		s.keys("Tab", "/", "id_rsa", "Enter")
		// The filtered tree shows the deleted key as D, 89 bytes, from layer 4.
		screen := s.waitFor("filter id_rsa", "D      89B   4        id_rsa")
		s.keys("G", "Enter")
		s.waitFor("2 not-a-real-key", "as of layer 14")
		s.keys("Escape") // alone: an escape followed at once by a key reads as alt+key
		s.waitFor("Layers (17)")
		s.keys("w")
		screen = s.waitFor("Waste 204.9kB (8)")
		for _, want := range []string{"204.8kB   3  /opt/app/big.bin  metadata-only", "89B   4  /root/.ssh/id_rsa [sensitive]"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the waste pane lacks %q:\n%s", want, screen)
			}
		}
		s.keys("Enter") // the first row: big.bin, added by layer 3
		s.waitFor("Files as of layer 3", "/opt/app/big.bin  file 0644")
		s.tmux("resize-window", "-t", "e2e", "-x", "90", "-y", "24")
		s.until("the frame laid out again at 90×24", func(screen string) bool {
			lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
			return len(lines) == 24 && strings.HasPrefix(lines[22], "╰") && strings.HasSuffix(lines[22], "╯") &&
				len([]rune(lines[0])) == 90 && strings.HasSuffix(lines[0], "╮") && strings.Contains(screen, "Files as of layer 3")
		})
		s.keys("q")
		s.waitFor("exit=0")
	})
	t.Run("stdin", func(t *testing.T) {
		s := start(t, "", "- <"+filepath.Join("testdata", "docker", "kitchen.tar.gz"))
		s.waitFor("Layers (17)", "Files as of layer 16")
		s.keys("Tab", "Enter") // /bin: opens
		s.waitFor("busybox")
		s.keys("j", "Enter") // streamed input: the viewer says why it cannot read it
		s.waitFor("content not available")
		s.keys("q", "q")
		s.waitFor("exit=0")
	})
	t.Run("export-diff", func(t *testing.T) {
		s := start(t, "NO_COLOR=1", kitchen, filepath.Join("testdata", "docker", "ctr-basic.export.tar"))
		s.waitFor("Files of NEW", "Mode: export")
		s.keys("Tab", "d")
		screen := s.waitFor("only its changes", "added.txt")
		for _, want := range []string{"A       6B   0        added.txt", "D       8B   3        target1.txt", "A       4B   0            one.txt"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the diff tree lacks %q:\n%s", want, screen)
			}
		}
		s.keys("C-c")
		s.waitFor("exit=0")
	})
}
