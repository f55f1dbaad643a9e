package clock

import (
	"context"
	"fmt"

	lksync "github.com/latchkey/latchkey/sync"
)

// PortalSource reads the clock of a Latchkey team portal through its
// GET /v1/time, the preferred source for the portal's accounts (put it in
// Config.Portal). The answer carries the portal's time to the nanosecond,
// so the uncertainty is only half the round trip, not the Date header's
// extra half second.
//
// It lives here rather than in sync/ because app/ may import sync/ and not
// the other way round (ARCHITECTURE.md's layers).
type PortalSource struct {
	Client *lksync.Client
}

// Name implements Source: "portal " and the portal's base URL.
func (s PortalSource) Name() string {
	if s.Client == nil {
		return "portal"
	}
	return "portal " + s.Client.BaseURL().String()
}

// Kind implements Source.
func (PortalSource) Kind() Kind { return KindPortal }

// Sample implements Source. The client's own timeout and retries apply
// within ctx.
func (s PortalSource) Sample(ctx context.Context) (Sample, error) {
	if s.Client == nil {
		return Sample{}, fmt.Errorf("portal: no client configured")
	}
	r, err := s.Client.Time(ctx)
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return Sample{
		Offset:      r.Offset(),
		RTT:         r.RTT,
		Uncertainty: r.RTT / 2,
		At:          r.Received,
	}, nil
}
