package clock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Defaults of a check.
const (
	DefaultTimeout = 3 * time.Second
	DefaultSamples = 3
	// DefaultNTPGap spaces the queries to one NTP server: public servers
	// answer bursts with a RATE kiss of death.
	DefaultNTPGap = time.Second
)

// DefaultNTPServers and DefaultTimeHosts are used when the vault's
// settings name none.
var (
	DefaultNTPServers = []string{"pool.ntp.org", "time.cloudflare.com"}
	DefaultTimeHosts  = []string{"www.google.com", "www.cloudflare.com"}
)

// Config says where and how to measure.
type Config struct {
	// Portal, when set, is asked first: the portal's clock is the one its
	// codes are checked against.
	Portal     Source
	NTPServers []string
	// TimeHosts are HTTPS hosts (or URLs) whose Date header is read when no
	// NTP server answers.
	TimeHosts []string
	// Samples per source; the one with the shortest round trip wins.
	// 0 means DefaultSamples.
	Samples int
	// NTPGap is the pause between two queries to one NTP server; 0 means
	// DefaultNTPGap, a negative value no pause.
	NTPGap time.Duration
	// Timeout bounds one query; 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient makes the HTTPS requests; nil means NewHTTPClient(nil).
	HTTPClient *http.Client
}

// Sources lists the sources of c in the order they are tried.
func (c Config) Sources() []Source {
	var out []Source
	if c.Portal != nil {
		out = append(out, c.Portal)
	}
	for _, s := range c.NTPServers {
		out = append(out, NTPSource{Server: s, Timeout: c.Timeout})
	}
	for _, h := range c.TimeHosts {
		out = append(out, HTTPSource{URL: h, Client: c.HTTPClient, Timeout: c.Timeout})
	}
	return out
}

// Attempt records a source that gave no reading.
type Attempt struct {
	Source string
	Err    error
}

// Measurement is the result of asking the sources.
type Measurement struct {
	// Verified is false when no source answered; the other fields but
	// Failed are then zero.
	Verified    bool
	Offset      time.Duration
	Uncertainty time.Duration
	RTT         time.Duration
	Source      string
	Kind        Kind
	// At is the system time of the reading that was kept.
	At time.Time
	// Samples is how many readings the source gave.
	Samples int
	// Failed lists the sources tried before (or instead of) Source.
	Failed []Attempt
	// Offline is true when every failure was a network failure (no route,
	// no DNS, timeouts) rather than a source answering badly.
	Offline bool
}

// Measure asks the sources of c in order and returns the best reading of
// the first one that answers. It never returns an error: a check that
// reaches no source is an unverified Measurement.
func Measure(ctx context.Context, c Config) Measurement {
	var m Measurement
	for _, src := range c.Sources() {
		if ctx.Err() != nil {
			m.Failed = append(m.Failed, Attempt{src.Name(), fmt.Errorf("%s: %w", src.Name(), ctx.Err())})
			break
		}
		best, n, err := sampleSource(ctx, src, c)
		if n == 0 {
			m.Failed = append(m.Failed, Attempt{src.Name(), err})
			continue
		}
		m.Verified, m.Offset, m.Uncertainty, m.RTT = true, best.Offset, best.Uncertainty, best.RTT
		m.Source, m.Kind, m.At, m.Samples = src.Name(), src.Kind(), best.At, n
		return m
	}
	m.Offline = allNetworkErrors(m.Failed)
	return m
}

// sampleSource takes up to c.Samples readings and keeps the most certain.
// It stops at the first failure: an unreachable source would otherwise
// cost one timeout per sample, and a kiss of death asks for silence.
func sampleSource(ctx context.Context, src Source, c Config) (best Sample, n int, err error) {
	samples := c.Samples
	if samples <= 0 {
		samples = DefaultSamples
	}
	for i := 0; i < samples; i++ {
		if i > 0 && !pause(ctx, gapFor(src, c)) {
			break
		}
		s, err := src.Sample(ctx)
		if err != nil {
			return best, n, err
		}
		if n == 0 || s.Uncertainty < best.Uncertainty {
			best = s
		}
		n++
	}
	return best, n, nil
}

func gapFor(src Source, c Config) time.Duration {
	if src.Kind() != KindNTP {
		return 0
	}
	switch {
	case c.NTPGap < 0:
		return 0
	case c.NTPGap == 0:
		return DefaultNTPGap
	}
	return c.NTPGap
}

// pause waits d, or less if ctx ends; it reports whether ctx is still live.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func allNetworkErrors(failed []Attempt) bool {
	if len(failed) == 0 {
		return true // no source configured: nothing could be verified
	}
	for _, f := range failed {
		if !isNetworkError(f.Err) {
			return false
		}
	}
	return true
}

func isNetworkError(err error) bool {
	var ne net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.As(err, &ne) || errors.As(err, &dnsErr) || errors.As(err, &opErr) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// String describes a failed attempt in one line; sources name themselves
// in their errors.
func (a Attempt) String() string { return a.Err.Error() }
