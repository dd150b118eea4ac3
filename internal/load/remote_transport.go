package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// RemoteOptions configure registry input.
type RemoteOptions struct {
	Insecure bool // plain HTTP to the named registry (loopback and private addresses use it anyway)
	// Timeout bounds, per request, connecting, waiting for the response headers, and every
	// stretch of a response body: each ProgressBytes of it (or its end) must arrive within
	// Timeout of waiting (0: DefaultTimeout).
	Timeout time.Duration
	// Deadline bounds the whole conversation with the registry, from Since (0:
	// DefaultDeadline; < 0: none, which only an explicit --deadline 0 asks for).
	Deadline time.Duration
	Since    time.Time // when the command started (zero: when the image is opened)
	Retries  int       // further attempts after a 429, a 5xx or a refused or reset connection (0: 4; <0: none)
	// MaxWait bounds the time one request may spend on attempts that failed and waiting
	// between them (0: 60 s).
	MaxWait time.Duration
	// Cache is a directory for per-layer entry indexes keyed by layer digest ("" = none).
	Cache string
	// CacheKey, when set, seals every index written with HMAC-SHA256 under it, and makes an
	// index not sealed under it a miss: a writer without the key cannot forge an entry.
	CacheKey []byte
	// Keychain finds credentials; nil is authn.DefaultKeychain (Docker's config.json,
	// $DOCKER_CONFIG, credential helpers).
	Keychain authn.Keychain
	// Transport replaces the HTTP transport (tests); nil dials with Timeout.
	Transport http.RoundTripper
	// Sleep waits between attempts; nil waits on a timer (tests count instead).
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultTimeout and DefaultDeadline are --timeout's and --deadline's defaults.
const (
	DefaultTimeout  = 15 * time.Second
	DefaultDeadline = 10 * time.Minute
)

// ProgressBytes is how much of a response body counts as progress: a body must deliver this
// much (or end) within every Timeout of waiting, so that a registry trickling a byte a
// second is given up on as surely as one that sends nothing.
const ProgressBytes = 16 << 10

// maxRedirects bounds the redirects one request follows (Go's http.Client's own default,
// which go-containerregistry's redirect policy replaces with none).
const maxRedirects = 10

func (ro RemoteOptions) timeout() time.Duration {
	if ro.Timeout > 0 {
		return ro.Timeout
	}
	return DefaultTimeout
}

// deadline returns when the registry conversation must be over, or the zero time for never.
func (ro RemoteOptions) deadline(now time.Time) time.Time {
	d := ro.Deadline
	switch {
	case d < 0:
		return time.Time{}
	case d == 0:
		d = DefaultDeadline
	}
	since := ro.Since
	if since.IsZero() {
		since = now
	}
	return since.Add(d)
}

func newHTTPTransport(ro RemoteOptions) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: ro.timeout(), KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = ro.timeout()
	t.ResponseHeaderTimeout = ro.timeout()
	t.MaxIdleConnsPerHost = 2 * maxRemoteJobs
	return t
}

// retryTransport retries a request answered 429 or 5xx (or whose connection failed before an
// answer), waiting as Retry-After says or backing off exponentially, a bounded number of
// times and for a bounded total wait. Requests with a body are retried only when it can be
// replayed.
type retryTransport struct {
	next    http.RoundTripper
	retries int
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

func newRetryTransport(next http.RoundTripper, ro RemoteOptions) *retryTransport {
	t := &retryTransport{next: next, retries: ro.Retries, maxWait: ro.MaxWait, sleep: ro.Sleep}
	switch {
	case t.retries == 0:
		t.retries = 4
	case t.retries < 0:
		t.retries = 0
	}
	if t.maxWait <= 0 {
		t.maxWait = 60 * time.Second
	}
	if t.sleep == nil {
		t.sleep = sleepCtx
	}
	return t
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func retryable(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.GetBody == nil {
		return t.next.RoundTrip(req) // the body cannot be sent twice
	}
	// spent is the time this request has spent on attempts that failed and waiting between
	// them: bounded by maxWait, so retrying never multiplies a wait.
	var spent time.Duration
	backoff := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.Body != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		start := time.Now()
		resp, err := t.next.RoundTrip(req)
		if err == nil && !retryable(resp) {
			return resp, nil
		}
		if err != nil && (req.Context().Err() != nil || !retryableErr(err)) {
			return nil, err
		}
		spent += time.Since(start)
		if attempt >= t.retries {
			return resp, err
		}
		wait := backoff
		backoff *= 2
		if resp != nil {
			if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
				wait = d
			}
		}
		if spent+wait > t.maxWait {
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
		spent += wait
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// retryableErr reports whether a request that got no answer may be sent again: the
// connection was refused or reset before an answer. A request that timed out is not sent
// again: the registry had --timeout to answer, and waiting again would only multiply it.
func retryableErr(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// guardTransport bounds what one request may cost beyond its headers: the redirects it
// follows, and the waiting for its body, which must make progress (ProgressBytes, or its
// end) within every timeout of waiting. It sits below go-containerregistry's
// authenticating transports, so every request, token requests included, passes through it.
type guardTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

// ErrRedirectLoop is a request redirected more than maxRedirects times.
var ErrRedirectLoop = errors.New("redirect loop")

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// http.Client sets Response on each request a redirect creates, and that response's
	// Request is the one before: the chain is as long as the redirects followed.
	hops := 0
	for r := req; r.Response != nil && r.Response.Request != nil; r = r.Response.Request {
		hops++
	}
	if hops > maxRedirects {
		first := req
		for first.Response != nil && first.Response.Request != nil {
			first = first.Response.Request
		}
		return nil, fmt.Errorf("%w: %s %s redirected more than %d times (last to %s)", ErrRedirectLoop, req.Method, redactURL(first.URL), maxRedirects, redactURL(req.URL))
	}
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &guardedBody{rc: resp.Body, cancel: cancel, timeout: t.timeout, left: t.timeout}
	return resp, nil
}

// redactURL is a URL without its query (where signed blob URLs carry their credentials).
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// ErrNoProgress is a response body that stalled: less than ProgressBytes arrived within
// the timeout.
var ErrNoProgress = errors.New("no progress")

// guardedBody is a response body whose reads share a waiting budget: the time spent
// blocked in Read since the last ProgressBytes arrived. When it runs out the request is
// cancelled, and the read fails with ErrNoProgress. Time spent between reads (strata
// parsing what it got) does not count.
type guardedBody struct {
	rc      io.ReadCloser
	cancel  context.CancelFunc
	timeout time.Duration
	left    time.Duration // waiting budget before the next ProgressBytes
	got     int           // bytes since the budget was last renewed
	expired atomic.Bool
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.expired.Store(true)
		b.cancel()
		return 0, b.stalled()
	}
	start := time.Now()
	timer := time.AfterFunc(b.left, func() {
		b.expired.Store(true)
		b.cancel()
	})
	n, err := b.rc.Read(p)
	timer.Stop()
	b.got += n
	if b.got >= ProgressBytes {
		b.got, b.left = 0, b.timeout
	} else {
		b.left -= time.Since(start)
	}
	if err != nil && err != io.EOF && b.expired.Load() {
		return n, b.stalled()
	}
	return n, err
}

func (b *guardedBody) stalled() error {
	return fmt.Errorf("%w: less than %d bytes of the response in %s of waiting (the registry is stalled or trickling; --timeout raises the wait)", ErrNoProgress, ProgressBytes, b.timeout)
}

func (b *guardedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}
