// Package scheduletest has the Scheduler the desktop interface's tests run
// on: work at once on the test goroutine (Fyne's test driver runs fyne.Do
// on the calling goroutine too), and a fake clock that drives the tickers
// and timers.
package scheduletest

import (
	"slices"
	"time"
)

// Fake is a schedule.Scheduler on a fake clock. Now is the wall clock and
// Mono a monotonic one; they agree unless a test moves Now (a jump of the
// wall clock). Advance moves both on.
type Fake struct {
	Now  time.Time
	Mono time.Duration

	ticks  []*timer
	timers []*timer
}

type timer struct {
	at, every time.Duration
	start     time.Time
	f         func()
	stopped   bool
}

// New is a Fake whose clock shows now.
func New(now time.Time) *Fake { return &Fake{Now: now} }

// Go runs work, then then, at once.
func (s *Fake) Go(work, then func()) { work(); then() }

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
