package ui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// Scheduler runs the window's slow work and periodic updates. The real one
// uses goroutines and fyne.Do; tests use one that runs everything on the
// test goroutine, which Fyne's test driver needs (its fyne.Do runs the
// function on the calling goroutine).
type Scheduler interface {
	// Go runs work off the UI goroutine; then runs on the UI goroutine.
	Go(work func(), then func())
	// Every calls f on the UI goroutine every d until stop is called.
	Every(d time.Duration, f func()) (stop func())
	// After calls f on the UI goroutine once, after d, unless cancelled.
	After(d time.Duration, f func()) (cancel func())
}

type goroutineScheduler struct{}

func (goroutineScheduler) Go(work, then func()) {
	go func() {
		work()
		fyne.Do(then)
	}()
}

func (goroutineScheduler) Every(d time.Duration, f func()) func() {
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

func (goroutineScheduler) After(d time.Duration, f func()) func() {
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
