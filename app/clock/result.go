package clock

import (
	"context"
	"runtime"
	"time"

	"github.com/latchkey/latchkey/vault"
)

// Result is a finished check, ready to show: what was measured, the
// verdict, and what to do.
type Result struct {
	Measurement
	Verdict
	// Period is the TOTP period the verdict was scaled to.
	Period time.Duration
	// Steps tell how to fix the clock on this system; set for warnings and
	// errors only, since those are what the banner shows.
	Steps []string
}

// Check measures and judges in one call, for the UI's start-up and
// periodic checks and for the CLI.
func Check(ctx context.Context, c Config, period time.Duration) Result {
	return NewResult(Measure(ctx, c), period, runtime.GOOS)
}

// NewResult judges m and adds the fix steps for goos where needed.
func NewResult(m Measurement, period time.Duration, goos string) Result {
	if period <= 0 {
		period = DefaultPeriod
	}
	r := Result{Measurement: m, Verdict: Judge(m, period), Period: period}
	if r.Status == StatusWarn || r.Status == StatusError {
		r.Steps = FixSteps(goos)
	}
	return r
}

// ShortestPeriod is the period the verdict scales to: the shortest of the
// time-based accounts, or DefaultPeriod when there is none.
func ShortestPeriod(accounts []vault.Account) time.Duration {
	shortest := time.Duration(0)
	for _, a := range accounts {
		if a.Type == vault.HOTP || a.Period <= 0 {
			continue
		}
		p := time.Duration(a.Period) * time.Second
		if shortest == 0 || p < shortest {
			shortest = p
		}
	}
	if shortest == 0 {
		return DefaultPeriod
	}
	return shortest
}

// ConfigFromSettings takes the sources from the vault's settings, keeping
// base's where the settings name none.
func ConfigFromSettings(base Config, s vault.Settings) Config {
	if len(s.NTPServers) > 0 {
		base.NTPServers = s.NTPServers
	}
	if len(s.TimeHosts) > 0 {
		base.TimeHosts = s.TimeHosts
	}
	return base
}

// DefaultConfig asks the default public sources.
func DefaultConfig() Config {
	return Config{NTPServers: DefaultNTPServers, TimeHosts: DefaultTimeHosts}
}
