package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth"
)

func TestRedact(t *testing.T) {
	tok := auth.NewToken().Encode()
	secret := auth.NewTOTPSecret()
	backup := auth.NewBackupCodes()[0]
	recovery := auth.NewRecoveryCode()
	email := auth.NewEmailCode()
	tests := []struct{ in, want string }{
		{"GET /v1/links/" + tok + " 200", "GET /v1/links/[REDACTED] 200"},
		{"POST /redeem?token=abc&x=1", "POST /redeem?token=[REDACTED]&x=1"},
		{`{"email":"ann@example.com","password":"hunter2 hunter2"}`, `{"email":"ann@example.com","password":"[REDACTED] hunter2"}`},
		{`password: "hunter2"`, `password: "[REDACTED]"`},
		{"Password=hunter2", "Password=[REDACTED]"},
		{"otpauth://totp/A:b?secret=" + secret + "&issuer=A", "otpauth://totp/A:b?secret=[REDACTED]&issuer=A"},
		{"secret " + secret + " stored", "secret [REDACTED] stored"},
		{"code " + backup + " used", "code [REDACTED] used"},
		{"code " + strings.ReplaceAll(backup, "-", "") + " used", "code [REDACTED] used"},
		{"recovery " + recovery, "recovery [REDACTED]"},
		{"sent " + email + " to ann", "sent [REDACTED] to ann"},
		{"totp 123456 refused", "totp [REDACTED] refused"},
		{"totp 123 456 refused", "totp [REDACTED] refused"},
		{"hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$dGFn end", "hash [REDACTED] end"},
		{"phrase=maple river", "phrase=[REDACTED] river"},
		// Left alone.
		{"status 200 in 35ms", "status 200 in 35ms"},
		{"hello-world and single-use", "hello-world and single-use"},
		{"at 2026-11-22T09:00:00Z", "at 2026-11-22T09:00:00Z"},
		{"user 123e4567-e89b-12d3-a456-426614174000", "user 123e4567-e89b-12d3-a456-426614174000"},
		{"unix 1763802000", "unix 1763802000"},
		{"tenant 12345", "tenant 12345"},
		{"Backup codes", "Backup codes"},
	}
	for _, tt := range tests {
		if got := auth.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	const pw = "correct-horse-battery-staple"
	s := auth.Secret(pw)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("sign-in", "password", s)
	j, _ := json.Marshal(struct{ P auth.Secret }{s})
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s),
		fmt.Sprintf("%v", struct{ P auth.Secret }{s}), string(j), buf.String(),
		fmt.Errorf("sign-in failed for %v", s).Error(),
	} {
		if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Reveal() != pw {
		t.Error("Reveal lost the value")
	}
}

// TestErrorsCarryNoSecret drives every error path of the package with
// sentinel secrets and checks that no error message contains them (the
// package comment's rule).
func TestErrorsCarryNoSecret(t *testing.T) {
	ctx := context.Background()
	const sentinelPW = "SENTINELpassword9q7x"
	secret := auth.NewTOTPSecret()
	tok := auth.NewToken().Encode()
	keyB64 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5c}, 31))
	sentinels := []string{sentinelPW, secret, tok, tok[:16], keyB64[:16], "Q7XK2", "9q7x"}

	h := newHasher(t, lowParams)
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	_, err := auth.NormalizePassword(sentinelPW + "\x00")
	add(err)
	_, err = auth.NormalizePassword(sentinelPW + strings.Repeat("x", 2000))
	add(err)
	add(auth.CheckNewPassword("9q7x", 8))
	_, err = h.Verify(ctx, sentinelPW, "$argon2id$v=19$m=64,t=1,p=1$"+sentinelPW+"$"+sentinelPW)
	add(err)
	_, err = h.Verify(ctx, sentinelPW, "$argon2id$v=19$m=9q7x,t=1,p=1$c2FsdHNhbHQ$"+tok)
	add(err)
	_, err = h.Verify(ctx, sentinelPW, "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$"+tok)
	add(err)
	_, err = h.Verify(ctx, sentinelPW, sentinelPW)
	add(err)
	_, err = auth.ParseToken(tok[:42])
	add(err)
	_, err = auth.ParseToken(tok + tok)
	add(err)
	_, err = auth.ParseToken(tok[:42] + "!")
	add(err)
	_, err = auth.CanonicalBackupCode("Q7XK2-" + sentinelPW)
	add(err)
	_, err = auth.CanonicalEmailCode("9q7x")
	add(err)
	_, err = auth.ParseKeyring("k1:" + keyB64)
	add(err)
	_, err = auth.ParseKeyring("k1:" + keyB64 + "!!")
	add(err)
	_, err = auth.EnrolmentURI("Acme\n", "ann", secret)
	add(err)
	_, err = auth.EnrolmentURI("Acme", "ann", sentinelPW+"!")
	add(err)
	kr := mustKeyring(t, keySpec("k1", 1))
	sealed, _ := kr.Seal(auth.PurposeTOTPSecret, "1", []byte(secret))
	_, err = kr.Open(auth.PurposeTOTPSecret, "2", sealed)
	add(err)
	_, err = kr.Open(auth.PurposeTOTPSecret, "1", auth.Sealed{KeyID: "k2", Ciphertext: sealed.Ciphertext})
	add(err)
	if len(errs) < 15 {
		t.Fatalf("only %d error paths exercised", len(errs))
	}
	for _, err := range errs {
		for _, s := range sentinels {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains a secret", err)
			}
		}
	}
}

func TestRedactCoversGeneratedSecrets(t *testing.T) {
	for i := 0; i < 200; i++ {
		for _, s := range []string{
			auth.NewToken().Encode(), auth.NewTOTPSecret(), auth.NewRecoveryCode(),
			auth.NewEmailCode(), auth.NewBackupCodes()[i%10],
		} {
			line := "event=x value=" + s + " at=/v1/" + s + "/"
			if out := auth.Redact(line); strings.Contains(out, s) {
				t.Fatalf("Redact left %q in %q", s, out)
			}
		}
	}
}
