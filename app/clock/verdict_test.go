package clock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
)

func TestThresholdsScaleWithPeriod(t *testing.T) {
	s := time.Second
	tests := []struct {
		period time.Duration
		offset time.Duration
		want   clock.Status
	}{
		{30 * s, 0, clock.StatusOK},
		{30 * s, 9900 * time.Millisecond, clock.StatusOK},
		{30 * s, -9900 * time.Millisecond, clock.StatusOK},
		{30 * s, 10 * s, clock.StatusInfo},
		{30 * s, -29 * s, clock.StatusInfo},
		{30 * s, 30 * s, clock.StatusWarn},
		{30 * s, -47 * s, clock.StatusWarn},
		{30 * s, 60 * s, clock.StatusWarn},
		{30 * s, 61 * s, clock.StatusError},
		{30 * s, -2 * time.Hour, clock.StatusError},
		{60 * s, 19 * s, clock.StatusOK},
		{60 * s, 20 * s, clock.StatusInfo},
		{60 * s, 90 * s, clock.StatusWarn},
		{60 * s, 121 * s, clock.StatusError},
		{15 * s, 5 * s, clock.StatusInfo},
		{15 * s, 31 * s, clock.StatusError},
		{0, 47 * s, clock.StatusWarn}, // no period: the 30 s default
	}
	for _, tt := range tests {
		got := clock.ThresholdsFor(tt.period).Judge(tt.offset)
		if got != tt.want {
			t.Errorf("period %v, offset %v: %s, want %s", tt.period, tt.offset, got, tt.want)
		}
	}
}

func TestVerdictWords(t *testing.T) {
	s := time.Second
	tests := []struct {
		offset  time.Duration
		status  clock.Status
		message string
		hint    bool
	}{
		{-47 * s, clock.StatusWarn, "Your clock is 47 s fast: codes may be rejected.", false},
		{47 * s, clock.StatusWarn, "Your clock is 47 s slow: codes may be rejected.", false},
		{-185 * s, clock.StatusError, "Your clock is 3 min 5 s fast: codes will be rejected.", false},
		{12 * s, clock.StatusInfo, "Your clock is 12 s slow: codes still work, but fix it before it gets worse.", false},
		{300 * time.Millisecond, clock.StatusOK, "Your clock is right: 0.3 s slow against ntp test.", false},
		{-time.Hour - 3*s, clock.StatusError, "Your clock is 1 h fast: codes will be rejected.", true},
		{5*time.Hour + 30*time.Minute, clock.StatusError, "Your clock is 5 h 30 min slow: codes will be rejected.", true},
		{-26 * time.Hour, clock.StatusError, "Your clock is 1 d 2 h fast: codes will be rejected.", true},
		{-20 * time.Minute, clock.StatusError, "Your clock is 20 min fast: codes will be rejected.", false},
	}
	for _, tt := range tests {
		m := clock.Measurement{Verified: true, Offset: tt.offset, Source: "ntp test"}
		r := clock.NewResult(m, 30*time.Second, "windows")
		if r.Status != tt.status || r.Message != tt.message || (r.Hint != "") != tt.hint {
			t.Errorf("offset %v: %+v", tt.offset, r.Verdict)
		}
		if wantSteps := tt.status == clock.StatusWarn || tt.status == clock.StatusError; wantSteps != (len(r.Steps) > 0) {
			t.Errorf("offset %v: steps %q", tt.offset, r.Steps)
		}
	}
}

func TestUnverifiedWords(t *testing.T) {
	tests := []struct {
		m    clock.Measurement
		want string
	}{
		{clock.Measurement{Offline: true}, "Clock not verified: offline."},
		{clock.Measurement{}, "Clock not verified: no time source gave a usable answer."},
	}
	for _, tt := range tests {
		v := clock.Judge(tt.m, 30*time.Second)
		if v.Status != clock.StatusUnverified || v.Message != tt.want {
			t.Errorf("%+v: %+v", tt.m, v)
		}
	}
}

func TestFixStepsPerOS(t *testing.T) {
	tests := []struct{ goos, want string }{
		{"windows", "Sync now"},
		{"darwin", "Date & Time"},
		{"linux", "timedatectl set-ntp true"},
		{"plan9", "automatic time"},
	}
	for _, tt := range tests {
		if steps := strings.Join(clock.FixSteps(tt.goos), "\n"); !strings.Contains(steps, tt.want) {
			t.Errorf("%s: %q lacks %q", tt.goos, steps, tt.want)
		}
	}
}

func TestCorrectedTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	fastClock := clock.Measurement{Verified: true, Offset: -47 * time.Second}
	tests := []struct {
		name   string
		m      clock.Measurement
		optIn  bool
		want   time.Time
		in_use bool
	}{
		{"opted in", fastClock, true, now.Add(-47 * time.Second), true},
		{"not opted in", fastClock, false, now, false},
		{"nothing measured", clock.Measurement{}, true, now, false},
	}
	for _, tt := range tests {
		got, inUse := clock.Corrected(now, tt.m, tt.optIn)
		if !got.Equal(tt.want) || inUse != tt.in_use {
			t.Errorf("%s: %v %v", tt.name, got, inUse)
		}
	}
}

func TestKeepCorrectedSwitchesOffWhenFixed(t *testing.T) {
	tests := []struct {
		offset   time.Duration
		verified bool
		optIn    bool
		want     bool
	}{
		{-47 * time.Second, true, true, true},
		{-12 * time.Second, true, true, true}, // still info: keep correcting
		{-2 * time.Second, true, true, false}, // fixed
		{0, false, true, true},                // offline says nothing
		{-47 * time.Second, true, false, false},
	}
	for _, tt := range tests {
		r := clock.NewResult(clock.Measurement{Verified: tt.verified, Offset: tt.offset, Offline: !tt.verified}, 30*time.Second, "linux")
		if got := clock.KeepCorrected(tt.optIn, r); got != tt.want {
			t.Errorf("%+v: keep %v", tt, got)
		}
	}
}
