package html

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests open written reports in Debian's chromium (headless, the system binary:
// nothing is downloaded), one browser per test binary and a tab per page. They skip when
// chromium is absent, unless CI=true: then they fail.

const chromiumPath = "/usr/bin/chromium"

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	browserCancel()
	os.Exit(code)
}

func chromium() string {
	if p := os.Getenv("STRATA_CHROMIUM"); p != "" {
		return p
	}
	return chromiumPath
}

// browser returns the shared browser, starting it on first use.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium()); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed for the browser tests under CI=true: %v (apt-get install -y chromium)", err)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium to run it; it fails under CI=true)", chromium())
	}
	browserOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium()), chromedp.NoSandbox, chromedp.Headless,
			chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 900))
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		browserErr = chromedp.Do(bctx)
		browserCtx = bctx
		browserCancel = func() { bcancel(); acancel() }
	})
	if browserErr != nil {
		t.Fatalf("starting %s: %v", chromium(), browserErr)
	}
	return browserCtx
}

// tab is one open report.
type tab struct {
	ctx context.Context
	t   *testing.T

	mu       sync.Mutex
	problems []string // console errors, exceptions, requests other than file:/data:, dialogs
}

func (tb *tab) problem(format string, args ...any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, fmt.Sprintf(format, args...))
}

// open loads the report at file in a new tab and waits for it to draw itself.
func open(t *testing.T, file string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t))
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx, t: t}
	dialogs := make(chan struct{}, 16)
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch e.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.problem("console %s: %s", e.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.problem("exception: %s (line %d)", msg, d.LineNumber)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				tb.problem("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u := e.Request.URL
			if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") {
				tb.problem("request to %s", u)
			}
		case *page.EventJavascriptDialogOpening:
			tb.problem("dialog opened (%s): %s", e.Type, e.Message)
			select {
			case dialogs <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate("file://"+abs),
		chromedp.WaitReady(`body[data-ready]`),
	); err != nil {
		t.Fatalf("opening %s: %v", file, err)
	}
	ready := evalAs[string](tb, `document.body.dataset.ready`)
	ms := evalAs[[]float64](tb, `[+document.body.dataset.decodedMs || 0, +document.body.dataset.readyMs || 0]`)
	t.Logf("%s: data decoded %.0f ms, page drawn and interactive %.0f ms after navigation start", filepath.Base(file), ms[0], ms[1])
	if ready != "true" {
		tb.checkClean()
		t.Fatalf("page did not render: data-ready=%q", ready)
	}
	return tb
}

// evalAs evaluates a JavaScript expression (awaiting a promise) into a T.
func evalAs[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// do runs chromedp actions.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatal(err)
	}
}

// frame waits for two animation frames, so that rows scheduled on scroll are drawn.
func (tb *tab) frame() {
	tb.t.Helper()
	evalAs[bool](tb, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
}

// checkClean fails the test for every console error, exception, dialog or request seen.
func (tb *tab) checkClean() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("page: %s", p)
	}
}

// screenshot writes a full-page PNG under the test's temporary directory (or
// $STRATA_SCREENSHOTS) and logs its path.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	// t.TempDir is removed when the test ends: STRATA_SCREENSHOTS=DIR keeps them in DIR.
	dir := os.Getenv("STRATA_SCREENSHOTS")
	if dir == "" {
		dir = tb.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", p)
}

type chromedpAction = chromedp.Action[chromedp.Void]

func clickSel(sel string) chromedpAction { return chromedp.Click(sel) }
