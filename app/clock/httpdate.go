package clock

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// dateResolution is the granularity of an HTTP Date header: it truncates
// the server's time to the second.
const dateResolution = time.Second

// HTTPSource reads the Date header of an HTTPS host's answer to a HEAD
// request. It passes corporate proxies that block NTP, at the price of a
// one-second resolution.
type HTTPSource struct {
	// URL is the address to ask; a bare host name means https://host/.
	URL string
	// Client makes the request; nil means NewHTTPClient(nil).
	Client *http.Client
	// Timeout bounds one request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// NewHTTPClient returns the client HTTPSource uses by default: proxies from
// the environment (HTTPS_PROXY, NO_PROXY), redirects not followed (the
// redirect itself carries a Date), and tlsConfig when not nil (tests trust
// their own server with it).
func NewHTTPClient(tlsConfig *tls.Config) *http.Client {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: DefaultTimeout,
		DisableKeepAlives:   true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Name implements Source.
func (s HTTPSource) Name() string { return s.target() }

// Kind implements Source.
func (s HTTPSource) Kind() Kind { return KindHTTPS }

func (s HTTPSource) target() string {
	u := strings.TrimSpace(s.URL)
	if !strings.Contains(u, "://") {
		u = "https://" + u + "/"
	}
	return u
}

// Sample implements Source.
func (s HTTPSource) Sample(ctx context.Context) (Sample, error) {
	target := s.target()
	if u, err := url.Parse(target); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Sample{}, fmt.Errorf("time host %q: not a host name or http(s) URL", s.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, timeoutFor(ctx, s.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, target, nil)
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w", target, err)
	}
	client := s.Client
	if client == nil {
		client = NewHTTPClient(nil)
	}
	sent := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w", target, err)
	}
	received := time.Now()
	resp.Body.Close()
	return dateSample(target, resp.Header.Get("Date"), sent, received)
}

// dateSample turns a Date header into a reading. The server wrote the
// header somewhere between sent and received, and its clock was somewhere
// in [date, date+1s): both midpoints are the best estimate, and the
// uncertainty is half of each interval.
func dateSample(target, header string, sent, received time.Time) (Sample, error) {
	if header == "" {
		return Sample{}, fmt.Errorf("%s: no Date header in the answer", target)
	}
	date, err := http.ParseTime(header)
	if err != nil {
		return Sample{}, fmt.Errorf("%s: unreadable Date header %q", target, truncate(header, 40))
	}
	rtt := received.Sub(sent) // monotonic: immune to wall-clock steps meanwhile
	mid := sent.Add(rtt / 2)
	server := date.Add(dateResolution / 2)
	return Sample{
		Offset:      server.Sub(mid.Round(0)),
		RTT:         rtt,
		Uncertainty: rtt/2 + dateResolution/2,
		At:          received,
	}, nil
}

func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
