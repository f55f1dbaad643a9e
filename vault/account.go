package vault

import (
	"strings"
	"time"
)

// Type is the kind of one-time password an account produces.
type Type string

// The account types Latchkey generates codes for.
const (
	TOTP  Type = "totp"
	HOTP  Type = "hotp"
	Steam Type = "steam"
)

// Algorithm is the HMAC hash of an account, spelled as in otpauth URIs.
type Algorithm string

// The HMAC algorithms of RFC 6238.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Account is one 2FA connection: its OTP parameters and everything the user
// keeps about it. Callers normalise accounts (app/otpauth.Normalize) before
// adding them, so Algorithm, Digits and Period always hold real values.
type Account struct {
	ID     string `json:"id"`
	Issuer string `json:"issuer"`
	Name   string `json:"name"`
	Type   Type   `json:"type"`
	// Secret is the shared key as canonical base32: upper case, no padding.
	Secret    string    `json:"secret"`
	Algorithm Algorithm `json:"algorithm"`
	Digits    int       `json:"digits"`
	// Period in seconds, for TOTP and Steam; HOTP accounts carry the
	// default 30, which nothing reads.
	Period int `json:"period,omitempty"`
	// Counter is the moving factor of HOTP: the counter of the next code.
	Counter   uint64 `json:"counter,omitempty"`
	Group     string `json:"group,omitempty"`
	Note      string `json:"note,omitempty"`
	Favourite bool   `json:"favourite,omitempty"`
	// Position orders accounts the user moved by hand within their section
	// of the list (favourites, a group, the ungrouped); 0 means never moved.
	Position int `json:"position,omitempty"`
	// Icon is a built-in icon name or a data: URI of an image.
	Icon         string       `json:"icon,omitempty"`
	Created      time.Time    `json:"created"`
	Updated      time.Time    `json:"updated"`
	BackupCodes  []BackupCode `json:"backup_codes,omitempty"`
	RecoveryCode string       `json:"recovery_code,omitempty"`
	// RecoveryFromPreviousSetup marks a recovery code carried over when the
	// account's 2FA was reconfigured; it may no longer be valid.
	RecoveryFromPreviousSetup bool    `json:"recovery_from_previous_setup,omitempty"`
	Portal                    *Portal `json:"portal,omitempty"`

	extra extra
}

// BackupCode is one single-use code a portal issued for an account.
type BackupCode struct {
	Code string `json:"code"`
	// UsedAt is nil while the code is unused.
	UsedAt *time.Time `json:"used_at,omitempty"`
	// FromPreviousSetup marks codes carried over when the account's 2FA was
	// reconfigured: they may no longer be valid and await the user's verdict.
	FromPreviousSetup bool `json:"from_previous_setup,omitempty"`
	// RetiredAt is set when a newer set of codes replaced this one; retired
	// codes are kept, as history, until the user discards them.
	RetiredAt *time.Time `json:"retired_at,omitempty"`

	extra extra
}

// Portal binds an account to a team portal (see sync/ and app/companion).
type Portal struct {
	// URL is the portal's base URL: https://, or http:// on a loopback host.
	URL    string `json:"url"`
	Tenant string `json:"tenant,omitempty"`
	UserID string `json:"user_id,omitempty"`
	// Email is the account's address on the portal, what a recovery
	// request names; usually the account's name.
	Email string `json:"email,omitempty"`
	// LinkedAt is when the binding was made, LinkedBy how (one of the
	// LinkedBy constants), so the user can tell a binding they typed from
	// one a QR code or a web page proposed.
	LinkedAt time.Time `json:"linked_at,omitzero"`
	LinkedBy string    `json:"linked_by,omitempty"`
	// Recovery is the account's outstanding recovery request, nil when
	// there is none.
	Recovery *RecoveryRequest `json:"recovery,omitempty"`
	// SessionToken is a portal session this account signed in (the admin
	// commands' sign-in), until SessionExpiresAt. A secret: never printed.
	SessionToken     string    `json:"session_token,omitempty"`
	SessionExpiresAt time.Time `json:"session_expires_at,omitzero"`

	extra extra
}

// Label names the account for people, never with a secret: "Issuer: Name",
// the issuer alone when the name is empty, the name alone when the issuer
// is. Messages that quote it use %q.
func (a Account) Label() string {
	switch {
	case a.Issuer == "":
		return a.Name
	case a.Name == "":
		return a.Issuer
	}
	return a.Issuer + ": " + a.Name
}

// LabelKey is the issuer and the name, trimmed and lower-cased: two
// accounts with the same key are the same account to the user, whatever
// their secrets.
func (a Account) LabelKey() string {
	return strings.ToLower(strings.TrimSpace(a.Issuer)) + "\x00" + strings.ToLower(strings.TrimSpace(a.Name))
}

// BackupCodesLeft counts the backup codes that can still be used: unused
// and not retired.
func (a *Account) BackupCodesLeft() int {
	n := 0
	for _, c := range a.BackupCodes {
		if c.UsedAt == nil && c.RetiredAt == nil {
			n++
		}
	}
	return n
}

// Clone returns a deep copy, so a caller can edit it without touching the
// vault's own copy.
func (a Account) Clone() Account {
	if a.BackupCodes != nil {
		codes := make([]BackupCode, len(a.BackupCodes))
		for i, c := range a.BackupCodes {
			c.UsedAt = cloneTime(c.UsedAt)
			c.RetiredAt = cloneTime(c.RetiredAt)
			c.extra = c.extra.clone()
			codes[i] = c
		}
		a.BackupCodes = codes
	}
	if a.Portal != nil {
		p := a.Portal.Clone()
		a.Portal = &p
	}
	a.extra = a.extra.clone()
	return a
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
