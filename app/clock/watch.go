package clock

import (
	"context"
	"sync"
	"time"
)

// Reason says why a re-check is due.
type Reason string

// The reasons for a check.
const (
	ReasonStart    Reason = "start"
	ReasonPeriodic Reason = "periodic"
	// ReasonJump: the wall clock moved differently from the monotonic
	// clock: the computer slept and resumed, or someone set the time.
	ReasonJump Reason = "jump"
)

// Defaults of a Monitor.
const (
	DefaultRecheck       = 30 * time.Minute
	DefaultJumpThreshold = 2 * time.Second
	DefaultTick          = 5 * time.Second
)

// Clock is the system's two clocks. The monotonic clock stops while the
// computer sleeps (on Linux, macOS and Windows alike) and is never set; the
// wall clock keeps running and can be set. Tests use a fake.
type Clock interface {
	// Wall is the wall-clock time, without a monotonic reading.
	Wall() time.Time
	// Monotonic is the time elapsed on the monotonic clock since a fixed
	// origin.
	Monotonic() time.Duration
}

// SystemClock reads the real clocks.
type SystemClock struct{ origin time.Time }

// NewSystemClock starts the monotonic origin now.
func NewSystemClock() *SystemClock { return &SystemClock{origin: time.Now()} }

// Wall implements Clock.
func (c *SystemClock) Wall() time.Time { return time.Now().Round(0) }

// Monotonic implements Clock; time.Since uses the monotonic reading of
// the origin.
func (c *SystemClock) Monotonic() time.Duration { return time.Since(c.origin) }

// Monitor decides when the clock should be checked: at start, every
// Recheck, and whenever the wall clock jumps. It does not check by itself:
// Tick calls OnDue, which should start a check off the caller's goroutine.
// Call Tick every few seconds (Run does that with a real ticker; tests call
// it directly with a fake Clock).
type Monitor struct {
	Clock Clock
	// Recheck is the period of re-checks (0: DefaultRecheck), measured on
	// the monotonic clock so a wall-clock change does not disturb it.
	Recheck time.Duration
	// JumpThreshold is the largest disagreement between the two clocks
	// that is not a jump (0: DefaultJumpThreshold). It must exceed the
	// drift NTP slewing causes between two ticks: microseconds.
	JumpThreshold time.Duration
	// OnDue is called from Tick with the reason and, for jumps, by how much
	// the wall clock moved beyond the monotonic clock.
	OnDue func(reason Reason, jump time.Duration)

	mu        sync.Mutex
	started   bool
	lastWall  time.Time
	lastMono  time.Duration
	lastCheck time.Duration
}

// Tick reads both clocks and calls OnDue when a check is due. At most one
// reason fires per tick; a jump resets the periodic schedule.
func (m *Monitor) Tick() {
	reason, jump, due := m.advance()
	if due && m.OnDue != nil {
		m.OnDue(reason, jump)
	}
}

func (m *Monitor) advance() (Reason, time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	wall, mono := m.Clock.Wall(), m.Clock.Monotonic()
	prevWall, prevMono := m.lastWall, m.lastMono
	m.lastWall, m.lastMono = wall, mono
	if !m.started {
		m.started, m.lastCheck = true, mono
		return ReasonStart, 0, true
	}
	jump := wall.Sub(prevWall) - (mono - prevMono)
	if jump.Abs() > orDefault(m.JumpThreshold, DefaultJumpThreshold) {
		m.lastCheck = mono
		return ReasonJump, jump, true
	}
	if mono-m.lastCheck >= orDefault(m.Recheck, DefaultRecheck) {
		m.lastCheck = mono
		return ReasonPeriodic, 0, true
	}
	return "", 0, false
}

// Run ticks every tick (0: DefaultTick) until ctx is done, starting with
// an immediate tick (the start-up check).
func (m *Monitor) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(orDefault(tick, DefaultTick))
	defer t.Stop()
	m.Tick()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.Tick()
		}
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
