package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
)

// TestSecurityOwnPasswordChange: a user changes their own password with
// the current one (OWASP Authentication: re-authenticate before changing
// a credential). Every refusal changes nothing; a change ends the user's
// other sessions but not the caller's, tells the user by e-mail, and
// clears "password set by an admin".
func TestSecurityOwnPasswordChange(t *testing.T) {
	const newPassword = "a brand new passphrase"
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	e.keep(newPassword)
	ctx := context.Background()

	// unchanged fails unless u's password, flag and sessions are as they were.
	unchanged := func(t *testing.T, u store.User, tokens ...string) {
		t.Helper()
		got, err := e.st.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != u.PasswordHash || got.PasswordSetByAdmin != u.PasswordSetByAdmin {
			t.Errorf("the refused change changed the account")
		}
		for _, tok := range tokens {
			if _, status := e.at(t).session(tok); status != http.StatusOK {
				t.Errorf("a session ended on a refused change: %d", status)
			}
		}
	}

	u := e.user("ada@example.com")
	set := true
	if _, err := e.st.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordSetByAdmin: &set}); err != nil {
		t.Fatal(err)
	}
	u.User, _ = e.st.GetUser(ctx, u.ID)
	tok := sessionFor(t, e.h, u.User, store.ScopeFull)
	other := sessionFor(t, e.h, u.User, store.ScopeFull)
	enrol := sessionFor(t, e.h, u.User, store.ScopeEnrol)
	e.keep(tok, other, enrol)
	change := func(token string, body any) *http.Response {
		t.Helper()
		return e.call("POST", api.PathAccountPassword, token, body, homeAddr).Result()
	}

	refusals := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"no session", "", api.PasswordChange{CurrentPassword: testPassword, NewPassword: newPassword}, 401, api.CodeUnauthenticated},
		{"an enrol-only session", enrol, api.PasswordChange{CurrentPassword: testPassword, NewPassword: newPassword}, 403, api.CodeForbidden},
		{"wrong current password", tok, api.PasswordChange{CurrentPassword: "not the password", NewPassword: newPassword}, 401, api.CodeUnauthenticated},
		{"no current password", tok, api.PasswordChange{NewPassword: newPassword}, 400, api.CodeInvalid},
		{"no new password", tok, api.PasswordChange{CurrentPassword: testPassword}, 400, api.CodeInvalid},
		{"new password too short", tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: "7chars!"}, 422, api.CodeInvalid},
		{"new password with a control character", tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: "long enough\x00but not text"}, 400, api.CodeInvalid},
		{"new password is the current one", tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: testPassword}, 422, api.CodeInvalid},
		{"unknown member", tok, map[string]string{"current_password": testPassword, "new_password": newPassword, "confirm": newPassword}, 400, api.CodeUnknownField},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			b := e.failure(e.call("POST", api.PathAccountPassword, tc.token, tc.body, homeAddr), tc.status, tc.code)
			if strings.Contains(b.Message, testPassword) || strings.Contains(b.Message, newPassword) {
				t.Error("the answer quotes a password")
			}
			unchanged(t, u.User, tok, other)
		})
	}
	if n := len(actions(e.audits(u.ID))); n == 0 {
		t.Fatal("nothing audited")
	}
	if got := actions(e.audits(u.ID)); !strings.Contains(strings.Join(got, " "), auditPasswordCheckFailed) {
		t.Errorf("the wrong current password was not audited: %v", got)
	}

	// The change.
	if _, ok := outbox(t, e.h).Last(u.Email, "your password changed"); ok {
		t.Fatal("mail before the change")
	}
	resp := change(tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: newPassword})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	w := e.call("GET", api.PathSession, tok, nil, homeAddr)
	if w.Code != http.StatusOK {
		t.Errorf("the caller's session ended with the change: %d", w.Code)
	}
	for name, s := range map[string]string{"another full session": other, "an enrol session": enrol} {
		if _, status := e.session(s); status != http.StatusUnauthorized {
			t.Errorf("%s survived the change: %d", name, status)
		}
	}
	got, _ := e.st.GetUser(ctx, u.ID)
	if got.PasswordSetByAdmin {
		t.Error("the user's own password still counts as set by an admin")
	}
	if ok, _ := e.h.opts.Passwords.Verify(ctx, newPassword, got.PasswordHash); !ok {
		t.Error("the new password does not verify")
	}
	if ok, _ := e.h.opts.Passwords.Verify(ctx, testPassword, got.PasswordHash); ok {
		t.Error("the old password still verifies")
	}
	m, ok := outbox(t, e.h).Last(u.Email, "your password changed")
	if !ok || !strings.Contains(m.Text, homeAddr) || strings.Contains(m.Text, newPassword) || strings.Contains(m.Text, testPassword) {
		t.Errorf("notice: %v %q", ok, m.Text)
	}
	if got := actions(e.audits(u.ID)); got[len(got)-1] != auditPasswordChanged {
		t.Errorf("last audit action %v", got)
	}
	// The new password signs in; the old one does not.
	e.failure(e.password(u.Email, testPassword, homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)
	if a := e.answer(e.password(u.Email, newPassword, homeAddr), http.StatusOK); a.State != api.StateSecondFactor {
		t.Errorf("sign-in with the new password: %s", a.State)
	}
	e.checkLogs()
}

// TestSecurityOwnPasswordChangeLimited: a stolen session gives no more
// password guesses than sign-in does: the attempts share its per-account
// limit, and past it even the right password is refused.
func TestSecurityOwnPasswordChangeLimited(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("grace@example.com")
	tok := sessionFor(t, e.h, u.User, store.ScopeFull)
	e.keep(tok)
	for i := 0; i < SignInPerAccount; i++ {
		e.failure(e.call("POST", api.PathAccountPassword, tok, api.PasswordChange{CurrentPassword: "guess", NewPassword: "another passphrase"}, homeAddr),
			http.StatusUnauthorized, api.CodeUnauthenticated)
	}
	w := e.call("POST", api.PathAccountPassword, tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: "another passphrase"}, homeAddr)
	e.failure(w, http.StatusTooManyRequests, api.CodeRateLimited)
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// And sign-in for the account is limited too: one budget.
	e.failure(e.password(u.Email, testPassword, homeAddr), http.StatusTooManyRequests, api.CodeRateLimited)
	got, _ := e.st.GetUser(context.Background(), u.ID)
	if got.PasswordHash != u.PasswordHash {
		t.Error("the password changed past the limit")
	}
}

// The account endpoint's answers, and the body the client sends, validate
// against openapi.yaml.
func TestOpenAPIAccountAnswersValidate(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("ada@example.com")
	tok := sessionFor(t, e.h, u.User, store.ScopeFull)
	path := api.PathAccountPassword
	validAnswer := func(w *httptest.ResponseRecorder) {
		t.Helper()
		schema, _ := doc.responseSchema(t, "POST", path, w.Code)
		dec := json.NewDecoder(strings.NewReader(w.Body.String()))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, p := range validate(t, doc, schema, v, "body") {
			t.Errorf("%d: %s", w.Code, p)
		}
	}
	body := api.PasswordChange{CurrentPassword: testPassword, NewPassword: "a brand new passphrase"}
	b, _ := json.Marshal(body)
	var req any
	_ = json.Unmarshal(b, &req)
	media := obj(obj(obj(doc.operation("POST", path)["requestBody"])["content"])["application/json"])
	for _, p := range validate(t, doc, doc.resolve(t, media["schema"]), req, "request") {
		t.Error(p)
	}
	for _, w := range []*httptest.ResponseRecorder{
		e.call("POST", path, tok, api.PasswordChange{CurrentPassword: "wrong", NewPassword: body.NewPassword}, homeAddr),
		e.call("POST", path, tok, api.PasswordChange{CurrentPassword: testPassword, NewPassword: "short"}, homeAddr),
		e.call("POST", path, tok, body, homeAddr),
	} {
		validAnswer(w)
	}
}
