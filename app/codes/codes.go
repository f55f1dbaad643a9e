package codes

import (
	"fmt"
	"math"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/latchkey/latchkey/vault"
)

// hotpOpts are the only inputs handed to pquerna/otp, built by prepare from
// validated values.
type hotpOpts struct {
	alg     otp.Algorithm
	digits  otp.Digits
	encoder otp.Encoder
}

// Generate returns a's code at time t: the TOTP or Steam code of the period
// containing t, or the HOTP code at a.Counter (t is then ignored).
func Generate(a vault.Account, t time.Time) (string, error) {
	p, err := prepare(a)
	if err != nil {
		return "", err
	}
	counter, err := p.counterAt(a, t)
	if err != nil {
		return "", err
	}
	return p.code(counter)
}

// Next returns the code that follows the current one: the code of the next
// period for TOTP and Steam, the code at a.Counter+1 for HOTP.
func Next(a vault.Account, t time.Time) (string, error) {
	p, err := prepare(a)
	if err != nil {
		return "", err
	}
	counter, err := p.counterAt(a, t)
	if err != nil {
		return "", err
	}
	if counter == math.MaxUint64 {
		return "", ErrCounterOverflow
	}
	return p.code(counter + 1)
}

// AtCounter returns a's code for an explicit moving factor: the HOTP counter,
// or the TOTP time step (Unix time divided by the period).
func AtCounter(a vault.Account, counter uint64) (string, error) {
	p, err := prepare(a)
	if err != nil {
		return "", err
	}
	return p.code(counter)
}

// maxUnix is 9999-12-31T23:59:59Z; the limit keeps window arithmetic far
// from int64 overflow.
const maxUnix = 253402300799

// counterAt is the moving factor: a.Counter for HOTP, the time step for the
// others. Integer division keeps it exact for every representable time.
func (p params) counterAt(a vault.Account, t time.Time) (uint64, error) {
	if p.period == 0 {
		return a.Counter, nil
	}
	sec := t.Unix()
	if sec < 0 || sec > maxUnix {
		return 0, ErrInvalidTime
	}
	return uint64(sec) / p.period, nil
}

func (p params) code(counter uint64) (string, error) {
	code, err := hotp.GenerateCodeCustom(p.secret, counter, hotp.ValidateOpts{
		Digits:    p.opts.digits,
		Algorithm: p.opts.alg,
		Encoder:   p.opts.encoder,
	})
	if err != nil {
		// Unreachable after prepare; the library's error names no secret,
		// but say only what failed.
		return "", fmt.Errorf("generating code: %w", ErrInvalidAccount)
	}
	return code, nil
}

// Window is the time step a TOTP or Steam code is valid for: from Start
// (inclusive) to End (exclusive). Counter is the RFC 6238 time step number.
type Window struct {
	Counter uint64
	Start   time.Time
	End     time.Time
}

// Period is the length of the window.
func (w Window) Period() time.Duration { return w.End.Sub(w.Start) }

// Remaining is the time from t until the window ends; zero once it has.
func (w Window) Remaining(t time.Time) time.Duration {
	if d := w.End.Sub(t); d > 0 {
		return d
	}
	return 0
}

// Progress is the elapsed fraction of the window at t, from 0 to 1, for a
// countdown bar.
func (w Window) Progress(t time.Time) float64 {
	f := float64(t.Sub(w.Start)) / float64(w.Period())
	return math.Min(1, math.Max(0, f))
}

// WindowAt returns the time step of a containing t. HOTP accounts have none
// (ErrNotTimeBased).
func WindowAt(a vault.Account, t time.Time) (Window, error) {
	p, err := prepare(a)
	if err != nil {
		return Window{}, err
	}
	if p.period == 0 {
		return Window{}, ErrNotTimeBased
	}
	counter, err := p.counterAt(a, t)
	if err != nil {
		return Window{}, err
	}
	start := int64(counter * p.period)
	return Window{
		Counter: counter,
		Start:   time.Unix(start, 0).In(t.Location()),
		End:     time.Unix(start+int64(p.period), 0).In(t.Location()),
	}, nil
}

// Remaining is how long a's current code stays valid after t.
func Remaining(a vault.Account, t time.Time) (time.Duration, error) {
	w, err := WindowAt(a, t)
	if err != nil {
		return 0, err
	}
	return w.Remaining(t), nil
}
