package sync_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// portalServer runs the real portal handler over TLS with its clock offset
// from the system's.
func portalServer(t *testing.T, offset time.Duration) *httptest.Server {
	t.Helper()
	st, kr, _ := portalParts(t, nil)
	return serveTLS(t, portal.Options{
		Store:   st,
		Keyring: kr,
		Now:     func() time.Time { return time.Now().Add(offset) },
		HSTS:    true,
	})
}

// trusting returns a TLS config that trusts srv's certificate, and only it.
func trusting(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

func newClient(t *testing.T, srv *httptest.Server, opts lksync.Options) *lksync.Client {
	t.Helper()
	if opts.TLSConfig == nil {
		opts.TLSConfig = trusting(srv)
	}
	c, err := lksync.New(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func within(got, want, tol time.Duration) bool {
	d := got - want
	return d >= -tol && d <= tol
}

func TestTimeAgainstPortal(t *testing.T) {
	for _, offset := range []time.Duration{0, 37 * time.Second, -2*time.Minute - 300*time.Millisecond} {
		t.Run(offset.String(), func(t *testing.T) {
			srv := portalServer(t, offset)
			c := newClient(t, srv, lksync.Options{})
			r, err := c.Time(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// The error of the midpoint estimate is at most RTT/2; allow
			// scheduling noise on a loaded machine on top.
			if tol := r.RTT/2 + 50*time.Millisecond; !within(r.Offset(), offset, tol) {
				t.Errorf("offset %v, want %v ± %v", r.Offset(), offset, tol)
			}
			if r.RTT <= 0 || r.Received.Before(r.Sent) {
				t.Errorf("round trip %v (sent %v, received %v)", r.RTT, r.Sent, r.Received)
			}
			if r.Date.IsZero() || !within(r.Date.Sub(r.Server), 0, time.Second) {
				t.Errorf("Date header %v vs body %v", r.Date, r.Server)
			}
			h, err := c.Health(context.Background())
			if err != nil || h.Status != "ok" {
				t.Errorf("Health: %+v, %v", h, err)
			}
		})
	}
}

// The clock check, given the portal as its source, measures the portal's
// offset and says where it came from.
func TestPortalClockSource(t *testing.T) {
	const offset = 45 * time.Second
	srv := portalServer(t, offset)
	c := newClient(t, srv, lksync.Options{})
	src := clock.PortalSource{Client: c}
	if src.Kind() != clock.KindPortal || src.Name() != "portal "+srv.URL {
		t.Errorf("source %q of kind %q", src.Name(), src.Kind())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m := clock.Measure(ctx, clock.Config{Portal: src, Samples: 3})
	if !m.Verified || m.Kind != clock.KindPortal || m.Source != src.Name() || m.Samples != 3 {
		t.Fatalf("measurement %+v", m)
	}
	if tol := m.Uncertainty + 50*time.Millisecond; !within(m.Offset, offset, tol) {
		t.Errorf("offset %v, want %v ± %v", m.Offset, offset, tol)
	}
	if m.Uncertainty != m.RTT/2 {
		t.Errorf("uncertainty %v for round trip %v", m.Uncertainty, m.RTT)
	}
	r := clock.NewResult(m, 30*time.Second, "linux")
	if r.Status == clock.StatusOK {
		t.Errorf("a 45 s offset judged OK: %+v", r.Verdict)
	}

	// An unreachable portal is "could not verify", not a reading.
	srv.Close()
	m = clock.Measure(ctx, clock.Config{Portal: src, Samples: 1})
	if m.Verified || len(m.Failed) != 1 || !m.Offline {
		t.Errorf("measurement of a closed portal %+v", m)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, tt := range []struct {
		url  string
		opts lksync.Options
		want string
	}{
		{"http://portal.example.com", lksync.Options{}, "loopback"},
		{"ftp://portal.example.com", lksync.Options{}, "scheme"},
		{"portal.example.com", lksync.Options{}, "absolute"},
		{"https://portal.example.com/?x=1", lksync.Options{}, "query"},
		{"https://user:pw@portal.example.com", lksync.Options{}, "credentials"},
		{"https://portal.example.com", lksync.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}}, "verification"},
	} {
		if _, err := lksync.New(tt.url, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q): %v, want an error about %s", tt.url, err, tt.want)
		}
	}
	for _, ok := range []string{"https://portal.example.com/base/", "http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080"} {
		c, err := lksync.New(ok, lksync.Options{})
		if err != nil {
			t.Errorf("New(%q): %v", ok, err)
			continue
		}
		if strings.HasSuffix(c.BaseURL().Path, "/") {
			t.Errorf("base path %q keeps its slash", c.BaseURL().Path)
		}
	}
}

// A certificate the client does not trust fails at once, without retries.
func TestUntrustedCertificate(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is expected
	srv.StartTLS()
	defer srv.Close()
	c, err := lksync.New(srv.URL, lksync.Options{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Time(context.Background())
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("error %v, want a certificate verification error", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the handler ran %d times", hits.Load())
	}
}

// flaky answers the statuses in order, then the portal's time.
func flaky(t *testing.T, hits *atomic.Int32, statuses ...int) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if n <= len(statuses) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "0123456789abcdef")
			if statuses[n-1] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "60")
			}
			w.WriteHeader(statuses[n-1])
			fmt.Fprintf(w, `{"error":{"code":"c%d","message":"try \u001b[31mlater"}}`, statuses[n-1])
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"time":"2026-11-22T09:00:00Z","unix_ms":%d}`, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC).UnixMilli())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRetries(t *testing.T) {
	opts := lksync.Options{Backoff: time.Millisecond}
	t.Run("transient 503 and 502 are retried", func(t *testing.T) {
		var hits atomic.Int32
		srv := flaky(t, &hits, 503, 502)
		r, err := newClient(t, srv, opts).Time(context.Background())
		if err != nil || hits.Load() != 3 || r.Server.Year() != 2026 {
			t.Errorf("reading %+v, err %v after %d requests", r, err, hits.Load())
		}
	})
	t.Run("attempts are bounded", func(t *testing.T) {
		var hits atomic.Int32
		srv := flaky(t, &hits, 503, 503, 503, 503)
		_, err := newClient(t, srv, opts).Time(context.Background())
		var apiErr *api.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 503 || hits.Load() != 3 {
			t.Errorf("err %v after %d requests", err, hits.Load())
		}
	})
	t.Run("500 and 404 are not retried", func(t *testing.T) {
		for _, status := range []int{500, 404} {
			var hits atomic.Int32
			srv := flaky(t, &hits, status)
			_, err := newClient(t, srv, opts).Time(context.Background())
			var apiErr *api.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status || hits.Load() != 1 {
				t.Errorf("%d: err %v after %d requests", status, err, hits.Load())
				continue
			}
			if apiErr.Code != fmt.Sprintf("c%d", status) || apiErr.RequestID != "0123456789abcdef" {
				t.Errorf("%d: %+v", status, apiErr)
			}
			if strings.ContainsRune(apiErr.Error(), 0x1b) {
				t.Errorf("%d: a control character from the server survived: %q", status, apiErr.Error())
			}
		}
	})
	t.Run("a long Retry-After is not waited for", func(t *testing.T) {
		var hits atomic.Int32
		srv := flaky(t, &hits, 429)
		start := time.Now()
		_, err := newClient(t, srv, opts).Time(context.Background())
		if err == nil || hits.Load() != 1 || time.Since(start) > 5*time.Second {
			t.Errorf("err %v after %d requests in %v", err, hits.Load(), time.Since(start))
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		var hits atomic.Int32
		srv := flaky(t, &hits, 503, 503)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newClient(t, srv, lksync.Options{Backoff: time.Hour}).Time(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || hits.Load() != 1 {
			t.Errorf("err %v after %d requests", err, hits.Load())
		}
	})
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := newClient(t, srv, lksync.Options{Timeout: 100 * time.Millisecond, MaxAttempts: 2, Backoff: time.Millisecond}).Time(context.Background())
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestBadAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":       `<html>`,
		"disagreeing":    `{"time":"2026-11-22T09:00:00Z","unix_ms":5}`,
		"no time":        `{"unix_ms":0}`,
		"too large":      `{"time":"2026-11-22T09:00:00Z","pad":"` + strings.Repeat("x", lksync.MaxResponseBytes) + `"}`,
		"wrong type":     `{"time":5}`,
		"html mediatype": "",
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if body == "" {
					w.Header().Set("Content-Type", "text/html")
					fmt.Fprint(w, `{"time":"2026-11-22T09:00:00Z","unix_ms":1795338000000}`)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, body)
			}))
			defer srv.Close()
			if _, err := newClient(t, srv, lksync.Options{}).Time(context.Background()); err == nil {
				t.Error("accepted")
			}
		})
	}
}
