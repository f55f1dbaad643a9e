package otpauth

import (
	"encoding/base32"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// Defaults of the key URI format.
const (
	DefaultDigits = 6
	DefaultPeriod = 30
	// MaxTextLength bounds an issuer or name, in bytes.
	MaxTextLength = 1024
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Normalize canonicalises and validates the OTP fields, issuer and name of a
// in place (see the package comment). Text a user reads is made safe to
// show (see UnsafeRune): a control character in the issuer or name is an
// error, as it always was (a form can say so and the user retype it); the
// other unsafe characters are taken out of the issuer, name, group and note.
// On error a is left unchanged and the error is a *codes.AccountError
// naming the field.
func Normalize(a *vault.Account) error {
	_, err := normalize(a, true)
	return err
}

// NormalizeReporting is Normalize for what comes from a file or a link,
// which cannot be retyped: control characters are taken out of the issuer
// and name too, and it says what it removed from which field, for the
// warning the importer shows.
func NormalizeReporting(a *vault.Account) ([]Removed, error) {
	return normalize(a, false)
}

func normalize(a *vault.Account, refuseControls bool) ([]Removed, error) {
	if a == nil {
		return nil, &codes.AccountError{Field: "account", Problem: "no account"}
	}
	n := *a
	removed, err := normText(&n, refuseControls)
	if err != nil {
		return nil, err
	}
	steps := []func(*vault.Account) error{normType, normAlgorithm, normNumbers, normSecret}
	for _, step := range steps {
		if err := step(&n); err != nil {
			return nil, err
		}
	}
	if err := codes.Validate(n); err != nil {
		return nil, err
	}
	*a = n
	return removed, nil
}

// normText cleans and checks the texts a user reads: issuer and name (one
// line, trimmed, bounded), group (one line) and note (lines).
func normText(a *vault.Account, refuseControls bool) ([]Removed, error) {
	var removed []Removed
	for _, f := range []struct {
		field string
		text  *string
		clean func(string) (string, []rune)
		label bool
	}{
		{"issuer", &a.Issuer, CleanText, true},
		{"name", &a.Name, CleanText, true},
		{"group", &a.Group, CleanText, false},
		{"note", &a.Note, CleanNote, false},
	} {
		if !utf8.ValidString(*f.text) {
			return nil, accountErr(f.field, "%s is not valid UTF-8", f.field)
		}
		text := *f.text
		if f.label {
			text = strings.TrimSpace(text)
		}
		if f.label && refuseControls {
			if i := strings.IndexFunc(text, unicode.IsControl); i >= 0 {
				r, _ := utf8.DecodeRuneInString(text[i:])
				return nil, accountErr(f.field, "%s contains the control character %U", f.field, r)
			}
		}
		s, runes := f.clean(text)
		if len(runes) > 0 {
			removed = append(removed, Removed{Field: f.field, Runes: runes})
		}
		if f.label {
			s = strings.TrimSpace(s)
			if len(s) > MaxTextLength {
				return nil, accountErr(f.field, "%s is longer than %d bytes", f.field, MaxTextLength)
			}
		}
		*f.text = s
	}
	return removed, nil
}

func normType(a *vault.Account) error {
	t := vault.Type(strings.ToLower(strings.TrimSpace(string(a.Type))))
	switch t {
	case "":
		t = vault.TOTP
	case vault.TOTP, vault.HOTP, vault.Steam:
	default:
		return accountErr("type", "type %s is not supported (totp, hotp, steam)", quote(string(a.Type)))
	}
	a.Type = t
	return nil
}

func normAlgorithm(a *vault.Account) error {
	if strings.TrimSpace(string(a.Algorithm)) == "" {
		a.Algorithm = vault.SHA1
		return nil
	}
	alg, err := ParseAlgorithm(string(a.Algorithm))
	if err != nil {
		return &codes.AccountError{Field: "algorithm", Problem: err.Error()}
	}
	a.Algorithm = alg
	return nil
}

// normNumbers fills default digits and period and drops what a type does not
// use. Out-of-range values are left for codes.Validate to report.
func normNumbers(a *vault.Account) error {
	if a.Digits == 0 {
		a.Digits = DefaultDigits
		if a.Type == vault.Steam {
			a.Digits = codes.SteamDigits
		}
	}
	if a.Period == 0 || a.Type == vault.HOTP {
		a.Period = DefaultPeriod
	}
	if a.Type != vault.HOTP {
		a.Counter = 0
	}
	return nil
}

func normSecret(a *vault.Account) error {
	s, err := CanonicalSecret(a.Secret)
	if err != nil {
		return err
	}
	a.Secret = s
	return nil
}

// CanonicalSecret returns the canonical spelling of a base32 secret as people
// paste it: any case, with or without padding, grouped with spaces or dashes.
// The error is a *codes.AccountError that does not contain s.
func CanonicalSecret(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	key, err := codes.DecodeSecret(s)
	if err != nil {
		return "", err
	}
	return b32.EncodeToString(key), nil
}

// ParseAlgorithm reads an algorithm name as apps spell it: SHA1, sha1, SHA-1,
// HmacSHA1, HMAC-SHA-256, "SHA512" and so on. MD5 and anything else are
// errors: guessing would give wrong codes.
func ParseAlgorithm(s string) (vault.Algorithm, error) {
	k := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	k = strings.TrimPrefix(k, "HMAC")
	switch k {
	case "SHA1":
		return vault.SHA1, nil
	case "SHA256":
		return vault.SHA256, nil
	case "SHA512":
		return vault.SHA512, nil
	case "MD5":
		return "", fmt.Errorf("algorithm MD5 is not supported: its codes would be wrong")
	}
	return "", fmt.Errorf("algorithm %s is not supported (SHA1, SHA256, SHA512)", quote(s))
}

func accountErr(field, format string, args ...any) *codes.AccountError {
	return &codes.AccountError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// quote prints a user-supplied value that is not a secret, shortened so a
// huge input cannot flood an error message.
func quote(s string) string {
	const max = 32
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
