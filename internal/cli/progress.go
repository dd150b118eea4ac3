package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"

	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/load"
	"github.com/strata-dev/strata/internal/render"
)

// progressDelay is how long reading runs before a progress line appears;
// STRATA_PROGRESS_DELAY (a Go duration) changes it, for tests.
func progressDelay() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("STRATA_PROGRESS_DELAY")); err == nil && d >= 0 {
		return d
	}
	return time.Second
}

// progressEvery is how often the line is redrawn.
const progressEvery = 200 * time.Millisecond

// forceProgress counts and draws progress whatever stderr is (BenchmarkProgress).
var forceProgress = false

// terminal returns w's file descriptor when w is a terminal.
func terminal(w io.Writer) (int, bool) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// startProgress returns a Progress for reading the input name and a function to call once
// reading is done. A line on stderr — "strata: reading NAME: READ of TOTAL (P%), layer
// MEMBER" — appears after progressDelay and is redrawn until done, which clears it; only
// when stderr is a terminal and --no-progress is not given. Otherwise the Progress is nil
// (nothing is counted) and done does nothing.
func (c *common) startProgress(name string) (*load.Progress, func()) {
	fd, tty := terminal(c.stderr)
	if c.noProgress || !(tty || forceProgress) {
		return nil, func() {}
	}
	if name == load.Stdin {
		name = "<stdin>"
	}
	p := &load.Progress{}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(progressDelay())
		defer t.Stop()
		select {
		case <-stop:
			return
		case <-t.C:
		}
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			width := 80
			if w, _, err := term.GetSize(fd); err == nil && w > 0 {
				width = w
			}
			fmt.Fprint(c.stderr, "\r"+progressLine(name, p, width-1)+"\x1b[K")
			select {
			case <-stop:
				fmt.Fprint(c.stderr, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return p, func() {
		once.Do(func() {
			close(stop)
			<-done
		})
	}
}

// progressLine says how far reading is, in at most width columns.
func progressLine(name string, p *load.Progress, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "strata: reading %s: %s", escape.String(name), render.Size(p.Read()))
	if t := p.Total(); t > 0 {
		fmt.Fprintf(&b, " of %s (%d%%)", render.Size(t), p.Read()*100/t)
	}
	if m := p.Member(); m != "" {
		fmt.Fprintf(&b, ", layer %s", escape.String(m))
	}
	return runewidth.Truncate(b.String(), max(width, 10), "…")
}
