package sync_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
)

// The client changes the signed-in user's password against the real
// portal: a wrong current password is a 401 and changes nothing; the right
// one changes it, ends the user's other sessions and keeps this one.
func TestChangePasswordClientAgainstPortal(t *testing.T) {
	p := newSigninPortal(t, store.TenantPolicy{Require2FA: true})
	c := newClient(t, p.srv, lksync.Options{})
	ctx := context.Background()
	u, err := p.st.GetUserByEmail(ctx, "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	session := func() string {
		tok := auth.NewToken()
		if _, err := p.st.CreateSession(ctx, store.NewSession{UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeFull,
			SourceAddr: "127.0.0.1", ExpiresAt: p.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return tok.Encode()
	}
	mine, other := session(), session()

	if _, err := c.ChangePassword(ctx, "", api.PasswordChange{}); err == nil {
		t.Fatal("no session: no error")
	}
	_, err = c.ChangePassword(ctx, mine, api.PasswordChange{CurrentPassword: "wrong", NewPassword: "a brand new passphrase"})
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	_, err = c.ChangePassword(ctx, mine, api.PasswordChange{CurrentPassword: "correct horse battery staple", NewPassword: "short"})
	wantSigninAPIError(t, err, http.StatusUnprocessableEntity, api.CodeInvalid)
	if _, err := c.Session(ctx, other); err != nil {
		t.Fatalf("a refused change ended another session: %v", err)
	}

	done, err := c.ChangePassword(ctx, mine, api.PasswordChange{CurrentPassword: "correct horse battery staple", NewPassword: "a brand new passphrase"})
	if err != nil || done.Status != "password_changed" || done.SessionsEnded != 1 {
		t.Fatalf("change: %+v %v", done, err)
	}
	if _, err := c.Session(ctx, mine); err != nil {
		t.Errorf("the caller's session ended: %v", err)
	}
	_, err = c.Session(ctx, other)
	wantSigninAPIError(t, err, http.StatusUnauthorized, api.CodeUnauthenticated)
	if s := (api.PasswordChange{CurrentPassword: "correct horse battery staple", NewPassword: "x"}).String(); s != "PasswordChange{current_password: [REDACTED], new_password: [REDACTED]}" {
		t.Errorf("String = %q", s)
	}
}
