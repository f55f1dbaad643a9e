package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// Shared fixtures of the endpoint tests: tenants, users and sessions made
// straight in the store, so each area's tests do not depend on another
// area's endpoints.

// outbox is the handler's in-memory mailer.
func outbox(t testing.TB, h *Handler) *mail.Outbox {
	t.Helper()
	o, ok := h.opts.Mailer.(*mail.Outbox)
	if !ok {
		t.Fatalf("the test handler's mailer is %T, not an outbox", h.opts.Mailer)
	}
	return o
}

func seedTenant(t testing.TB, h *Handler, name string, parent int64, p store.TenantPolicy) store.Tenant {
	t.Helper()
	tn, err := h.opts.Store.CreateTenant(context.Background(), store.NewTenant{ParentID: parent, Name: name, Policy: p})
	if err != nil {
		t.Fatalf("seed tenant %s: %v", name, err)
	}
	return tn
}

// seedUser creates a user with a verified e-mail address and password.
func seedUser(t testing.TB, h *Handler, tenant int64, email string, role store.Role, password string) store.User {
	t.Helper()
	ctx := context.Background()
	hash, err := h.opts.Passwords.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := h.opts.Store.CreateUser(ctx, store.NewUser{TenantID: tenant, Email: email, Name: email, Role: role, PasswordHash: hash})
	if err != nil {
		t.Fatalf("seed user %s: %v", email, err)
	}
	yes := true
	u, err = h.opts.Store.UpdateUser(ctx, u.ID, store.UserUpdate{EmailVerified: &yes})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// sessionFor creates a session of scope for u and returns its token.
func sessionFor(t testing.TB, h *Handler, u store.User, scope store.SessionScope) string {
	t.Helper()
	tok := auth.NewToken()
	if _, err := h.opts.Store.CreateSession(context.Background(), store.NewSession{
		UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: scope,
		SourceAddr: "192.0.2.1", ExpiresAt: h.now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return tok.Encode()
}

// callAPI sends a JSON request (body nil: none) with an optional bearer
// token through the whole handler.
func callAPI(t testing.TB, h http.Handler, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return callFrom(t, h, method, path, token, body, "192.0.2.1")
}

// callFrom is callAPI from the client address remote (no port).
func callFrom(t testing.TB, h http.Handler, method, path, token string, body any, remote string) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = remote + ":40000"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// decodeAnswer decodes a JSON answer strictly into out.
func decodeAnswer(t testing.TB, w *httptest.ResponseRecorder, out any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("answer %d %s: %v", w.Code, w.Body.String(), err)
	}
}
