package auth_test

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/vault"
)

// rfcSecret is RFC 6238 Appendix B's SHA-1 seed "12345678901234567890".
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

// TestVerifyTOTPRFC6238 checks RFC 6238 Appendix B's SHA-1 values, cut to 6
// digits (the truncation is the 31-bit value mod 10^digits, so the 6-digit
// code is the last 6 digits of the 8-digit one).
func TestVerifyTOTPRFC6238(t *testing.T) {
	vectors := []struct {
		unix int64
		code string // the RFC's 8-digit value
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, v := range vectors {
		now := time.Unix(v.unix, 0)
		step, ok := auth.VerifyTOTP(rfcSecret, v.code[2:], now, 0)
		want, _ := auth.TOTPStep(now)
		if !ok || step != want {
			t.Errorf("T=%d: VerifyTOTP(%s) = %d, %v; want %d, true", v.unix, v.code[2:], step, ok, want)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret := auth.NewTOTPSecret()
	now := time.Date(2026, 11, 22, 9, 0, 10, 0, time.UTC)
	cur, _ := auth.TOTPStep(now)
	acct := vault.Account{Type: vault.TOTP, Secret: secret, Algorithm: vault.SHA1, Digits: 6, Period: 30}
	code := func(step uint64) string {
		c, err := codes.AtCounter(acct, step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastUsed uint64
		wantStep uint64
		ok       bool
	}{
		{"current step", code(cur), 0, cur, true},
		{"previous step (network delay)", code(cur - 1), 0, cur - 1, true},
		{"next step (fast clock)", code(cur + 1), 0, cur + 1, true},
		{"two steps back", code(cur - 2), 0, 0, false},
		{"two steps ahead", code(cur + 2), 0, 0, false},
		{"replay of the current step", code(cur), cur, 0, false},
		{"older step after a newer one", code(cur - 1), cur, 0, false},
		{"after the previous step was used", code(cur), cur - 1, cur, true},
		{"next step after the current one was used", code(cur + 1), cur, cur + 1, true},
		{"spaces", code(cur)[:3] + " " + code(cur)[3:], 0, cur, true},
		{"five digits", code(cur)[:5], 0, 0, false},
		{"seven digits", code(cur) + "0", 0, 0, false},
		{"letter", "12a456", 0, 0, false},
		{"dash", code(cur)[:3] + "-" + code(cur)[3:], 0, 0, false},
		{"empty", "", 0, 0, false},
		{"full-width digits", "１２３４５６", 0, 0, false},
		{"long garbage", strings.Repeat("1 ", 1000), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := auth.VerifyTOTP(secret, tt.code, now, tt.lastUsed)
			if ok != tt.ok || step != tt.wantStep {
				t.Fatalf("VerifyTOTP = %d, %v; want %d, %v", step, ok, tt.wantStep, tt.ok)
			}
		})
	}
	if _, ok := auth.VerifyTOTP(secret, code(0), time.Unix(-100, 0), 0); ok {
		t.Error("a time before 1970 verified")
	}
	if _, ok := auth.VerifyTOTP("not base32!", "123456", now, 0); ok {
		t.Error("an invalid secret verified")
	}
}

// TestPortalAndDesktopAgree: the code the desktop app shows (app/codes.
// Generate on the account the enrolment URI gives it) is accepted.
func TestPortalAndDesktopAgree(t *testing.T) {
	secret := auth.NewTOTPSecret()
	uri, err := auth.EnrolmentURI("Acme Portal", "ann@example.com", secret)
	if err != nil {
		t.Fatal(err)
	}
	a, err := otpauth.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		now := start.Add(time.Duration(i) * 17 * time.Second)
		c, err := codes.Generate(a, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := auth.VerifyTOTP(secret, c, now, 0); !ok {
			t.Fatalf("desktop code at %v refused", now)
		}
	}
}

func TestEnrolmentURI(t *testing.T) {
	secret := auth.NewTOTPSecret()
	uri, err := auth.EnrolmentURI("Acme Portal", "ann@example.com", secret)
	if err != nil {
		t.Fatal(err)
	}
	want := "otpauth://totp/Acme%20Portal:ann@example.com?secret=" + secret + "&issuer=Acme%20Portal"
	if uri != want {
		t.Fatalf("EnrolmentURI = %q\nwant %q", uri, want)
	}
	a, err := otpauth.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if a.Secret != secret || a.Digits != auth.TOTPDigits || a.Period != auth.TOTPPeriod || a.Algorithm != auth.TOTPAlgorithm {
		t.Errorf("parsed back %+v", a)
	}
	for _, bad := range []struct{ issuer, name, secret string }{
		{"Acme\nPortal", "ann", secret},
		{"Acme", "ann\x00", secret},
		{"Acme", "ann", "not base32!"},
		{"Acme", "ann", ""},
	} {
		_, err := auth.EnrolmentURI(bad.issuer, bad.name, bad.secret)
		if err == nil {
			t.Errorf("EnrolmentURI(%q, %q) accepted", bad.issuer, bad.name)
			continue
		}
		if bad.secret != "" && strings.Contains(err.Error(), bad.secret) {
			t.Errorf("error contains the secret: %v", err)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		s := auth.NewTOTPSecret()
		if len(s) != 32 || strings.ToUpper(s) != s || strings.Contains(s, "=") {
			t.Fatalf("secret %q is not 32 upper-case base32 characters", s)
		}
		key, err := codes.DecodeSecret(s)
		if err != nil || len(key) != auth.TOTPSecretBytes {
			t.Fatalf("secret decodes to %d bytes, %v", len(key), err)
		}
		if seen[s] {
			t.Fatal("repeated secret")
		}
		seen[s] = true
	}
}

func BenchmarkVerifyTOTP(b *testing.B) {
	secret := auth.NewTOTPSecret()
	now := time.Now()
	for b.Loop() {
		auth.VerifyTOTP(secret, "123456", now, 0)
	}
}
