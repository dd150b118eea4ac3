package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestGoldenFrames runs the explorer as a program (teatest) at three fixed sizes (80×24 too), drives it
// with keys to its main states and compares the final frame, as text, with
// testdata/TestGoldenFrames/<state>_<W>x<H>.golden (go test -update rewrites them).
func TestGoldenFrames(t *testing.T) {
	kitchen := openImage(t, "docker/kitchen.tar")
	type state struct {
		name string
		diff bool
		pkgs bool // the Debian packages fixture, its packages read
		keys []string
		wait string // text the program has drawn once the keys took effect
	}
	filter := []string{"k", "tab", "/", "i", "d", "_", "r", "s", "a", "enter"}
	states := []state{
		{name: "start", wait: "WORKDIR"},
		{name: "secret", keys: filter, wait: "id_rsa"},
		{name: "viewer", keys: append(append([]string{}, filter...), "G", "enter"), wait: "not-a-real-key"},
		{name: "changes", keys: append(repeat("k", 13), "tab", "d"), wait: "only its changes"},
		{name: "bysize", keys: []string{"tab", "s", "j", "j", "l"}, wait: "by size"},
		{name: "waste", keys: []string{"w", "j"}, wait: "Waste"},
		{name: "image", keys: []string{"tab", "tab", "tab"}, wait: "WorkingDir:"},
		{name: "help", keys: []string{"?"}, wait: "this help"},
		{name: "diff", diff: true, keys: []string{"tab", "d"}, wait: "only its changes"},
		{name: "packages", pkgs: true, keys: []string{"p", "[", "[", "[", "j"}, wait: "downgraded by layer 3"},
	}
	for _, size := range [][2]int{{80, 24}, {100, 30}, {200, 50}} {
		for _, s := range states {
			t.Run(fmt.Sprintf("%s_%dx%d", s.name, size[0], size[1]), func(t *testing.T) {
				d := data(t, kitchen, "kitchen.tar")
				if s.diff {
					d = diffData(t, "docker/kitchen.tar", "docker/ctr-basic.export.tar")
				}
				if s.pkgs {
					d = packagesData(t)
				}
				tm := teatest.NewTestModel(t, New(d, Options{Mono: true}),
					teatest.WithInitialTermSize(size[0], size[1]),
					teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
				for _, k := range s.keys {
					tm.Send(keyMsg(k))
				}
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s.wait)) },
					teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				m := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*Model)
				frame := ansi.Strip(m.Frame())
				if n := strings.Count(frame, "\n") + 1; n != size[1] {
					t.Errorf("%d lines, want %d", n, size[1])
				}
				golden.RequireEqual(t, frame+"\n")
			})
		}
	}
}

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}
