package clock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/beevik/ntp"
)

// ErrKissOfDeath is returned when an NTP server asks the client to go away
// (stratum 0 with a kiss code such as RATE or DENY); the source must not be
// asked again in the same check.
var ErrKissOfDeath = errors.New("the server refused to answer (kiss of death)")

// NTPSource reads an NTP server with SNTP (RFC 4330).
type NTPSource struct {
	// Server is "host" or "host:port" (port 123 by default).
	Server string
	// Timeout bounds one query; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Name implements Source.
func (s NTPSource) Name() string { return "ntp " + s.Server }

// Kind implements Source.
func (s NTPSource) Kind() Kind { return KindNTP }

// Sample implements Source.
func (s NTPSource) Sample(ctx context.Context) (Sample, error) {
	timeout := timeoutFor(ctx, s.Timeout)
	var stop func() bool
	resp, err := ntp.QueryWithOptions(s.Server, ntp.QueryOptions{
		Timeout: timeout,
		// Dialling with ctx bounds the DNS lookup, and closing the socket
		// when ctx ends unblocks the read at once.
		Dialer: func(_, remote string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, "udp", remote)
			if err == nil {
				stop = context.AfterFunc(ctx, func() { c.Close() })
			}
			return c, err
		},
	})
	if stop != nil {
		stop()
	}
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w", s.Name(), err)
	}
	if err := resp.Validate(); err != nil {
		return Sample{}, s.invalid(resp, err)
	}
	return Sample{
		Offset:      resp.ClockOffset,
		RTT:         resp.RTT,
		Uncertainty: resp.RTT / 2,
		At:          resp.Timestamps.ClientRecv,
	}, nil
}

func (s NTPSource) invalid(resp *ntp.Response, err error) error {
	if errors.Is(err, ntp.ErrKissOfDeath) {
		return fmt.Errorf("%s: %w: kiss code %q", s.Name(), ErrKissOfDeath, printable(resp.KissCode))
	}
	return fmt.Errorf("%s: unusable answer: %w", s.Name(), err)
}

// timeoutFor is the per-query timeout: the configured one, shortened to
// what is left of ctx.
func timeoutFor(ctx context.Context, configured time.Duration) time.Duration {
	if configured <= 0 {
		configured = DefaultTimeout
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < configured {
			configured = max(left, time.Millisecond)
		}
	}
	return configured
}

// printable keeps the ASCII letters and digits of a server-chosen string,
// so a hostile server cannot put control characters into messages.
func printable(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	return string(b)
}
