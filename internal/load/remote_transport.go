package load

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// RemoteOptions configure registry input.
type RemoteOptions struct {
	Insecure bool          // plain HTTP to the named registry (loopback and private addresses use it anyway)
	Timeout  time.Duration // per request: connecting and waiting for the response headers (0: 30 s)
	Retries  int           // further attempts after a 429, a 5xx or a reset connection (0: 4; <0: none)
	// MaxWait bounds the total time spent waiting between attempts of one request (0: 60 s).
	MaxWait time.Duration
	// Cache is a directory for per-layer entry indexes keyed by layer digest ("" = none).
	Cache string
	// Keychain finds credentials; nil is authn.DefaultKeychain (Docker's config.json,
	// $DOCKER_CONFIG, credential helpers).
	Keychain authn.Keychain
	// Transport replaces the HTTP transport (tests); nil dials with Timeout.
	Transport http.RoundTripper
	// Sleep waits between attempts; nil waits on a timer (tests count instead).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (ro RemoteOptions) timeout() time.Duration {
	if ro.Timeout > 0 {
		return ro.Timeout
	}
	return 30 * time.Second
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
	var waited time.Duration
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
		resp, err := t.next.RoundTrip(req)
		if err == nil && !retryable(resp) {
			return resp, nil
		}
		if err != nil && (req.Context().Err() != nil || !retryableErr(err)) {
			return nil, err
		}
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
		if waited+wait > t.maxWait {
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
		waited += wait
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// retryableErr reports whether a request that got no answer may be sent again: the
// connection was refused, reset or timed out; not a TLS or protocol mismatch.
func retryableErr(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout())
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
