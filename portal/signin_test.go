package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// The password step's refusals: every way in which the password is wrong
// answers the same, and the account's and tenant's rules answer only after
// the password matched.
func TestSignInPasswordStep(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	ada := e.user("ada@example.com")
	lockedUser := e.user("locked@example.com", locked)
	noPassword := e.user("nopass@example.com")
	empty := ""
	if _, err := e.st.UpdateUser(context.Background(), noPassword.ID, store.UserUpdate{PasswordHash: &empty}); err != nil {
		t.Fatal(err)
	}
	sso := seedTenant(t, e.h, "SSO Corp", 0, store.TenantPolicy{SSOEnforced: true})
	ssoUser := e.user("sso@example.com", inTenant(sso.ID))
	fenced := seedTenant(t, e.h, "Fenced", 0, store.TenantPolicy{IPAllowList: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}})
	fencedUser := e.user("fenced@example.com", inTenant(fenced.ID))

	wrong := e.failure(e.password(ada.Email, "wrong password", homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)

	tests := []struct {
		name            string
		email, password string
		addr            string
		status          int
		code            string
		message         string // substring; "" to skip
		reason          string // the failure audit's reason; "" for none
		target          int64
	}{
		{"unknown address answers as a wrong password", "nobody@example.com", testPassword, homeAddr, 401, api.CodeUnauthenticated, wrong.Message, "wrong_password", 0},
		{"no password set answers as a wrong password", noPassword.Email, testPassword, homeAddr, 401, api.CodeUnauthenticated, wrong.Message, "wrong_password", noPassword.ID},
		{"over-long password answers as a wrong password", ada.Email, strings.Repeat("x", 2000), homeAddr, 401, api.CodeUnauthenticated, wrong.Message, "wrong_password", ada.ID},
		{"e-mail case and spaces do not matter", "  ADA@example.COM ", testPassword, homeAddr, 200, "", "", "", 0},
		{"locked user", lockedUser.Email, testPassword, homeAddr, 403, api.CodeForbidden, "locked", "locked", lockedUser.ID},
		{"locked user with a wrong password learns nothing", lockedUser.Email, "nope", homeAddr, 401, api.CodeUnauthenticated, wrong.Message, "wrong_password", lockedUser.ID},
		{"SSO tenant", ssoUser.Email, testPassword, homeAddr, 403, api.CodeForbidden, "single sign-on", "sso_enforced", ssoUser.ID},
		{"IP allow list refuses", fencedUser.Email, testPassword, homeAddr, 403, api.CodeForbidden, "network", "address_not_allowed", fencedUser.ID},
		{"IP allow list admits", fencedUser.Email, testPassword, "203.0.113.9", 200, "", "", "", 0},
		{"empty e-mail", "", testPassword, homeAddr, 400, api.CodeInvalid, `"email" is required`, "", 0},
		{"not an e-mail", "ada", testPassword, homeAddr, 400, api.CodeInvalid, `"email" is not an e-mail address`, "", 0},
		{"empty password", ada.Email, "", homeAddr, 400, api.CodeInvalid, `"password" is required`, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			before := len(e.audits(0))
			w := e.password(tc.email, tc.password, tc.addr)
			if tc.status == http.StatusOK {
				if a := e.answer(w, 200); a.State != api.StateSecondFactor || a.Challenge == "" {
					t.Fatalf("answer %v", a)
				}
				return
			}
			b := e.failure(w, tc.status, tc.code)
			if tc.message != "" && !strings.Contains(b.Message, tc.message) {
				t.Errorf("message %q lacks %q", b.Message, tc.message)
			}
			after := e.audits(0)
			if tc.reason == "" {
				if len(after) != before {
					t.Errorf("a refused request wrote %d audit entries", len(after)-before)
				}
				return
			}
			last := after[len(after)-1]
			var d map[string]string
			_ = json.Unmarshal(last.Details, &d)
			if last.Action != auditSignInFailed || d["reason"] != tc.reason || last.TargetUserID != tc.target || last.SourceAddr != tc.addr {
				t.Errorf("audit %s %s target %d from %s, want signin.failed %s target %d", last.Action, last.Details, last.TargetUserID, last.SourceAddr, tc.reason, tc.target)
			}
		})
	}

	// The unknown-address answer is byte for byte the wrong-password one.
	a := e.password("nobody@example.com", testPassword, homeAddr)
	b := e.password(ada.Email, "wrong", homeAddr)
	if a.Body.String() != b.Body.String() || a.Header().Get("WWW-Authenticate") != b.Header().Get("WWW-Authenticate") {
		t.Errorf("unknown address %q, wrong password %q", shown(a), shown(b))
	}
	e.checkLogs()
}

func TestSignInMalformedBodies(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	paths := []string{api.PathSignIn, api.PathSignInSecondFactor, api.PathSignInEmailCode,
		api.PathSignInComplete, api.PathEmailVerifications}
	bodies := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"unknown member", "application/json", `{"email":"a@b.c","password":"x","challenge":"y","token":"z","method":"totp","code":"1","admin":true}`, 400, api.CodeUnknownField},
		{"malformed JSON", "application/json", `{"email":`, 400, api.CodeBadRequest},
		{"array", "application/json", `[]`, 400, api.CodeBadRequest},
		{"trailing data", "application/json", `{} {}`, 400, api.CodeBadRequest},
		{"wrong type", "application/json", `{"$member": 5}`, 400, api.CodeInvalid},
		{"form body", "application/x-www-form-urlencoded", `email=a`, 415, api.CodeUnsupportedMedia},
	}
	first := map[string]string{api.PathSignIn: "email", api.PathEmailVerifications: "token"}
	for _, p := range paths {
		for _, b := range bodies {
			t.Run(p+" "+b.name, func(t *testing.T) {
				member := first[p]
				if member == "" {
					member = "challenge"
				}
				w := do(e.h, "POST", p, b.contentType, strings.ReplaceAll(b.body, "$member", member))
				e.at(t).failure(w, b.status, b.code)
			})
		}
	}
	// Enrolment endpoints take a session first; with one, bodies are strict too.
	u := e.user("ada@example.com")
	tok := sessionFor(t, e.h, u.User, store.ScopeFull)
	for _, p := range []string{api.PathEnrolment, api.PathEnrolmentConfirm, api.PathEnrolmentSaved} {
		req := `{"factor_id": 1, "code": "123456", "extra": 1}`
		w := e.callRaw("POST", p, tok, "application/json", req)
		e.failure(w, 400, api.CodeUnknownField)
	}
}

// Each second factor is accepted once.
func TestSecondFactors(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)

	t.Run("TOTP once per step", func(t *testing.T) {
		e := e.at(t)
		u := e.user("totp@example.com")
		code := e.code(u.Secret)
		a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, code, homeAddr), 200)
		if a.State != api.StateSignedIn || a.Session == nil || a.Session.Scope != api.ScopeFull {
			t.Fatalf("answer %v", a)
		}
		if si, _ := e.session(a.Session.Token); si.User.ID != u.ID || si.Scope != "full" {
			t.Errorf("session %+v", si)
		}
		// The same code in the same step, with a fresh challenge: a replay.
		e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, code, homeAddr), 401, api.CodeUnauthenticated)
		// The next step's code works.
		e.clock.Add(30 * time.Second)
		if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, e.code(u.Secret), homeAddr), 200); a.State != api.StateSignedIn {
			t.Fatalf("next step: %v", a)
		}
		// An earlier step's code is refused after a later one was used.
		old := e.codeAt(u.Secret, e.clock.Now().Add(-30*time.Second))
		e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, old, homeAddr), 401, api.CodeUnauthenticated)
	})

	t.Run("backup code once", func(t *testing.T) {
		e := e.at(t)
		u := e.user("backup@example.com")
		typed := strings.ToLower(strings.ReplaceAll(u.Backup[3], "-", " "))
		if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, typed, homeAddr), 200); a.State != api.StateSignedIn {
			t.Fatalf("answer %v", a)
		}
		e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, u.Backup[3], homeAddr), 401, api.CodeUnauthenticated)
		// Another code of the set still works.
		if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, u.Backup[4], homeAddr), 200); a.State != api.StateSignedIn {
			t.Fatalf("answer %v", a)
		}
		if got := actions(e.audits(u.ID)); !slices.Contains(got, auditBackupCodeUsed) {
			t.Errorf("audit %v lacks %s", got, auditBackupCodeUsed)
		}
		if m, ok := outbox(t, e.h).Last(u.Email, "two-factor"); !ok || !strings.Contains(m.Text, "backup codes was used") || !strings.Contains(m.Text, "8 are left") {
			t.Errorf("no notice of the used backup codes: %v", m)
		}
	})

	t.Run("recovery code replaced when used", func(t *testing.T) {
		e := e.at(t)
		u := e.user("recovery@example.com")
		a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodRecoveryCode, u.Recovery, homeAddr), 200)
		if a.State != api.StateSignedIn || a.NewRecoveryCode == "" || a.NewRecoveryCode == u.Recovery {
			t.Fatalf("answer %v", a)
		}
		e.failure(e.factor(e.challengeFor(u, homeAddr), api.MethodRecoveryCode, u.Recovery, homeAddr), 401, api.CodeUnauthenticated)
		b := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodRecoveryCode, a.NewRecoveryCode, homeAddr), 200)
		if b.State != api.StateSignedIn || b.NewRecoveryCode == a.NewRecoveryCode {
			t.Fatalf("second use: %v", b)
		}
		if _, ok := outbox(t, e.h).Last(u.Email, "two-factor authentication changed"); !ok {
			t.Error("no notice of the replaced recovery code")
		}
	})

	t.Run("wrong and malformed codes", func(t *testing.T) {
		e := e.at(t)
		u := e.user("wrong@example.com")
		ch := e.challengeFor(u, homeAddr)
		for _, tc := range []struct{ method, code string }{
			{api.MethodTOTP, "000000"},
			{api.MethodTOTP, "12345"},
			{api.MethodBackupCode, "ZZZZZ-ZZZZZ"},
			{api.MethodRecoveryCode, "short"},
		} {
			e.failure(e.factor(ch, tc.method, tc.code, homeAddr), 401, api.CodeUnauthenticated)
		}
		e.failure(e.factor(ch, "sms", "123456", homeAddr), 400, api.CodeInvalid)
		e.failure(e.factor(ch, api.MethodTOTP, " ", homeAddr), 400, api.CodeInvalid)
		e.failure(e.factor(ch, api.MethodEmailCode, "1234 5678", homeAddr), 403, api.CodeForbidden)
		n := 0
		for _, a := range e.audits(u.ID) {
			if a.Action == auditSignInFailed && strings.Contains(string(a.Details), `"second_factor"`) {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d second-factor failures audited, want 4", n)
		}
	})
	e.checkLogs()
}

func (e *signinEnv) codeAt(secret string, at time.Time) string {
	e.t.Helper()
	saved := e.clock.Now()
	e.clock.mu.Lock()
	e.clock.t = at
	e.clock.mu.Unlock()
	c := e.code(secret)
	e.clock.mu.Lock()
	e.clock.t = saved
	e.clock.mu.Unlock()
	return c
}

func (e *signinEnv) callRaw(method, path, token, contentType, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = homeAddr + ":40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

// A challenge that is expired, forged, truncated, for another step or
// from another address is refused with a clear 4xx, and the code sent
// with it is not spent.
func TestSignInChallengeRefused(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	ch := e.challengeFor(u, homeAddr)
	keyID, body, _ := strings.Cut(ch, ".")
	flip := []byte(body)
	if flip[10] == 'A' {
		flip[10] = 'B'
	} else {
		flip[10] = 'A'
	}
	otherKey := newSigninEnv(t, store.TenantPolicy{}, nil)
	foreign := otherKey.challengeFor(otherKey.user("ada@example.com"), homeAddr)

	tests := []struct {
		name      string
		challenge string
		addr      string
		advance   time.Duration
		status    int
		code      string
		message   string
	}{
		{"empty", "", homeAddr, 0, 400, api.CodeInvalid, "required"},
		{"truncated", ch[:len(ch)-5], homeAddr, 0, 400, api.CodeInvalid, "not a sign-in challenge"},
		{"altered", keyID + "." + string(flip), homeAddr, 0, 400, api.CodeInvalid, "not a sign-in challenge"},
		{"no separator", strings.ReplaceAll(ch, ".", ""), homeAddr, 0, 400, api.CodeInvalid, "not a sign-in challenge"},
		{"another portal's key", foreign, homeAddr, 0, 400, api.CodeInvalid, "not a sign-in challenge"},
		{"too long", strings.Repeat("a", 5000), homeAddr, 0, 400, api.CodeInvalid, "not a sign-in challenge"},
		{"another address", ch, otherAddr, 0, 401, api.CodeUnauthenticated, "another network"},
		{"expired", ch, homeAddr, ChallengeTTL, 401, api.CodeUnauthenticated, "expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			e.clock.Add(tc.advance)
			defer e.clock.Add(-tc.advance)
			b := e.failure(e.factor(tc.challenge, api.MethodBackupCode, u.Backup[0], tc.addr), tc.status, tc.code)
			if !strings.Contains(b.Message, tc.message) {
				t.Errorf("message %q lacks %q", b.Message, tc.message)
			}
		})
	}
	// Nothing was spent: the backup code still signs in, once.
	if a := e.answer(e.factor(ch, api.MethodBackupCode, u.Backup[0], homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("answer %v", a)
	}
	// The challenge is spent by that success: another valid code with it fails.
	b := e.failure(e.factor(ch, api.MethodBackupCode, u.Backup[1], homeAddr), 401, api.CodeUnauthenticated)
	if !strings.Contains(b.Message, "already completed") {
		t.Errorf("message %q", b.Message)
	}
	// A second-factor challenge cannot complete a sign-in.
	ch2 := e.challengeFor(u, homeAddr)
	e.failure(e.call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: ch2}, homeAddr), 400, api.CodeInvalid)
	e.checkLogs()
}

// The burn window holds the whole life of every challenge.
func TestChallengeBurnWindow(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{
		day.Add(12 * time.Hour),
		day.Add(-2 * time.Minute),                    // midnight inside 24 h's life: 25 h fits
		time.Unix(600*3600, 0).Add(-2 * time.Minute), // both windows end here
	} {
		e.clock.mu.Lock()
		e.clock.t = at
		e.clock.mu.Unlock()
		enc, exp, err := e.h.sealChallenge(challenge{UserID: 1, Stage: stageSecondFactor, Addr: homeAddr})
		if err != nil {
			t.Fatal(err)
		}
		c, fe := e.h.openChallenge(enc, homeAddr, stageSecondFactor)
		if fe != nil {
			t.Fatal(fe)
		}
		w := time.Duration(c.Burn) * time.Second
		if windowOf(at, w) != windowOf(exp.Add(-time.Microsecond), w) {
			t.Errorf("at %v: life to %v crosses a %v window", at, exp, w)
		}
		if life := exp.Sub(at); life > ChallengeTTL || life <= 0 {
			t.Errorf("at %v: life %v", at, life)
		}
	}
}

func TestSignInRateLimits(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")

	t.Run("password per account, known or not", func(t *testing.T) {
		e := e.at(t)
		for _, email := range []string{u.Email, "nobody@example.com"} {
			for i := range SignInPerAccount {
				if w := e.password(email, "wrong", homeAddr); w.Code != 401 {
					t.Fatalf("attempt %d: %d", i+1, w.Code)
				}
			}
			w := e.password(strings.ToUpper(email), testPassword, homeAddr)
			e.failure(w, 429, api.CodeRateLimited)
			if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("Retry-After %q", ra)
			}
		}
		e.clock.Add(SignInWindow)
		if w := e.password(u.Email, testPassword, homeAddr); w.Code != 200 {
			t.Fatalf("after the window: %d", w.Code)
		}
	})

	t.Run("second factor per account", func(t *testing.T) {
		e := e.at(t)
		e.clock.Add(SignInWindow)
		ch := e.challengeFor(u, homeAddr)
		for range SecondFactorPerAccount {
			e.failure(e.factor(ch, api.MethodTOTP, "000000", homeAddr), 401, api.CodeUnauthenticated)
		}
		// Even the right code is refused now.
		e.failure(e.factor(ch, api.MethodTOTP, e.code(u.Secret), homeAddr), 429, api.CodeRateLimited)
	})

	t.Run("password per address", func(t *testing.T) {
		e := e.at(t)
		e.clock.Add(SignInWindow)
		for i := range DefaultSignInPerAddress {
			e.password("someone"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"@example.com", "wrong", otherAddr)
		}
		e.failure(e.password(u.Email, testPassword, otherAddr), 429, api.CodeRateLimited)
		if w := e.password(u.Email, testPassword, homeAddr); w.Code != 200 {
			t.Errorf("another address: %d", w.Code)
		}
	})
}

func TestSignOutAndSession(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, e.code(u.Secret), homeAddr), 200)
	si, status := e.session(a.Session.Token)
	if status != 200 || si.User.Email != u.Email || si.Tenant.ID != e.tenant.ID || si.User.Role != "technician" || si.Scope != "full" ||
		!si.ExpiresAt.Equal(e.clock.Now().Add(DefaultSessionTTL)) {
		t.Fatalf("session %+v (%d)", si, status)
	}
	w := e.call("DELETE", api.PathSession, a.Session.Token, nil, homeAddr)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"signed_out"`) {
		t.Fatalf("sign out: %d %s", w.Code, shown(w))
	}
	if _, status := e.session(a.Session.Token); status != 401 {
		t.Errorf("after sign-out: %d", status)
	}
	if _, status := e.session(""); status != 401 {
		t.Errorf("no token: %d", status)
	}
	got := actions(e.audits(u.ID))
	if !slices.Contains(got, auditSignInSucceeded) || !slices.Contains(got, auditSessionEnded) {
		t.Errorf("audit %v", got)
	}
	e.checkLogs()
}

// An admin locking the account between the steps stops the sign-in.
func TestSignInLockedBetweenSteps(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	ch := e.challengeFor(u, homeAddr)
	yes := true
	if _, err := e.st.UpdateUser(context.Background(), u.ID, store.UserUpdate{Locked: &yes}); err != nil {
		t.Fatal(err)
	}
	e.failure(e.factor(ch, api.MethodTOTP, e.code(u.Secret), homeAddr), 403, api.CodeForbidden)
}

func TestSignInRehashesOldPasswords(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	ctx := context.Background()
	older, err := auth.NewPasswordHasher(auth.PasswordOptions{Params: auth.Argon2Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	oldHash, err := older.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordHash: &oldHash}); err != nil {
		t.Fatal(err)
	}
	e.answer(e.password(u.Email, testPassword, homeAddr), 200)
	got, err := e.st.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash == oldHash || e.h.opts.Passwords.NeedsRehash(got.PasswordHash) {
		t.Error("the password was not re-hashed under the current parameters")
	}
}
