package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
)

// fakeClock moves its wall and monotonic readings on command.
type fakeClock struct {
	mu   sync.Mutex
	wall time.Time
	mono time.Duration
}

func (c *fakeClock) Wall() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.wall }
func (c *fakeClock) Monotonic() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.mono }

// step moves the clocks: alike as time passes, apart when the computer
// sleeps (the wall clock only) or someone sets the time.
func (c *fakeClock) step(wall, mono time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall, c.mono = c.wall.Add(wall), c.mono+mono
}

type event struct {
	reason clock.Reason
	jump   time.Duration
}

func TestMonitorSchedule(t *testing.T) {
	type move struct{ wall, mono time.Duration }
	s, m := time.Second, time.Minute
	tests := []struct {
		name  string
		moves []move
		want  []event
	}{
		{"start only", []move{{5 * s, 5 * s}}, []event{{clock.ReasonStart, 0}}},
		{"every 30 minutes", repeat(move{5 * m, 5 * m}, 13), []event{{clock.ReasonStart, 0}, {clock.ReasonPeriodic, 0}, {clock.ReasonPeriodic, 0}}},
		{"resume after an hour asleep", []move{{5 * s, 5 * s}, {time.Hour, 5 * s}}, []event{{clock.ReasonStart, 0}, {clock.ReasonJump, time.Hour - 5*s}}},
		{"clock set back", []move{{-90*s + 5*s, 5 * s}}, []event{{clock.ReasonStart, 0}, {clock.ReasonJump, -90 * s}}},
		{"slewing is no jump", repeat(move{5*s + time.Millisecond, 5 * s}, 10), []event{{clock.ReasonStart, 0}}},
		{"jump resets the period", []move{{20 * m, 20 * m}, {20*m + time.Hour, 20 * m}, {20 * m, 20 * m}, {10 * m, 10 * m}},
			[]event{{clock.ReasonStart, 0}, {clock.ReasonJump, time.Hour}, {clock.ReasonPeriodic, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeClock{wall: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
			var got []event
			mon := &clock.Monitor{Clock: fc, OnDue: func(r clock.Reason, j time.Duration) { got = append(got, event{r, j}) }}
			mon.Tick()
			for _, mv := range tt.moves {
				fc.step(mv.wall, mv.mono)
				mon.Tick()
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d: %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestMonitorRunWithSystemClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	due := make(chan clock.Reason, 4)
	mon := &clock.Monitor{Clock: clock.NewSystemClock(), OnDue: func(r clock.Reason, _ time.Duration) { due <- r }}
	done := make(chan struct{})
	go func() { mon.Run(ctx, time.Millisecond); close(done) }()
	if r := <-due; r != clock.ReasonStart {
		t.Errorf("first reason %q", r)
	}
	time.Sleep(20 * time.Millisecond) // some ticks: none may report a jump
	cancel()
	<-done
	if len(due) != 0 {
		t.Errorf("spurious check: %q", <-due)
	}
}
