// Package scheduletest has the Scheduler the desktop interface's tests run
// on: work at once on the test goroutine (Fyne's test driver runs fyne.Do
// on the calling goroutine too), and a fake clock that drives the tickers
// and timers.
package scheduletest

import (
	"slices"
	"sync/atomic"
	"time"
)

// Fake is a schedule.Scheduler on a fake clock. Now is the wall clock and
// Mono a monotonic one; they agree unless a test moves Now (a jump of the
// wall clock). Advance moves both on.
type Fake struct {
	Now  time.Time
	Mono time.Duration

	ticks     []*timer
	timers    []*timer
	published atomic.Int64 // UnixNano
}

type timer struct {
	at, every time.Duration
	start     time.Time
	f         func()
	stopped   bool
}

// New is a Fake whose clock shows now.
func New(now time.Time) *Fake {
	s := &Fake{Now: now}
	s.Publish()
	return s
}

// Go publishes the time (work may call a test server, see Published),
// then runs work, then then, at once.
func (s *Fake) Go(work, then func()) {
	s.Publish()
	work()
	then()
}

// Publish makes Now the time Published returns.
func (s *Fake) Publish() { s.published.Store(s.Now.UnixNano()) }

// Published is Now as of the last Publish or Go, safe to read from any
// goroutine: the clock of a test server, which a plain read of Now would
// race with the test goroutine moving it on.
func (s *Fake) Published() time.Time { return time.Unix(0, s.published.Load()).UTC() }

// Every calls f on every second Advance passes, until stopped.
func (s *Fake) Every(d time.Duration, f func()) func() {
	t := &timer{every: d, f: f}
	s.ticks = append(s.ticks, t)
	return func() { t.stopped = true }
}

// After calls f once Advance has moved the clock d on, unless cancelled.
func (s *Fake) After(d time.Duration, f func()) func() {
	t := &timer{start: s.Now, at: d, f: f}
	s.timers = append(s.timers, t)
	return func() { t.stopped = true }
}

// Advance moves the clock on by d, one second at a time, firing timers as
// they fall due and the tickers on every second.
func (s *Fake) Advance(d time.Duration) {
	for end := s.Now.Add(d); s.Now.Before(end); {
		s.Now = s.Now.Add(time.Second)
		s.Mono += time.Second
		for _, t := range slices.Clone(s.timers) {
			if !t.stopped && !s.Now.Before(t.start.Add(t.at)) {
				t.stopped = true
				t.f()
			}
		}
		for _, t := range slices.Clone(s.ticks) {
			if !t.stopped {
				t.f()
			}
		}
	}
}
