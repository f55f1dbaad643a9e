package sync

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
)

// Client defaults.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 3
	DefaultBackoff     = 200 * time.Millisecond
	// MaxBackoff caps one wait between attempts, Retry-After included: a
	// portal asking for a longer pause gets the error instead.
	MaxBackoff = 5 * time.Second
	// MaxResponseBytes bounds what the client reads of an answer.
	MaxResponseBytes = 1 << 20
)

// ErrInsecureTLS is returned by New for a tls.Config that skips certificate
// verification.
var ErrInsecureTLS = errors.New("portal client: TLS certificate verification cannot be turned off")

// Options configure a Client. The zero value is the production setting.
type Options struct {
	// TLSConfig replaces the default TLS settings, e.g. to trust a private
	// CA or a test server. It must not set InsecureSkipVerify.
	TLSConfig *tls.Config
	// Timeout bounds one attempt, connection and body included. 0:
	// DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of an idempotent request (the first
	// included). 0: DefaultMaxAttempts; 1: no retry.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles each retry
	// (with jitter) up to MaxBackoff. 0: DefaultBackoff.
	Backoff time.Duration
	// UserAgent is sent on every request. "": "latchkey".
	UserAgent string
	// PinnedCertSHA256, when set, is the fingerprint of a certificate the
	// user chose to trust for this portal although no CA vouches for it
	// (self-signed, or a private CA). It is consulted only when normal
	// verification fails, and the certificate must still be valid for the
	// portal's host and date; see pin.go.
	PinnedCertSHA256 Fingerprint
}

// Client talks to one portal. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
	opts Options
}

// New returns a client of the portal at baseURL, an https:// URL (http://
// only for a loopback host such as a development portal).
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("portal client: base URL must be an absolute https:// URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("portal client: base URL must not contain credentials, a query or a fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !api.IsLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("portal client: plain http:// is allowed only for a loopback host, not %s; use https://", u.Hostname())
		}
	default:
		return nil, fmt.Errorf("portal client: base URL scheme must be https, not %q", u.Scheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if opts.TLSConfig != nil && opts.TLSConfig.InsecureSkipVerify {
		return nil, ErrInsecureTLS
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "latchkey"
	}
	var tlsConfig *tls.Config
	if opts.TLSConfig != nil {
		tlsConfig = opts.TLSConfig.Clone()
	} else {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.MinVersion < tls.VersionTLS12 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	if !opts.PinnedCertSHA256.IsZero() && u.Scheme == "https" {
		name := tlsConfig.ServerName
		if name == "" {
			name = u.Hostname()
		}
		pin(tlsConfig, name, opts.PinnedCertSHA256)
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Client{
		base: u,
		http: &http.Client{
			Transport: tr,
			// A portal API never redirects; following one could leave TLS
			// or the portal's host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		opts: opts,
	}, nil
}

// BaseURL returns a copy of the portal's base URL.
func (c *Client) BaseURL() *url.URL {
	u := *c.base
	return &u
}

// CloseIdleConnections closes kept-alive connections.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// TimeReading is one answer of GET /v1/time.
type TimeReading struct {
	// Server is the portal's clock when it answered.
	Server time.Time
	// Sent and Received are the local clock (with its monotonic reading)
	// around the attempt that answered.
	Sent, Received time.Time
	// RTT is Received - Sent, measured on the monotonic clock.
	RTT time.Duration
	// Date is the answer's Date header (one-second resolution), zero if
	// absent or unreadable.
	Date time.Time
}

// Offset is the portal's clock minus the local clock, taking the portal to
// have answered halfway through the round trip (NTP's convention: add it to
// the local clock to get the portal's time). Its uncertainty is RTT/2.
func (r TimeReading) Offset() time.Duration {
	mid := r.Sent.Add(r.RTT / 2).Round(0) // wall clock of the midpoint
	return r.Server.Sub(mid)
}

// Time asks the portal for its clock.
func (c *Client) Time(ctx context.Context) (TimeReading, error) {
	var body api.TimeResponse
	res, err := c.get(ctx, api.PathTime, &body)
	if err != nil {
		return TimeReading{}, err
	}
	if err := body.Check(); err != nil {
		return TimeReading{}, fmt.Errorf("%s: %w", c.endpoint(api.PathTime), err)
	}
	r := TimeReading{Server: body.Time, Sent: res.sent, Received: res.received, RTT: res.received.Sub(res.sent)}
	if d, err := http.ParseTime(res.header.Get("Date")); err == nil {
		r.Date = d
	}
	return r, nil
}

// Health asks the portal whether it can reach its store.
func (c *Client) Health(ctx context.Context) (api.HealthResponse, error) {
	var body api.HealthResponse
	_, err := c.get(ctx, api.PathHealth, &body)
	return body, err
}

type result struct {
	header         http.Header
	sent, received time.Time
}

func (c *Client) endpoint(path string) string {
	u := *c.base
	// A query travels in path ("/v1/admin/users?role=admin"): set as
	// part of Path, its '?' would be escaped.
	path, u.RawQuery, _ = strings.Cut(path, "?")
	u.Path += path
	return u.String()
}

// get performs an idempotent GET with retries and decodes a 2xx JSON answer
// into out.
func (c *Client) get(ctx context.Context, path string, out any) (result, error) {
	return c.do(ctx, call{method: http.MethodGet, path: path, idempotent: true}, out)
}

// call is one API request. token, when set, is sent as a bearer token;
// in, when non-nil, is the JSON body. Only idempotent calls are retried
// after a failure the portal may have acted on; others are retried only
// when the connection was never made or the portal said 429.
type call struct {
	method, path string
	token        string
	in           any
	idempotent   bool
}

// do performs c with retries and decodes a 2xx JSON answer into out (nil:
// ignore the body).
func (c *Client) do(ctx context.Context, cl call, out any) (result, error) {
	target := c.endpoint(cl.path)
	var body []byte
	if cl.in != nil {
		b, err := json.Marshal(cl.in)
		if err != nil {
			return result{}, fmt.Errorf("%s: encoding the request: %w", cl.path, err)
		}
		body = b
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		res, retryAfter, err := c.try(ctx, cl, target, body, out)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if attempt >= c.opts.MaxAttempts || !retryable(ctx, err) || (!cl.idempotent && !notProcessed(err)) {
			return result{}, lastErr
		}
		wait := c.backoff(attempt)
		if retryAfter > 0 {
			if retryAfter > MaxBackoff {
				return result{}, lastErr
			}
			wait = max(wait, retryAfter)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return result{}, fmt.Errorf("%w (after: %v)", ctx.Err(), lastErr)
		case <-t.C:
		}
	}
}

// notProcessed reports failures after which the portal certainly did not
// act on the request: it was rate-limited, or the connection never opened.
func notProcessed(err error) bool {
	var apiErr *api.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusTooManyRequests
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// backoff is the wait after the attempt-th failure: Backoff·2^(attempt-1),
// capped, with "equal jitter" (half fixed, half random).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.Backoff << (attempt - 1)
	if d <= 0 || d > MaxBackoff {
		d = MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *api.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return false // retrying cannot fix an untrusted certificate
	}
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &netErr) || errors.As(err, &opErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// try makes one attempt. retryAfter is the answer's Retry-After, if any.
func (c *Client) try(ctx context.Context, cl call, target string, body []byte, out any) (res result, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, target, rd)
	if err != nil {
		return result{}, 0, fmt.Errorf("%s: %w", cl.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	sent := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return result{}, 0, err // *url.Error names the URL
	}
	received := time.Now()
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return result{}, 0, fmt.Errorf("%s: reading the answer: %w", target, err)
	}
	if len(answer) > MaxResponseBytes {
		return result{}, 0, fmt.Errorf("%s: answer larger than %d bytes", target, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return result{}, parseRetryAfter(resp.Header.Get("Retry-After")), apiError(resp, answer)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return result{}, 0, fmt.Errorf("%s: answer is %q, not JSON", target, sanitize(ct, 60))
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return result{}, 0, fmt.Errorf("%s: unreadable answer: %w", target, err)
		}
	}
	return result{header: resp.Header, sent: sent, received: received}, 0, nil
}

func apiError(resp *http.Response, body []byte) *api.APIError {
	e := &api.APIError{Status: resp.StatusCode, RequestID: sanitize(resp.Header.Get("X-Request-Id"), 64)}
	var er api.ErrorResponse
	if json.Unmarshal(body, &er) == nil && er.Error.Code != "" {
		e.Code = sanitize(er.Error.Code, 64)
		e.Message = sanitize(er.Error.Message, 200)
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// sanitize drops control characters (no terminal escapes or forged log
// lines from a server's text) and truncates to n bytes.
func sanitize(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
