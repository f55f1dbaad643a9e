package clock

import (
	"context"
	"time"
)

// Kind names the sort of a time source, in order of preference.
type Kind string

// The kinds of time source.
const (
	KindPortal Kind = "portal"
	KindNTP    Kind = "ntp"
	KindHTTPS  Kind = "https"
)

// Sample is one reading of a source.
type Sample struct {
	// Offset is true time minus system time: add it to the system clock.
	Offset time.Duration
	// RTT is the round trip of the request that gave the reading.
	RTT time.Duration
	// Uncertainty bounds the error of Offset: RTT/2, plus the resolution of
	// the source's timestamps (half a second for HTTP Date headers).
	Uncertainty time.Duration
	// At is the system time the reading was taken.
	At time.Time
}

// Source is something that tells the time. A portal client implements it
// to become the preferred source for its accounts (see Config.Portal); an
// implementation over HTTP can return HTTPSource's reading of its own
// API's Date header.
type Source interface {
	// Name identifies the source in reports, e.g. "ntp pool.ntp.org".
	Name() string
	// Kind tells what sort of source this is.
	Kind() Kind
	// Sample takes one reading. It must return once ctx is done.
	Sample(ctx context.Context) (Sample, error)
}
