package load

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-dev/strata/internal/testgen"
)

// hostileServer serves testgen's hostile registry in mode on loopback and counts the
// requests it answers, by "METHOD /path".
type hostileServer struct {
	*testgen.HostileRegistry
	srv *httptest.Server
	mu  sync.Mutex
	n   map[string]int
}

func newHostileServer(t *testing.T, mode string, tick time.Duration) *hostileServer {
	t.Helper()
	reg, err := testgen.NewHostileRegistry(mode, tick)
	if err != nil {
		t.Fatal(err)
	}
	// A client that does not bound its waiting gets an error after this, instead of
	// hanging the test: it then fails on the error's class.
	reg.Patience = 5 * time.Second
	h := &hostileServer{HostileRegistry: reg, n: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.n[r.Method+" "+r.URL.Path]++
		total := 0
		for _, c := range h.n {
			total += c
		}
		h.mu.Unlock()
		if total > 500 { // an unbounded client would go on for ever
			http.Error(w, "enough", http.StatusNotFound)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostileServer) ref() string {
	return strings.TrimPrefix(h.srv.URL, "http://") + "/" + testgen.RegistryRepo
}

// count returns the requests whose "METHOD /path" contains sub.
func (h *hostileServer) count(sub string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for k, c := range h.n {
		if strings.Contains(k, sub) {
			n += c
		}
	}
	return n
}

func openHostile(h *hostileServer, ro RemoteOptions) error {
	ro.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() } // retries do not wait
	img, err := Open(context.Background(), RegistryScheme+h.ref(), nil, Options{Remote: ro})
	if err == nil {
		img.Close()
	}
	return err
}

// TestRegistryRedirectLoop: a manifest (or blob) redirected to itself is followed at most
// ten times, and the error says "redirect loop" (issue 18, item 1).
func TestRegistryRedirectLoop(t *testing.T) {
	h := newHostileServer(t, testgen.RegistryRedirectLoop, 0)
	err := openHostile(h, RemoteOptions{})
	if !errors.Is(err, ErrRegistry) || !errors.Is(err, ErrRedirectLoop) || !strings.Contains(err.Error(), "redirect loop") {
		t.Fatalf("err = %v, want a registry error saying redirect loop", err)
	}
	if n := h.count("/manifests/"); n > maxRedirects+1 {
		t.Errorf("%d manifest requests, want at most %d (the first and %d redirects)", n, maxRedirects+1, maxRedirects)
	}
}

// TestRegistryStalls: a registry that answers the headers and then trickles or stalls the
// body, or never answers, is given up on after --timeout of waiting, once (a timed-out
// request is not sent again); one that sends steadily for ever, at the deadline (issue 18,
// item 2). The server gives up after 5 s itself, so an unbounded client fails on the error's
// class rather than hanging.
func TestRegistryStalls(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, c := range []struct {
		mode string
		tick time.Duration
		ro   RemoteOptions
		want error
		what string // the request that must be made exactly once
	}{
		{testgen.RegistryTrickleMan, 5 * time.Millisecond, RemoteOptions{Timeout: timeout}, ErrNoProgress, "/manifests/"},
		{testgen.RegistryTrickleBlob, 5 * time.Millisecond, RemoteOptions{Timeout: timeout}, ErrNoProgress, "layer"},
		{testgen.RegistryStallBlob, 0, RemoteOptions{Timeout: timeout}, ErrNoProgress, "layer"},
		{testgen.RegistryStall, 0, RemoteOptions{Timeout: timeout, Retries: 4}, nil, "/manifests/"},
		{testgen.RegistryEndlessBlob, time.Millisecond, RemoteOptions{Timeout: timeout, Deadline: time.Second}, nil, "layer"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			h := newHostileServer(t, c.mode, c.tick)
			err := openHostile(h, c.ro)
			if !errors.Is(err, ErrRegistry) {
				t.Fatalf("err = %v, want a registry error", err)
			}
			switch {
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("err = %v, want %v", err, c.want)
			case c.mode == testgen.RegistryStall && !strings.Contains(err.Error(), "timeout"):
				t.Errorf("err = %v, want a timeout", err)
			case c.mode == testgen.RegistryEndlessBlob && !strings.Contains(err.Error(), "deadline of 1s"):
				t.Errorf("err = %v, want the deadline named", err)
			}
			what := c.what
			if what == "layer" {
				what = "GET /v2/hostile/app/blobs/" + h.LayerDigest()
			}
			if n := h.count(what); n != 1 {
				t.Errorf("%d requests %q, want 1: a request that timed out is not sent again", n, what)
			}
		})
	}
}

// TestRegistryDeadlineDefault: RemoteOptions' zero deadline is DefaultDeadline from Since,
// a negative one none.
func TestRegistryDeadlineDefault(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := (RemoteOptions{}).deadline(now); !got.Equal(now.Add(DefaultDeadline)) {
		t.Errorf("zero deadline: %v, want %v", got, now.Add(DefaultDeadline))
	}
	since := now.Add(-time.Minute)
	if got := (RemoteOptions{Deadline: time.Hour, Since: since}).deadline(now); !got.Equal(since.Add(time.Hour)) {
		t.Errorf("an hour from since: %v", got)
	}
	if got := (RemoteOptions{Deadline: -1}).deadline(now); !got.IsZero() {
		t.Errorf("no deadline: %v", got)
	}
}

// TestRegistryHostileGood: the hostile registry's image, served well, reads.
func TestRegistryHostileGood(t *testing.T) {
	h := newHostileServer(t, testgen.RegistryGood, 0)
	if err := openHostile(h, RemoteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryCacheHostile: with --cache, an entry that is a FIFO, a link to /dev/zero, a
// 5 GB sparse file or an index forged for another size is not used: a warning, the layer
// fetched, the image read as without a cache; an index made for this layer is used.
func TestRegistryCacheHostile(t *testing.T) {
	h := newHostileServer(t, testgen.RegistryGood, 0)
	base := strings.TrimPrefix(h.BaseDigest(), "sha256:")
	fill := t.TempDir()
	read := func(cache string) ([]string, int, string) {
		var warnings []string
		before := h.count("GET /v2/hostile/app/blobs/" + h.BaseDigest())
		img, err := Open(context.Background(), RegistryScheme+h.ref(), nil, Options{
			Remote: RemoteOptions{Cache: cache},
			Warn:   func(s string) { warnings = append(warnings, s) },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		var paths []string
		for _, l := range img.Layers {
			for _, e := range l.Entries {
				paths = append(paths, e.Path)
			}
		}
		return warnings, h.count("GET /v2/hostile/app/blobs/"+h.BaseDigest()) - before, strings.Join(paths, " ")
	}
	_, fetched, want := read(fill)
	if fetched != 1 {
		t.Fatalf("the base layer fetched %d times filling the cache, want 1", fetched)
	}
	if w, fetched, got := read(fill); fetched != 0 || len(w) != 0 || got != want {
		t.Fatalf("warm cache: fetched %d, warnings %q, entries %q; want 0, none, %q", fetched, w, got, want)
	}
	index, err := os.ReadFile(filepath.Join(fill, "layers", "sha256", base))
	if err != nil {
		t.Fatal(err)
	}
	b, alg, err := decodeLayerIndex(index, base, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	b.storedSize++
	forged := encodeLayerIndex(base, alg, b) // a checksum recomputed over a size the manifest does not declare
	for _, c := range []struct {
		name  string
		make  func(t *testing.T, p string)
		wants string
	}{
		{"fifo", func(t *testing.T, p string) { mkfifo(t, p) }, "a FIFO"},
		{"/dev/zero", func(t *testing.T, p string) { symlink(t, "/dev/zero", p) }, "symbolic link"},
		{"5 GB sparse", func(t *testing.T, p string) {
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(5 << 30); err != nil {
				t.Skip(err)
			}
		}, "cache-index"},
		{"forged size", func(t *testing.T, p string) { os.WriteFile(p, forged, 0o644) }, "the manifest declares"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cache := t.TempDir()
			p := filepath.Join(cache, "layers", "sha256", base)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			c.make(t, p)
			w, fetched, got := read(cache)
			if len(w) != 1 || !strings.Contains(w[0], c.wants) {
				t.Errorf("warnings %q, want one saying %q", w, c.wants)
			}
			if fetched != 1 || got != want {
				t.Errorf("fetched %d, entries %q; want 1, %q", fetched, got, want)
			}
		})
	}
}
