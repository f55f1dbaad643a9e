package app

import (
	"errors"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// ManualEntry is what a user types to add an account by hand.
type ManualEntry struct {
	Issuer, Name, Secret string
	Type                 vault.Type
	Algorithm            string
	Digits, Period       string
	Counter              string
}

// FieldError names the field of a manual entry that is wrong.
type FieldError struct {
	Field   string // "secret", "name", "digits", "period", "counter", "algorithm", "type", "issuer"
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// Account validates a manual entry and returns the normalised account, or a
// *FieldError for the first wrong field. It never includes the secret in the
// message.
func (m ManualEntry) Account() (vault.Account, error) {
	a := vault.Account{Issuer: m.Issuer, Name: m.Name, Secret: m.Secret, Type: m.Type}
	if strings.TrimSpace(m.Secret) == "" {
		return a, &FieldError{"secret", "Enter the secret key the portal shows."}
	}
	if strings.TrimSpace(m.Name) == "" && strings.TrimSpace(m.Issuer) == "" {
		return a, &FieldError{"name", "Enter the account name or the issuer."}
	}
	var err error
	if m.Algorithm != "" {
		if a.Algorithm, err = otpauth.ParseAlgorithm(m.Algorithm); err != nil {
			return a, &FieldError{"algorithm", "Choose SHA1, SHA256 or SHA512."}
		}
	}
	fields := []struct {
		name, text string
		dst        *int
	}{{"digits", m.Digits, &a.Digits}, {"period", m.Period, &a.Period}}
	for _, f := range fields {
		if f.text == "" {
			continue
		}
		if *f.dst, err = strconv.Atoi(strings.TrimSpace(f.text)); err != nil || *f.dst <= 0 {
			return a, &FieldError{f.name, "The " + f.name + " must be a positive number."}
		}
	}
	if m.Counter != "" {
		if a.Counter, err = strconv.ParseUint(strings.TrimSpace(m.Counter), 10, 64); err != nil {
			return a, &FieldError{"counter", "The counter must be a whole number, 0 or more."}
		}
	}
	if err := otpauth.Normalize(&a); err != nil {
		var ae *codes.AccountError
		if errors.As(err, &ae) {
			return a, &FieldError{ae.Field, ae.Problem}
		}
		return a, &FieldError{"secret", err.Error()}
	}
	return a, nil
}
