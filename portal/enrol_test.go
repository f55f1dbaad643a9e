package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// Forced enrolment end to end: a user whose tenant requires 2FA signs in
// with a password only, confirms their e-mail address through the link,
// gets an enrol-only session, enrols, sees the codes once, says they saved
// them and ends with a full session; then signs in with the new factor.
func TestForcedEnrolment(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("grace@example.com", noFactor, unverified, unknownAddr)

	a := e.answer(e.password(u.Email, testPassword, homeAddr), http.StatusOK)
	if a.State != api.StateVerifyEmail || a.Session != nil || a.Challenge == "" {
		t.Fatalf("answer %v", a)
	}
	// Until the link is confirmed, completing repeats the waiting state.
	if w := e.answer(e.call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: a.Challenge}, homeAddr), 200); w.State != api.StateVerifyEmail || w.Challenge != a.Challenge {
		t.Fatalf("waiting: %v", w)
	}
	path, token := e.link(u.Email, "confirm your e-mail address")
	if path != pathVerifyEmail {
		t.Fatalf("link to %s", path)
	}
	// The link's page only shows a button: a mail scanner's GET changes nothing.
	page := e.callRaw("GET", path+"?token="+token, "", "", "")
	if page.Code != 200 || !strings.Contains(page.Body.String(), `action="/verify-email"`) {
		t.Fatalf("GET link page: %d", page.Code)
	}
	if got, _ := e.st.GetUser(context.Background(), u.ID); !got.EmailVerifiedAt.IsZero() {
		t.Fatal("a GET verified the address")
	}
	// Confirmed (here through the API, from a phone on another network).
	w := e.call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: token}, otherAddr)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"verify_email"`) {
		t.Fatalf("verification: %d %s", w.Code, shown(w))
	}
	e.failure(e.call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: token}, otherAddr), http.StatusGone, api.CodeInvalid)

	// The sign-in completes from its own address: the address that asked
	// for the confirmation counts as known, so no second e-mail.
	a = e.answer(e.call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: a.Challenge}, homeAddr), 200)
	if a.State != api.StateSignedIn || a.Session.Scope != api.ScopeEnrol {
		t.Fatalf("complete: %v", a)
	}
	if len(outbox(t, e.h).To(u.Email)) != 1 {
		t.Errorf("%d mails, want only the confirmation", len(outbox(t, e.h).To(u.Email)))
	}
	if !a.Session.ExpiresAt.Equal(e.clock.Now().Add(EnrolSessionTTL)) {
		t.Errorf("enrol session expires %v", a.Session.ExpiresAt)
	}
	enrolTok := a.Session.Token
	if si, _ := e.session(enrolTok); si.Scope != api.ScopeEnrol {
		t.Errorf("session scope %q", si.Scope)
	}
	// Saying "saved" before confirming anything is refused.
	e.failure(e.call("POST", api.PathEnrolmentSaved, enrolTok, nil, homeAddr), http.StatusConflict, api.CodeConflict)

	// Begin: a secret, its otpauth URI with the portal parameter.
	w = e.call("POST", api.PathEnrolment, enrolTok, nil, homeAddr)
	if w.Code != http.StatusCreated {
		t.Fatalf("begin: %d %s", w.Code, shown(w))
	}
	var en api.Enrolment
	decodeAnswer(t, w, &en)
	e.keep(en.Secret, en.OTPAuthURI)
	acct, err := otpauth.Parse(en.OTPAuthURI)
	if err != nil {
		t.Fatalf("the enrolment URI does not parse: %v", err)
	}
	if acct.Secret != en.Secret || acct.Issuer != DefaultIssuer || acct.Name != u.Email {
		t.Errorf("URI account %s / %s", acct.Issuer, acct.Name)
	}
	q, err := url.ParseQuery(strings.SplitN(en.OTPAuthURI, "?", 2)[1])
	if err != nil || q.Get("portal") != "https://portal.example.com/" {
		t.Errorf("portal parameter %q (%v)", q.Get("portal"), err)
	}
	// A wrong code is refused and changes nothing.
	e.failure(e.call("POST", api.PathEnrolmentConfirm, enrolTok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: "000000"}, homeAddr), 400, api.CodeInvalid)
	// Another user's factor id is not found.
	other := e.user("other@example.com")
	otherTok := sessionFor(t, e.h, other.User, store.ScopeFull)
	e.failure(e.call("POST", api.PathEnrolmentConfirm, otherTok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: e.code(en.Secret)}, homeAddr), 404, api.CodeNotFound)

	code := e.code(en.Secret)
	w = e.call("POST", api.PathEnrolmentConfirm, enrolTok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: code}, homeAddr)
	if w.Code != 200 {
		t.Fatalf("confirm: %d %s", w.Code, shown(w))
	}
	var codes api.EnrolmentCodes
	decodeAnswer(t, w, &codes)
	e.keep(codes.RecoveryCode)
	e.keep(codes.BackupCodes...)
	if len(codes.BackupCodes) != auth.BackupCodeCount || len(codes.RecoveryCode) != 29 {
		t.Fatalf("codes: %d backup, recovery %d characters", len(codes.BackupCodes), len(codes.RecoveryCode))
	}
	// Confirming again is refused: the codes are shown once.
	e.failure(e.call("POST", api.PathEnrolmentConfirm, enrolTok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: code}, homeAddr), http.StatusConflict, api.CodeConflict)
	if _, ok := outbox(t, e.h).Last(u.Email, "two-factor authentication changed"); !ok {
		t.Error("no 2FA-change notice")
	}

	// The enrol session cannot do what a full one does.
	if w := e.call("GET", api.PathSession, enrolTok, nil, homeAddr); w.Code != 200 {
		t.Errorf("who-am-I with the enrol session: %d", w.Code)
	}
	w = e.call("POST", api.PathEnrolmentSaved, enrolTok, nil, homeAddr)
	full := e.answer(w, 200)
	if full.State != api.StateSignedIn || full.Session.Scope != api.ScopeFull {
		t.Fatalf("saved: %v", full)
	}
	if _, status := e.session(enrolTok); status != http.StatusUnauthorized {
		t.Errorf("the enrol session still works: %d", status)
	}
	if si, _ := e.session(full.Session.Token); si.Scope != api.ScopeFull || si.User.ID != u.ID {
		t.Errorf("full session %+v", si)
	}
	want := []string{auditEmailVerified, auditSignInSucceeded, auditFactorEnrolled, auditSignInSucceeded}
	if got := actions(e.audits(u.ID)); !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}

	// The enrolment code's step cannot sign in; the next step's code can,
	// and so can the new backup and recovery codes.
	e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, code, homeAddr), 401, api.CodeUnauthenticated)
	e.clock.Add(30 * time.Second)
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, e.code(en.Secret), homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("sign-in with the new factor: %v", a)
	}
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, codes.BackupCodes[9], homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("new backup code: %v", a)
	}
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodRecoveryCode, codes.RecoveryCode, homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("new recovery code: %v", a)
	}
	e.checkLogs()
}

// A user whose address is already verified goes straight to the enrol
// session; one whose tenant does not require 2FA gets a full session.
func TestNoFactorSignIn(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	relaxed := seedTenant(t, e.h, "Relaxed", 0, store.TenantPolicy{})
	tests := []struct {
		name  string
		user  seeded
		scope string
	}{
		{"2FA required, address verified", e.user("v@example.com", noFactor), api.ScopeEnrol},
		{"2FA not required", e.user("r@example.com", noFactor, inTenant(relaxed.ID)), api.ScopeFull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			a := e.answer(e.password(tc.user.Email, testPassword, homeAddr), 200)
			if a.State != api.StateSignedIn || a.Session.Scope != tc.scope {
				t.Fatalf("answer %v", a)
			}
		})
	}
}

// Enrolment with a full session replaces the old factor and codes.
func TestReenrolmentReplacesFactor(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	tok := sessionFor(t, e.h, u.User, store.ScopeFull)
	// Replacing an active authenticator takes the password again.
	pw := api.EnrolmentBegin{CurrentPassword: testPassword}
	w := e.call("POST", api.PathEnrolment, tok, pw, homeAddr)
	var first api.Enrolment
	decodeAnswer(t, w, &first)
	// Beginning again replaces the pending one.
	w = e.call("POST", api.PathEnrolment, tok, pw, homeAddr)
	var en api.Enrolment
	decodeAnswer(t, w, &en)
	e.keep(first.Secret, en.Secret)
	e.failure(e.call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: first.FactorID, Code: e.code(first.Secret)}, homeAddr), http.StatusConflict, api.CodeConflict)
	// A stale one has expired.
	e.clock.Add(EnrolmentTTL)
	e.failure(e.call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: e.code(en.Secret)}, homeAddr), http.StatusGone, api.CodeInvalid)
	e.clock.Add(-EnrolmentTTL)
	if w := e.call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: e.code(en.Secret)}, homeAddr); w.Code != 200 {
		t.Fatalf("confirm: %d %s", w.Code, shown(w))
	}
	// The old authenticator, backup codes and recovery code are dead.
	e.clock.Add(30 * time.Second)
	e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, e.code(u.Secret), homeAddr), 401, api.CodeUnauthenticated)
	e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, u.Backup[0], homeAddr), 401, api.CodeUnauthenticated)
	e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodRecoveryCode, u.Recovery, homeAddr), 401, api.CodeUnauthenticated)
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, e.code(en.Secret), homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("new factor: %v", a)
	}
	// A full session's "saved" rotates it.
	a := e.answer(e.call("POST", api.PathEnrolmentSaved, tok, nil, homeAddr), 200)
	if a.Session.Scope != api.ScopeFull {
		t.Errorf("saved: %v", a)
	}
	if _, status := e.session(tok); status != 401 {
		t.Errorf("the replaced session still works: %d", status)
	}
	e.checkLogs()
}

// A recovery link's enrol session (old factor already disabled) enrols the
// same way.
func TestEnrolmentWithRecoverySession(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("ada@example.com")
	if _, err := e.st.DisableTOTPFactors(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	tok := sessionFor(t, e.h, u.User, store.ScopeEnrol)
	// Enrol-only: other areas' full-scope endpoints refuse it (withSession).
	w := e.call("POST", api.PathEnrolment, tok, nil, homeAddr)
	var en api.Enrolment
	decodeAnswer(t, w, &en)
	e.keep(en.Secret)
	if w := e.call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: e.code(en.Secret)}, homeAddr); w.Code != 200 {
		t.Fatalf("confirm: %d %s", w.Code, shown(w))
	}
	if a := e.answer(e.call("POST", api.PathEnrolmentSaved, tok, nil, homeAddr), 200); a.Session.Scope != api.ScopeFull {
		t.Fatalf("saved: %v", a)
	}
}

func TestEmailCodes(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{AllowEmailCodes: true}, nil)
	u := e.user("ada@example.com")
	a := e.answer(e.password(u.Email, testPassword, homeAddr), 200)
	if !slices.Contains(a.Methods, api.MethodEmailCode) {
		t.Fatalf("methods %v", a.Methods)
	}
	codeRe := regexp.MustCompile(`\b(\d{4} \d{4})\b`)
	request := func() string {
		t.Helper()
		w := e.call("POST", api.PathSignInEmailCode, "", api.ChallengeRequest{Challenge: a.Challenge}, homeAddr)
		if w.Code != http.StatusAccepted {
			t.Fatalf("request: %d %s", w.Code, shown(w))
		}
		m, ok := outbox(t, e.h).Last(u.Email, "sign-in code")
		if !ok {
			t.Fatal("no code mailed")
		}
		c := codeRe.FindStringSubmatch(m.Text)
		if c == nil {
			t.Fatal("no code in the mail")
		}
		e.keep(c[1], strings.ReplaceAll(c[1], " ", ""))
		return c[1]
	}
	first := request()
	second := request()
	// A newer code revokes the older one.
	e.failure(e.factor(a.Challenge, api.MethodEmailCode, first, homeAddr), 401, api.CodeUnauthenticated)
	// Expired after EmailCodeTTL.
	e.clock.Add(EmailCodeTTL)
	ch := e.challengeFor(u, homeAddr)
	e.failure(e.factor(ch, api.MethodEmailCode, second, homeAddr), 401, api.CodeUnauthenticated)
	a.Challenge = ch
	third := request()
	if got := e.answer(e.factor(ch, api.MethodEmailCode, strings.ReplaceAll(third, " ", "-"), homeAddr), 200); got.State != api.StateSignedIn {
		t.Fatalf("answer %v", got)
	}
	// Used once.
	e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodEmailCode, third, homeAddr), 401, api.CodeUnauthenticated)
	// At most EmailCodesPerAccount mails per window.
	a.Challenge = e.challengeFor(u, homeAddr)
	e.failure(e.call("POST", api.PathSignInEmailCode, "", api.ChallengeRequest{Challenge: a.Challenge}, homeAddr), http.StatusTooManyRequests, api.CodeRateLimited)

	// A tenant that does not allow them refuses both steps.
	strict := seedTenant(t, e.h, "Strict", 0, store.TenantPolicy{})
	v := e.user("strict@example.com", inTenant(strict.ID))
	b := e.answer(e.password(v.Email, testPassword, homeAddr), 200)
	if slices.Contains(b.Methods, api.MethodEmailCode) {
		t.Errorf("methods %v offer e-mailed codes", b.Methods)
	}
	e.failure(e.call("POST", api.PathSignInEmailCode, "", api.ChallengeRequest{Challenge: b.Challenge}, homeAddr), http.StatusForbidden, api.CodeForbidden)
	e.checkLogs()
}

// A sign-in from an address the account has not used waits for the
// e-mailed confirmation, then completes from the same address.
func TestNewAddressVerification(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	ch := e.challengeFor(u, otherAddr)
	a := e.answer(e.factor(ch, api.MethodTOTP, e.code(u.Secret), otherAddr), 200)
	if a.State != api.StateVerifyAddress || a.Session != nil {
		t.Fatalf("answer %v", a)
	}
	complete := func(addr string) *httptest.ResponseRecorder {
		return e.call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: a.Challenge}, addr)
	}
	if w := e.answer(complete(otherAddr), 200); w.State != api.StateVerifyAddress {
		t.Fatalf("before the link: %v", w)
	}
	path, token := e.link(u.Email, "new network")
	if path != pathVerifyAddress {
		t.Fatalf("link to %s", path)
	}
	m, _ := outbox(t, e.h).Last(u.Email, "new network")
	if !strings.Contains(m.Text, otherAddr) {
		t.Error("the mail does not name the address")
	}
	// Confirmed through the page's button, from the phone's network.
	form := url.Values{"token": {token}}.Encode()
	req := httptest.NewRequest("POST", path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = "203.0.113.50:1234"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "confirmed") {
		t.Fatalf("confirm page: %d", rec.Code)
	}
	// Only the address that started the sign-in can complete it.
	e.failure(complete(homeAddr), 401, api.CodeUnauthenticated)
	done := e.answer(complete(otherAddr), 200)
	if done.State != api.StateSignedIn || done.Session.Scope != api.ScopeFull {
		t.Fatalf("complete: %v", done)
	}
	// Once.
	e.failure(complete(otherAddr), 401, api.CodeUnauthenticated)
	// The address is now known: the next sign-in from it needs no mail.
	e.clock.Add(30 * time.Second)
	if a := e.answer(e.factor(e.challengeFor(u, otherAddr), api.MethodTOTP, e.code(u.Secret), otherAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("known address: %v", a)
	}
	// A user the admin exempted signs in from anywhere.
	v := e.user("skip@example.com", skipIP, unknownAddr)
	if a := e.answer(e.factor(e.challengeFor(v, "203.0.113.77"), api.MethodTOTP, e.code(v.Secret), "203.0.113.77"), 200); a.State != api.StateSignedIn {
		t.Fatalf("exempted user: %v", a)
	}
	e.checkLogs()
}

// The recovery code used from a new address is still shown, with the
// waiting state.
func TestRecoveryCodeFromNewAddress(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	a := e.answer(e.factor(e.challengeFor(u, otherAddr), api.MethodRecoveryCode, u.Recovery, otherAddr), 200)
	if a.State != api.StateVerifyAddress || a.NewRecoveryCode == "" {
		t.Fatalf("answer %v", a)
	}
}

func TestEmailVerificationRefusals(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("grace@example.com", noFactor, unverified)
	e.answer(e.password(u.Email, testPassword, homeAddr), 200)
	_, stale := e.link(u.Email, "confirm your e-mail address")
	e.answer(e.password(u.Email, testPassword, homeAddr), 200)
	_, fresh := e.link(u.Email, "confirm your e-mail address")
	tests := []struct {
		name    string
		token   string
		advance time.Duration
		status  int
		code    string
		message string
	}{
		{"empty", "", 0, 400, api.CodeInvalid, "required"},
		{"truncated", fresh[:40], 0, 400, api.CodeInvalid, "was the link cut"},
		{"unknown", auth.NewToken().Encode(), 0, 404, api.CodeNotFound, "not valid"},
		{"replaced by a newer mail", stale, 0, 410, api.CodeInvalid, "newer"},
		{"expired", fresh, VerifyEmailTTL, 410, api.CodeInvalid, "expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			e.clock.Add(tc.advance)
			defer e.clock.Add(-tc.advance)
			b := e.failure(e.call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: tc.token}, homeAddr), tc.status, tc.code)
			if !strings.Contains(b.Message, tc.message) {
				t.Errorf("message %q lacks %q", b.Message, tc.message)
			}
		})
	}
	if got, _ := e.st.GetUser(context.Background(), u.ID); !got.EmailVerifiedAt.IsZero() {
		t.Error("a refused link verified the address")
	}
	e.checkLogs()
}
