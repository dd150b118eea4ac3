package cli

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/strata-dev/strata/internal/render/tui"
)

// BenchmarkExplore measures the explorer on the generated large image (see bench_test.go):
// first-frame is everything strata explore does before the first full frame at 200×50
// (load, merge, inspect, index, model, frame; compare BenchmarkInspect/file); the others are
// one key press each through Update plus the frame drawn after it.
//
//	go test -run XXX -bench Explore -benchmem -benchtime 20x ./internal/cli
func BenchmarkExplore(b *testing.B) {
	in := benchInputs(b)
	c := &common{}
	first := func() *tui.Model {
		d, closeAll, err := exploreData(context.Background(), c, []string{in["tar"]}, nil, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(closeAll)
		m := tui.New(d, tui.Options{})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
		if m.Frame() == "" {
			b.Fatal("no frame")
		}
		return m
	}
	b.Run("first-frame", func(b *testing.B) {
		for range b.N {
			first()
		}
	})
	m := first()
	key := func(k string) tea.KeyPressMsg {
		switch k {
		case "tab":
			return tea.KeyPressMsg{Code: tea.KeyTab}
		case "enter":
			return tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			return tea.KeyPressMsg{Code: tea.KeyEscape}
		}
		return tea.KeyPressMsg{Code: rune(k[0]), Text: k}
	}
	press := func(keys ...string) {
		for _, k := range keys {
			m.Update(key(k))
		}
		_ = m.Frame()
	}
	bench := func(name string, setup []string, cycle ...string) {
		b.Run(name, func(b *testing.B) {
			press(setup...)
			b.ResetTimer()
			for i := range b.N {
				press(cycle[i%len(cycle)])
			}
		})
	}
	// The layers pane has the focus first.
	bench("layer-switch", nil, "k", "j")
	bench("cursor-down", []string{"tab"}, "j")
	bench("page-down", nil, "f")
	// Largest directories first, then open and close the biggest one's biggest child.
	bench("expand-collapse", []string{"s", "g", "l", "j", "l", "j"}, "l", "h")
	bench("sort-toggle", nil, "s")
	bench("changes-toggle", nil, "d")
	bench("filter-key", []string{"/"}, "a", "b")
	bench("filter-apply", []string{"esc"}, "/", "x", "enter")
}
