package auth

import (
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// The portal's TOTP profile: RFC 6238's defaults, the only combination every
// authenticator app honours (several ignore the algorithm, digits and period
// parameters of an otpauth URI).
const (
	TOTPDigits    = 6
	TOTPPeriod    = 30 // seconds
	TOTPAlgorithm = vault.SHA1
	// TOTPSkew is how many steps either side of the current one are
	// accepted: RFC 6238 §5.2 recommends at most one step of network delay;
	// one step ahead covers a client clock a little fast.
	TOTPSkew = 1
	// TOTPSecretBytes is RFC 4226 §4's recommended 160-bit shared secret.
	TOTPSecretBytes = 20
)

// ErrTOTPSecret is returned for a secret that is not the base32 this package
// writes. The error never contains the secret.
var ErrTOTPSecret = errors.New("TOTP secret is not valid")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh TOTPSecretBytes-byte secret from crypto/rand,
// as canonical base32 (upper case, no padding; 32 characters): the form
// app/otpauth writes and app/codes reads.
func NewTOTPSecret() string {
	return b32.EncodeToString(randomBytes(TOTPSecretBytes))
}

// totpAccount is the vault account the desktop app would hold for secret,
// so that both compute codes with the same app/codes.
func totpAccount(issuer, name, secret string) vault.Account {
	return vault.Account{
		Issuer: issuer, Name: name, Type: vault.TOTP, Secret: secret,
		Algorithm: TOTPAlgorithm, Digits: TOTPDigits, Period: TOTPPeriod,
	}
}

// EnrolmentURI is the otpauth:// URI the enrolment page shows (as text and
// as a QR code): issuer is the portal's or tenant's name, name the user's
// e-mail address. Issuer and name are checked by app/otpauth.Normalize
// (no control characters, bounded length); errors never contain the secret.
func EnrolmentURI(issuer, name, secret string) (string, error) {
	a := totpAccount(issuer, name, secret)
	if err := otpauth.Normalize(&a); err != nil {
		return "", fmt.Errorf("enrolment URI: %w", err)
	}
	if a.Type != vault.TOTP || a.Digits != TOTPDigits || a.Period != TOTPPeriod || a.Algorithm != TOTPAlgorithm {
		return "", fmt.Errorf("enrolment URI: %w", ErrTOTPSecret)
	}
	return otpauth.Format(a), nil
}

// TOTPStep is the RFC 6238 time step containing t (Unix time / period), and
// false for times before 1970.
func TOTPStep(t time.Time) (uint64, bool) {
	sec := t.Unix()
	if sec < 0 {
		return 0, false
	}
	return uint64(sec) / TOTPPeriod, true
}

// VerifyTOTP checks a code typed by the user against secret at time now.
// It accepts the code of the current step or of one step either side
// (TOTPSkew), but never of a step at or before lastUsedStep: RFC 6238 §5.2
// says the verifier MUST NOT accept a code a second time, and refusing every
// earlier step too stops an older code still inside the window from being
// used after a newer one. lastUsedStep is 0 for a secret never used.
//
// On success it returns the step that matched; the caller must then store
// it as the new lastUsedStep with one conditional update that succeeds only
// if the stored value is still below it (UPDATE … SET totp_step = $step
// WHERE user = $u AND totp_step < $step), and treat zero rows updated as a
// replay: two requests carrying one code race there, not here.
//
// Spaces in code are ignored ("123 456"); anything but TOTPDigits ASCII
// digits fails. All candidate codes are computed and compared in constant
// time, so the time taken does not depend on which step (if any) matched.
func VerifyTOTP(secret, code string, now time.Time, lastUsedStep uint64) (step uint64, ok bool) {
	typed, good := digitsOnly(code, TOTPDigits)
	cur, inRange := TOTPStep(now)
	if !good || !inRange || cur < TOTPSkew {
		return 0, false
	}
	a := totpAccount("", "", secret)
	var matched bool
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		want, err := codes.AtCounter(a, s)
		if err != nil {
			return 0, false // a secret that does not decode: never a match
		}
		// Every candidate is compared, in constant time; only the step
		// numbers, which are not secret, steer the branch.
		eq := subtle.ConstantTimeCompare([]byte(want), typed) == 1
		if eq && s > lastUsedStep && !matched {
			step, matched = s, true // the earliest step burns the fewest
		}
	}
	return step, matched
}

// digitsOnly returns code without spaces if what remains is n ASCII digits.
func digitsOnly(code string, n int) ([]byte, bool) {
	if len(code) > 4*n { // bound the work on hostile input
		return nil, false
	}
	out := make([]byte, 0, n)
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ' || c == '\t':
		case c >= '0' && c <= '9':
			out = append(out, c)
		default:
			return nil, false
		}
	}
	return out, len(out) == n
}
