package sync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
)

// signinClock is the portal's and its store's settable clock.
type signinClock struct{ ns atomic.Int64 }

func (c *signinClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *signinClock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func newSigninClock(t time.Time) *signinClock {
	c := &signinClock{}
	c.ns.Store(t.UnixNano())
	return c
}

type signinPortal struct {
	srv    *httptest.Server
	st     store.Store
	outbox *mail.Outbox
	clock  *signinClock
	tenant store.Tenant
}

// newSigninPortal runs the real portal over TLS with a tenant of policy p.
func newSigninPortal(t *testing.T, p store.TenantPolicy) *signinPortal {
	t.Helper()
	ctx := context.Background()
	clk := newSigninClock(time.Date(2026, 11, 22, 9, 0, 10, 0, time.UTC))
	st, kr, ph := portalParts(t, clk.Now)
	box := &mail.Outbox{}
	srv := serveTLS(t, portal.Options{Store: st, Keyring: kr, Now: clk.Now, Passwords: ph, Mailer: box})
	tn, err := st.CreateTenant(ctx, store.NewTenant{Name: "Analytical Engines", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := ph.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{TenantID: tn.ID, Email: "grace@example.com", Name: "Grace", Role: store.RoleAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	return &signinPortal{srv: srv, st: st, outbox: box, clock: clk, tenant: tn}
}

func (p *signinPortal) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, p.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantSigninAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != status || apiErr.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
}

// The desktop client signs a new user in end to end: forced enrolment
// through the e-mailed link, the new authenticator, a full session; then a
// second sign-in with a TOTP code; then sign-out.
func TestSignInClientAgainstPortal(t *testing.T) {
	p := newSigninPortal(t, store.TenantPolicy{Require2FA: true})
	c := newClient(t, p.srv, lksync.Options{})
	ctx := context.Background()
	creds := api.SignInRequest{Email: "grace@example.com", Password: "correct horse battery staple"}

	_, err := c.SignIn(ctx, api.SignInRequest{Email: creds.Email, Password: "wrong"})
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)

	a, err := c.SignIn(ctx, creds)
	if err != nil || a.State != api.StateVerifyEmail {
		t.Fatalf("sign in: %v %v", a, err)
	}
	if w, err := c.CompleteSignIn(ctx, a.Challenge); err != nil || w.State != api.StateVerifyEmail {
		t.Fatalf("waiting: %v %v", w, err)
	}
	m, ok := p.outbox.Last(creds.Email, "confirm your e-mail")
	if !ok {
		t.Fatal("no confirmation mail")
	}
	token := regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`).FindStringSubmatch(m.Text)[1]
	if v, err := c.VerifyEmailToken(ctx, token); err != nil || v.Purpose != api.PurposeVerifyEmail {
		t.Fatalf("verify: %v %v", v, err)
	}
	a, err = c.CompleteSignIn(ctx, a.Challenge)
	if err != nil || a.State != api.StateSignedIn || a.Session.Scope != api.ScopeEnrol {
		t.Fatalf("complete: %v %v", a, err)
	}
	enrol := a.Session.Token

	en, err := c.BeginEnrolment(ctx, enrol)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(en.OTPAuthURI, "&portal=") {
		t.Error("the URI has no portal parameter")
	}
	codes, err := c.ConfirmEnrolment(ctx, enrol, api.EnrolmentConfirm{FactorID: en.FactorID, Code: p.code(t, en.Secret)})
	if err != nil || len(codes.BackupCodes) != 10 || codes.RecoveryCode == "" {
		t.Fatalf("confirm: %v %v", codes, err)
	}
	full, err := c.EnrolmentSaved(ctx, enrol)
	if err != nil || full.Session == nil || full.Session.Scope != api.ScopeFull {
		t.Fatalf("saved: %v %v", full, err)
	}
	who, err := c.Session(ctx, full.Session.Token)
	if err != nil || who.User.Email != creds.Email || who.Tenant.ID != p.tenant.ID || who.Scope != api.ScopeFull || who.User.Role != "admin" {
		t.Fatalf("who am I: %+v %v", who, err)
	}
	_, err = c.Session(ctx, enrol)
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)

	// A second sign-in, with the authenticator.
	p.clock.Add(30 * time.Second)
	a, err = c.SignIn(ctx, creds)
	if err != nil || a.State != api.StateSecondFactor {
		t.Fatalf("sign in again: %v %v", a, err)
	}
	_, err = c.RequestEmailCode(ctx, a.Challenge)
	wantSigninAPIError(t, err, http.StatusForbidden, api.CodeForbidden)
	b, err := c.SecondFactor(ctx, api.SecondFactorRequest{Challenge: a.Challenge, Method: api.MethodTOTP, Code: p.code(t, en.Secret)})
	if err != nil || b.State != api.StateSignedIn {
		t.Fatalf("second factor: %v %v", b, err)
	}
	// Replacing that authenticator with a full session takes the password.
	_, err = c.BeginEnrolment(ctx, b.Session.Token)
	wantSigninAPIError(t, err, http.StatusBadRequest, api.CodeInvalid)
	_, err = c.BeginEnrolmentWithPassword(ctx, b.Session.Token, "wrong")
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	if again, err := c.BeginEnrolmentWithPassword(ctx, b.Session.Token, creds.Password); err != nil || again.FactorID == 0 {
		t.Fatalf("begin a replacement with the password: %v", err)
	}
	if err := c.SignOut(ctx, b.Session.Token); err != nil {
		t.Fatal(err)
	}
	_, err = c.Session(ctx, b.Session.Token)
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	// Signing out twice is done, not an error.
	if err := c.SignOut(ctx, b.Session.Token); err != nil {
		t.Errorf("second sign-out: %v", err)
	}
}

// Calls that need a session refuse to go out without one.
func TestSignInClientNeedsSession(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c, err := lksync.New(srv.URL, lksync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"BeginEnrolment": func() error { _, err := c.BeginEnrolment(ctx, ""); return err },
		"BeginEnrolmentWithPassword": func() error {
			_, err := c.BeginEnrolmentWithPassword(ctx, "", "pw")
			return err
		},
		"ConfirmEnrolment": func() error { _, err := c.ConfirmEnrolment(ctx, "", api.EnrolmentConfirm{}); return err },
		"EnrolmentSaved":   func() error { _, err := c.EnrolmentSaved(ctx, ""); return err },
		"Session":          func() error { _, err := c.Session(ctx, ""); return err },
		"SignOut":          func() error { return c.SignOut(ctx, "") },
	}
	for name, f := range calls {
		if err := f(); err == nil || !strings.Contains(err.Error(), "sign in first") {
			t.Errorf("%s without a session: %v", name, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests went out", hits.Load())
	}
}

// Sign-in steps are not repeated after the portal may have acted on them:
// a 503 is returned, not retried; a 429 with a short Retry-After is.
func TestSignInClientRetries(t *testing.T) {
	var hits atomic.Int32
	status := atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if n == 1 {
			if status.Load() == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(int(status.Load()))
			fmt.Fprint(w, `{"error":{"code":"x","message":"y"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"state":"signed_in","session":{"token":"t","scope":"full","expires_at":"2026-11-22T21:00:00Z"}}`)
	}))
	defer srv.Close()
	c, err := lksync.New(srv.URL, lksync.Options{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status int
		hits   int32
		ok     bool
	}{
		{http.StatusServiceUnavailable, 1, false},
		{http.StatusTooManyRequests, 2, true},
	} {
		hits.Store(0)
		status.Store(int32(tc.status))
		_, err := c.SecondFactor(context.Background(), api.SecondFactorRequest{Challenge: "k.x", Method: "totp", Code: "123456"})
		if (err == nil) != tc.ok || hits.Load() != tc.hits {
			t.Errorf("after %d: err %v, %d requests, want %d", tc.status, err, hits.Load(), tc.hits)
		}
	}
}

// No wire type holding a secret prints it, whatever the verb, nor logs it.
func TestSignInWireRedacts(t *testing.T) {
	const secret = "S3CR3TV4LU3"
	exp := time.Date(2026, 11, 22, 9, 5, 0, 0, time.UTC)
	values := []any{
		api.SignInRequest{Email: "ada@example.com", Password: secret},
		api.SecondFactorRequest{Challenge: secret, Method: "totp", Code: secret},
		api.ChallengeRequest{Challenge: secret},
		api.SignInAnswer{State: "signed_in", Challenge: secret, NewRecoveryCode: secret, Session: &api.SessionGrant{Token: secret, Scope: "full", ExpiresAt: exp}},
		api.SessionGrant{Token: secret, Scope: "full", ExpiresAt: exp},
		api.EmailVerificationRequest{Token: secret},
		api.Enrolment{FactorID: 7, Secret: secret, OTPAuthURI: "otpauth://totp/x?secret=" + secret, ExpiresAt: exp},
		api.EnrolmentConfirm{FactorID: 7, Code: secret},
		api.EnrolmentCodes{BackupCodes: []string{secret, secret}, RecoveryCode: secret},
	}
	for _, v := range values {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		out := fmt.Sprintf("%v %+v %#v %s", v, v, v, v) + buf.String()
		if strings.Contains(out, secret) || strings.Contains(out, "ada@example.com") {
			t.Errorf("%T leaks: %s", v, out)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%T does not say what it redacted: %s", v, out)
		}
	}
}
