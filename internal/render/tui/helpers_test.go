package tui

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/packages"
)

func fixture(name string) string { return filepath.Join("..", "..", "..", "testdata", name) }

func openImage(t testing.TB, name string) *image.Image {
	t.Helper()
	img, err := load.Open(context.Background(), fixture(name), nil, load.Options{HashFiles: inspect.EqualityHash})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

// data builds what strata explore shows for one image, as the explore command does (internal/cli/explore.go).
func data(t testing.TB, img *image.Image, title string) Data {
	t.Helper()
	fs := fstree.MergeLogged(img.Layers)
	r, err := inspect.Of(img, fs.FS, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := explore.Of(img, fs)
	return Data{Title: title, Index: x, Report: r, History: history.Of(img), Open: func(p string, layer int) (io.ReadCloser, error) {
		_, v, err := x.Lookup(p, layer, true)
		if err != nil {
			return nil, err
		}
		f, err := explore.Content(p, layer, v)
		if err != nil {
			return nil, err
		}
		return content.Open(img.Layers[f.Layer], f.Entry)
	}}
}

// diffData builds what strata explore OLD NEW shows.
func diffData(t testing.TB, oldName, newName string) Data {
	t.Helper()
	old, new := openImage(t, oldName), openImage(t, newName)
	d := data(t, new, newName)
	r, err := diff.Compare(merged(old), merged(new), diff.Options{Expand: true})
	if err != nil {
		t.Fatal(err)
	}
	x := explore.OfDiff(fstree.Merge(old.Layers), fstree.Merge(new.Layers), r)
	imgs := []*image.Image{old, new}
	d.Index, d.Diff, d.OldTitle = x, r, oldName
	d.Open = func(p string, layer int) (io.ReadCloser, error) {
		_, v, err := x.Lookup(p, layer, true)
		if err != nil {
			return nil, err
		}
		f, err := explore.Content(p, layer, v)
		if err != nil {
			return nil, err
		}
		return content.Open(imgs[layer].Layers[f.Layer], f.Entry)
	}
	return d
}

// keyMsg turns a key name ("tab", "j", "G", "ctrl+c") into the message a terminal sends.
func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{
		"tab": tea.KeyTab, "enter": tea.KeyEnter, "esc": tea.KeyEscape, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	switch {
	case k == "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case strings.HasPrefix(k, "ctrl+"):
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	case special[k] != 0:
		return tea.KeyPressMsg{Code: special[k]}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// press drives Update with keys, running the commands they return (the viewer's read, the
// filter's debounce tick: delivered at once, as if the user had paused).
func press(m *Model, keys ...string) {
	m.tick = func(_ time.Duration, f func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return f(time.Time{}) }
	}
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(m, cmd)
	}
}

func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg.(type) {
	case filterMsg, viewerMsg:
		_, next := m.Update(msg)
		run(m, next)
	}
}

// packagesData is what strata explore shows of the Debian packages fixture
// (testdata/packages), its packages read as the explorer gets them (analysis.Image.Packages).
// It is read once per test binary (its 224 MB of tar take seconds to decompress under
// -race) and the tests only read it; the image stays open until the binary exits.
func packagesData(t testing.TB) Data {
	t.Helper()
	debian.once.Do(func() {
		img, err := load.Open(context.Background(), fixture("packages/debian.tar.zst"), nil, load.Options{HashFiles: inspect.EqualityHash, KeepMatch: packages.Wants})
		if err != nil {
			debian.err = err
			return
		}
		d := data(t, img, "debian.tar.zst")
		if d.Packages, debian.err = packages.Of(img, fstree.Merge(img.Layers), packages.Options{}); debian.err == nil {
			debian.d = d
		}
	})
	if debian.d.Packages == nil {
		t.Fatalf("the packages fixture: %v", debian.err)
	}
	return debian.d
}

var debian struct {
	once sync.Once
	d    Data
	err  error
}
