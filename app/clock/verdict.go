package clock

import (
	"fmt"
	"math"
	"time"
)

// Status is the verdict on a measurement, from best to worst; Unverified
// stands apart: nothing could be measured, which is never an error.
type Status string

// The statuses of a clock check.
const (
	StatusOK         Status = "ok"
	StatusInfo       Status = "info"
	StatusWarn       Status = "warn"
	StatusError      Status = "error"
	StatusUnverified Status = "unverified"
)

// DefaultPeriod is the period thresholds are scaled to when the vault has
// no time-based account.
const DefaultPeriod = 30 * time.Second

// Thresholds are the offsets at which a verdict gets worse.
type Thresholds struct {
	Info, Warn, Error time.Duration
}

// ThresholdsFor scales the thresholds to a TOTP period. A server accepts a
// code within its own time step and, usually, one step either side: an
// offset under a third of a period costs nothing (ok), under one period the
// code shown may already be the previous or next step's (info), up to two
// periods only a lenient server still accepts it (warn), beyond that no
// server does (error). For 30 s that is 10, 30 and 60 s.
func ThresholdsFor(period time.Duration) Thresholds {
	if period <= 0 {
		period = DefaultPeriod
	}
	return Thresholds{Info: period / 3, Warn: period, Error: 2 * period}
}

// Judge gives the status of an offset: under Info ok, under Warn info, up
// to Error warn, beyond it error. The uncertainty is not added: with HTTP's
// one-second resolution it would push borderline clocks into warnings no
// portal would act on.
func (t Thresholds) Judge(offset time.Duration) Status {
	a := offset.Abs()
	switch {
	case a < t.Info:
		return StatusOK
	case a < t.Warn:
		return StatusInfo
	case a <= t.Error:
		return StatusWarn
	}
	return StatusError
}

// Verdict is a measurement judged and put in plain words.
type Verdict struct {
	Status Status
	// Message is one sentence for the banner or status line.
	Message string
	// Hint adds a likely cause when there is one (a whole number of hours
	// off: the time zone is wrong), else "".
	Hint string
}

// Judge judges m against the shortest period of the vault's accounts.
func Judge(m Measurement, period time.Duration) Verdict {
	if !m.Verified {
		if m.Offline {
			return Verdict{Status: StatusUnverified, Message: "Clock not verified: offline."}
		}
		return Verdict{Status: StatusUnverified, Message: "Clock not verified: no time source gave a usable answer."}
	}
	st := ThresholdsFor(period).Judge(m.Offset)
	return Verdict{Status: st, Message: message(st, m), Hint: timeZoneHint(m.Offset)}
}

func message(st Status, m Measurement) string {
	off := Describe(m.Offset)
	switch st {
	case StatusOK:
		return fmt.Sprintf("Your clock is right: %s against %s.", off, m.Source)
	case StatusInfo:
		return fmt.Sprintf("Your clock is %s: codes still work, but fix it before it gets worse.", off)
	case StatusWarn:
		return fmt.Sprintf("Your clock is %s: codes may be rejected.", off)
	}
	return fmt.Sprintf("Your clock is %s: codes will be rejected.", off)
}

// Describe puts an offset in words from the user's side: "47 s fast",
// "3 min 5 s slow", "exact".
func Describe(offset time.Duration) string {
	if offset.Abs() < 500*time.Millisecond {
		if offset == 0 {
			return "exact"
		}
		return fmt.Sprintf("%.1f s %s", offset.Abs().Seconds(), direction(offset))
	}
	return Amount(offset.Abs()) + " " + direction(offset)
}

// direction: a negative offset (true time is behind the system's) means
// the system clock runs ahead.
func direction(offset time.Duration) string {
	if offset < 0 {
		return "fast"
	}
	return "slow"
}

// Amount writes a positive duration to the second, in at most two units.
func Amount(d time.Duration) string {
	s := int64(math.Round(d.Seconds()))
	days, h, m, sec := s/86400, s/3600%24, s/60%60, s%60
	switch {
	case days > 0 && h > 0:
		return fmt.Sprintf("%d d %d h", days, h)
	case days > 0:
		return fmt.Sprintf("%d d", days)
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	case m > 0 && sec > 0:
		return fmt.Sprintf("%d min %d s", m, sec)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d s", sec)
}

// timeZoneHint recognises an offset within a minute of a whole number of
// hours (or half hours, as in India's zone): the classic sign of a clock
// set to local time under the wrong time zone.
func timeZoneHint(offset time.Duration) string {
	a := offset.Abs()
	if a < 30*time.Minute-time.Minute {
		return ""
	}
	half := 30 * time.Minute
	rem := a % half
	if rem > time.Minute && half-rem > time.Minute {
		return ""
	}
	return "The difference is close to a whole number of hours: check that the time zone is set correctly, not only the time."
}
