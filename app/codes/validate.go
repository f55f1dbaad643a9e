package codes

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/pquerna/otp"

	"github.com/latchkey/latchkey/vault"
)

// Limits of the account parameters this package accepts.
const (
	MinDigits   = 6     // fewest digits of a TOTP or HOTP code
	MaxDigits   = 8     // most digits of a TOTP or HOTP code
	SteamDigits = 5     // characters of a Steam Guard code
	MaxPeriod   = 86400 // longest period in seconds: one day
	// MaxSecretBytes bounds the decoded secret. Real secrets are 10–64 bytes;
	// anything far larger is a mistake or an attack on memory.
	MaxSecretBytes = 1024
)

var (
	// ErrInvalidAccount is wrapped by every error about an account's OTP
	// parameters; the wrapping *AccountError names the field.
	ErrInvalidAccount = errors.New("invalid account")
	// ErrNotTimeBased is returned for time windows of a counter-based (HOTP)
	// account.
	ErrNotTimeBased = errors.New("account is counter-based (HOTP) and has no time window")
	// ErrInvalidTime is returned for times before the Unix epoch or after
	// the year 9999.
	ErrInvalidTime = errors.New("time is outside the years 1970 to 9999")
	// ErrCounterOverflow is returned when an HOTP counter cannot advance.
	ErrCounterOverflow = errors.New("HOTP counter is at its maximum")
)

// AccountError describes one invalid OTP parameter of an account. Problem is
// a phrase naming the field and what is wrong with it; it never contains the
// secret.
type AccountError struct {
	// Field is "type", "secret", "algorithm", "digits", "period", "counter",
	// or (from app/otpauth) "issuer" and "name".
	Field   string
	Problem string
}

func (e *AccountError) Error() string { return ErrInvalidAccount.Error() + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrInvalidAccount) true.
func (e *AccountError) Unwrap() error { return ErrInvalidAccount }

func invalid(field, format string, args ...any) *AccountError {
	return &AccountError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// b32 is the canonical secret encoding: RFC 4648 base32, no padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Validate reports whether codes can be generated for a: a known type and
// algorithm, digits and period in range, and a secret that decodes as base32
// (upper or lower case, padding optional). It does not apply defaults: a
// zero Algorithm, Digits or Period is an error, since stored accounts are
// normalised (see app/otpauth.Normalize).
func Validate(a vault.Account) error {
	_, err := prepare(a)
	return err
}

// params is a validated account in the form pquerna/otp takes.
type params struct {
	secret string // canonical base32
	opts   hotpOpts
	period uint64 // seconds; 0 for HOTP
}

func prepare(a vault.Account) (params, error) {
	var p params
	alg, err := algorithm(a.Algorithm)
	if err != nil {
		return p, err
	}
	if err := checkDigits(a.Type, a.Digits); err != nil {
		return p, err
	}
	if p.period, err = period(a); err != nil {
		return p, err
	}
	if p.secret, err = canonicalSecret(a.Secret); err != nil {
		return p, err
	}
	p.opts = hotpOpts{alg: alg, digits: otp.Digits(a.Digits)}
	if a.Type == vault.Steam {
		p.opts.encoder = otp.EncoderSteam
	}
	return p, nil
}

// algorithm maps the account's algorithm explicitly, so no unknown spelling
// can fall through to the library's SHA1 default.
func algorithm(a vault.Algorithm) (otp.Algorithm, error) {
	switch a {
	case vault.SHA1:
		return otp.AlgorithmSHA1, nil
	case vault.SHA256:
		return otp.AlgorithmSHA256, nil
	case vault.SHA512:
		return otp.AlgorithmSHA512, nil
	case "":
		return 0, invalid("algorithm", "algorithm is not set")
	}
	return 0, invalid("algorithm", "algorithm %s is not supported (SHA1, SHA256, SHA512)", quote(string(a)))
}

func checkDigits(t vault.Type, d int) error {
	switch t {
	case vault.TOTP, vault.HOTP:
		if d < MinDigits || d > MaxDigits {
			return invalid("digits", "%s codes must have %d to %d digits, not %d", t, MinDigits, MaxDigits, d)
		}
	case vault.Steam:
		if d != SteamDigits {
			return invalid("digits", "steam codes have %d characters, not %d", SteamDigits, d)
		}
	case "":
		return invalid("type", "type is not set")
	default:
		return invalid("type", "type %s is not supported (totp, hotp, steam)", quote(string(t)))
	}
	return nil
}

func period(a vault.Account) (uint64, error) {
	if a.Type == vault.HOTP {
		return 0, nil
	}
	if a.Period <= 0 || a.Period > MaxPeriod {
		return 0, invalid("period", "period must be 1 to %d seconds, not %d", MaxPeriod, a.Period)
	}
	return uint64(a.Period), nil
}

// canonicalSecret decodes s leniently (either case, optional padding) and
// returns its canonical spelling. Spaces and dashes are not accepted here:
// normalising user input is app/otpauth's job.
func canonicalSecret(s string) (string, error) {
	key, err := DecodeSecret(s)
	if err != nil {
		return "", err
	}
	return b32.EncodeToString(key), nil
}

// DecodeSecret decodes a base32 secret, upper or lower case, with or without
// padding, into the key bytes. The error never contains s.
func DecodeSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, invalid("secret", "secret is empty")
	}
	if len(s) > b32.EncodedLen(MaxSecretBytes)+8 {
		return nil, invalid("secret", "secret is longer than %d bytes", MaxSecretBytes)
	}
	s = strings.TrimRight(strings.ToUpper(s), "=")
	// encoding/base32 without padding silently drops a trailing group of
	// 1, 3 or 6 characters, which no encoder produces: reject it.
	switch len(s) % 8 {
	case 1, 3, 6:
		return nil, invalid("secret", "secret is not valid base32 (%d characters is not a possible length)", len(s))
	}
	key, err := b32.DecodeString(s)
	if err != nil {
		return nil, invalid("secret", "secret is not valid base32 (%s)", base32Problem(err))
	}
	if len(key) == 0 {
		return nil, invalid("secret", "secret is empty")
	}
	if len(key) > MaxSecretBytes {
		return nil, invalid("secret", "secret is longer than %d bytes", MaxSecretBytes)
	}
	return key, nil
}

// base32Problem describes a decoding error without quoting the input: the
// standard library's CorruptInputError carries only an offset.
func base32Problem(err error) string {
	var c base32.CorruptInputError
	if errors.As(err, &c) {
		return fmt.Sprintf("bad character or length at position %d", int64(c))
	}
	return "cannot decode"
}

// quote prints a user-supplied, non-secret value, shortened so that a huge
// input cannot flood an error message.
func quote(s string) string {
	const max = 32
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
