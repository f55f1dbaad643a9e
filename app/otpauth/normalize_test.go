package otpauth

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

var unix59 = time.Unix(59, 0)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   vault.Account
		want vault.Account
	}{
		{"defaults", vault.Account{Issuer: " Ex ", Name: "\talice ", Secret: "sent inel-secr etxy z234 567a bcde fghq"},
			acct(vault.TOTP, "Ex", "alice")},
		{"steam defaults", vault.Account{Type: "Steam", Secret: sentinel}, acct(vault.Steam, "", "")},
		{"hotp keeps counter, period is 30", vault.Account{Type: vault.HOTP, Secret: sentinel, Period: 60, Counter: 7},
			with(acct(vault.HOTP, "", ""), func(a *vault.Account) { a.Counter = 7 })},
		{"totp drops counter", vault.Account{Type: vault.TOTP, Secret: sentinel, Counter: 7}, acct(vault.TOTP, "", "")},
		{"algorithm spelling", vault.Account{Secret: sentinel, Algorithm: "sha-512", Digits: 8, Period: 45},
			with(acct(vault.TOTP, "", ""), func(a *vault.Account) { a.Algorithm, a.Digits, a.Period = vault.SHA512, 8, 45 })},
		{"padding and case", vault.Account{Secret: "mfrggza="}, with(acct(vault.TOTP, "", ""), func(a *vault.Account) { a.Secret = "MFRGGZA" })},
		// Non-zero trailing bits decode to the same key; the canonical
		// spelling has them cleared.
		{"trailing bits", vault.Account{Secret: "MFRGGZB"}, with(acct(vault.TOTP, "", ""), func(a *vault.Account) { a.Secret = "MFRGGZA" })},
		{"other fields kept", vault.Account{ID: "id1", Secret: sentinel, Group: "g", Note: "n", Icon: "github"},
			with(acct(vault.TOTP, "", ""), func(a *vault.Account) { a.ID, a.Group, a.Note, a.Icon = "id1", "g", "n", "github" })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if err := Normalize(&a); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, tc.want) {
				t.Errorf("got  %+v\nwant %+v", a, tc.want)
			}
			again := a
			if err := Normalize(&again); err != nil || !reflect.DeepEqual(again, a) {
				t.Errorf("Normalize is not idempotent: %+v, %v", again, err)
			}
			if err := codes.Validate(a); err != nil {
				t.Errorf("normalised account is not valid for codes: %v", err)
			}
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		name, field, phrase string
		edit                func(*vault.Account)
	}{
		{"type", "type", `type "yubi" is not supported`, func(a *vault.Account) { a.Type = "yubi" }},
		{"algorithm", "algorithm", "MD5", func(a *vault.Account) { a.Algorithm = "md5" }},
		{"digits", "digits", "not 10", func(a *vault.Account) { a.Digits = 10 }},
		{"steam digits", "digits", "steam codes have 5", func(a *vault.Account) { a.Type, a.Digits = vault.Steam, 6 }},
		{"period", "period", "not -1", func(a *vault.Account) { a.Period = -1 }},
		{"no secret", "secret", "empty", func(a *vault.Account) { a.Secret = " - " }},
		{"bad secret", "secret", "not valid base32", func(a *vault.Account) { a.Secret = sentinel[:31] + "!" }},
		{"control in name", "name", "U+001B", func(a *vault.Account) { a.Name = "a\x1b[31mb" }},
		{"bidi is allowed", "", "", func(a *vault.Account) { a.Name = "\u05e9\u05dc\u05d5\u05dd" }},
		{"bad UTF-8 issuer", "issuer", "not valid UTF-8", func(a *vault.Account) { a.Issuer = "\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := acct(vault.TOTP, "Ex", "alice")
			tc.edit(&a)
			before := a
			err := Normalize(&a)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ae *codes.AccountError
			if !errors.As(err, &ae) || ae.Field != tc.field || !strings.Contains(err.Error(), tc.phrase) {
				t.Fatalf("got %v; want a %s error mentioning %q", err, tc.field, tc.phrase)
			}
			if strings.Contains(err.Error(), sentinel[:12]) {
				t.Errorf("error contains the secret")
			}
			if !reflect.DeepEqual(a, before) {
				t.Errorf("Normalize changed the account on error")
			}
		})
	}
	if err := Normalize(nil); !errors.Is(err, codes.ErrInvalidAccount) {
		t.Errorf("Normalize(nil) = %v", err)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]vault.Algorithm{
		"SHA1": vault.SHA1, "sha1": vault.SHA1, "SHA-1": vault.SHA1, "HmacSHA1": vault.SHA1,
		"SHA256": vault.SHA256, "sha-256": vault.SHA256, "HMAC-SHA-256": vault.SHA256, "hmac_sha256": vault.SHA256,
		"SHA512": vault.SHA512, "Sha512": vault.SHA512, "HmacSHA512": vault.SHA512,
	} {
		if got, err := ParseAlgorithm(in); err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MD5", "SHA224", "SHA3-256", "SHA", "1", "SHA1SHA1"} {
		if got, err := ParseAlgorithm(in); err == nil {
			t.Errorf("ParseAlgorithm(%q) = %q, want an error", in, got)
		}
	}
}
