// Package schedule holds the desktop interface's threading rule in one
// place: slow work runs off the UI goroutine, and everything that touches
// widgets (its outcome, timers, tickers) runs on it, through fyne.Do. The
// main window (ui) and the admin console (ui/admin) take a Scheduler and
// never start goroutines of their own; scheduletest has the fake their
// tests run on.
package schedule

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// Scheduler runs the windows' slow work and periodic updates. The real one
// is Goroutines; tests use scheduletest's, which runs everything on the
// test goroutine, as Fyne's test driver needs (its fyne.Do runs the
// function on the calling goroutine).
type Scheduler interface {
	// Go runs work off the UI goroutine; then runs on the UI goroutine.
	Go(work func(), then func())
	// Every calls f on the UI goroutine every d until stop is called.
	Every(d time.Duration, f func()) (stop func())
	// After calls f on the UI goroutine once, after d, unless cancelled.
	After(d time.Duration, f func()) (cancel func())
}

// Goroutines is the real Scheduler: work on a goroutine of its own, the
// rest through fyne.Do.
type Goroutines struct{}

// Go runs work on a new goroutine, then then through fyne.Do.
func (Goroutines) Go(work, then func()) {
	go func() {
		work()
		fyne.Do(then)
	}()
}

// Every calls f through fyne.Do every d, until stop is called (on the UI
// goroutine): a tick already waiting then does nothing.
func (Goroutines) Every(d time.Duration, f func()) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fyne.Do(func() {
					select {
					case <-done: // stopped while this tick waited
					default:
						f()
					}
				})
			}
		}
	}()
	var stopped bool
	return func() {
		if !stopped {
			stopped = true
			close(done)
		}
	}
}

// After calls f through fyne.Do once, after d, unless cancel was called
// first.
func (Goroutines) After(d time.Duration, f func()) func() {
	var cancelled atomic.Bool
	t := time.AfterFunc(d, func() {
		fyne.Do(func() {
			if !cancelled.Load() {
				f()
			}
		})
	})
	return func() {
		cancelled.Store(true)
		t.Stop()
	}
}
