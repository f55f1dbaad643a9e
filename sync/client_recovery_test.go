package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
)

// recoveryPortal is a real portal over TLS with a platform tenant, one
// tenant under it holding an admin and a user, and an outbox for its mail.
type recoveryPortal struct {
	srv          *httptest.Server
	st           store.Store
	out          *mail.Outbox
	admin, user  store.User
	adminSession string
}

func newRecoveryPortal(t *testing.T) *recoveryPortal {
	t.Helper()
	ctx := context.Background()
	st, kr, ph := portalParts(t, nil)
	platform, err := st.CreateTenant(ctx, store.NewTenant{Name: "Platform"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.NewTenant{Name: "Acme", ParentID: platform.ID})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := ph.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	mkUser := func(email string, role store.Role) store.User {
		u, err := st.CreateUser(ctx, store.NewUser{TenantID: tn.ID, Email: email, Name: email, Role: role, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	p := &recoveryPortal{st: st, out: &mail.Outbox{}}
	p.admin = mkUser("grace@acme.example", store.RoleAdmin)
	p.user = mkUser("ada@acme.example", store.RoleTechnician)
	tok := auth.NewToken()
	if _, err := st.CreateSession(ctx, store.NewSession{UserID: p.admin.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeFull,
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p.adminSession = tok.Encode()
	p.srv = serveTLS(t, portal.Options{Store: st, Keyring: kr, Mailer: p.out, PlatformTenantID: platform.ID, Passwords: ph})
	return p
}

// testPassword is every seeded user's portal password.
const testPassword = "correct horse battery"

// fileRequest posts a recovery request the way the requesting app does,
// with the account's password, so its link comes to the app.
func (p *recoveryPortal) fileRequest(t *testing.T, email string) api.RecoveryTicket {
	t.Helper()
	body, _ := json.Marshal(api.RecoveryRequestCreate{Email: email, Password: testPassword})
	resp, err := p.srv.Client().Post(p.srv.URL+api.PathRecoveryRequests, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out api.RecoveryRequestCreated
	if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("recovery request: %s", resp.Status)
	}
	return out.Request
}

var recoveryMailedLink = regexp.MustCompile(`https?://\S+/recover/link\?token=[A-Za-z0-9_-]{43}`)

func (p *recoveryPortal) lastLink(t *testing.T) string {
	t.Helper()
	m, ok := p.out.Last(p.user.Email, "recovery link")
	if !ok {
		t.Fatal("no recovery link mailed")
	}
	link := recoveryMailedLink.FindString(m.Text)
	if link == "" {
		t.Fatal("the mail holds no link")
	}
	return link
}

func wantRecoveryAPIStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != status {
		t.Fatalf("%s: error %v, want a %d answer", what, err, status)
	}
}

// The client's recovery methods against the real portal: the whole loop.
func TestRecoveryClientLoop(t *testing.T) {
	p := newRecoveryPortal(t)
	c := newClient(t, p.srv, lksync.Options{})
	ctx := context.Background()

	tk := p.fileRequest(t, p.user.Email)
	st, err := c.PollRecovery(ctx, tk.PollToken)
	if err != nil || st.Status != api.RecoveryPending || st.Link != nil {
		t.Fatalf("poll: %v, %v", st, err)
	}
	q, err := c.ListRecoveryRequests(ctx, p.adminSession, api.RecoveryPending)
	if err != nil || len(q) != 1 || q[0].Phrase != tk.Phrase || q[0].User == nil || q[0].User.ID != p.user.ID {
		t.Fatalf("queue: %v, %v", q, err)
	}
	id := q[0].ID
	if q, err := c.ListRecoveryRequests(ctx, p.adminSession, api.RecoveryDenied); err != nil || len(q) != 0 {
		t.Fatalf("denied queue: %v, %v", q, err)
	}

	_, err = c.Approve(ctx, p.adminSession, id, "not the phrase at all")
	wantRecoveryAPIStatus(t, "wrong phrase", err, http.StatusUnprocessableEntity)
	dec, err := c.Approve(ctx, p.adminSession, id, strings.ToUpper(tk.Phrase))
	if err != nil || dec.Request.Status != api.RecoveryLinkIssued || dec.Link == nil || dec.Link.Emailed || !dec.Link.ForApp {
		t.Fatalf("approve: %v %v, %v", dec.Request, dec.Link, err)
	}

	st, err = c.PollRecovery(ctx, tk.PollToken)
	if err != nil || st.Link == nil || st.LinkTo != api.LinkToApp {
		t.Fatalf("delivering poll: %v, %v", st, err)
	}
	if again, err := c.PollRecovery(ctx, tk.PollToken); err != nil || again.Link != nil {
		t.Fatalf("second poll: %v, %v", again, err)
	}
	got, err := c.RedeemLink(ctx, st.Link.Token, testPassword)
	if err != nil || got.Scope != "enrol" || got.SessionToken == "" || !got.ExpiresAt.After(time.Now()) {
		t.Fatalf("redeem: %v, %v", got, err)
	}
	_, err = c.RedeemLink(ctx, st.Link.Token, testPassword)
	wantRecoveryAPIStatus(t, "second redeem", err, http.StatusGone)
	if st, err := c.PollRecovery(ctx, tk.PollToken); err != nil || st.Status != api.RecoveryCompleted {
		t.Fatalf("poll after use: %v, %v", st, err)
	}

	// Forward, then deny; a direct link redeemed from the pasted e-mail link.
	tk2 := p.fileRequest(t, p.user.Email)
	q, _ = c.ListRecoveryRequests(ctx, p.adminSession, api.RecoveryPending)
	if len(q) != 1 {
		t.Fatalf("pending queue %v", q)
	}
	if d, err := c.Forward(ctx, p.adminSession, q[0].ID); err != nil || d.Request.Status != api.RecoveryForwarded {
		t.Fatalf("forward: %v, %v", d, err)
	}
	if d, err := c.Deny(ctx, p.adminSession, q[0].ID, "call me"); err != nil || d.Request.Status != api.RecoveryDenied || d.Link != nil {
		t.Fatalf("deny: %v, %v", d, err)
	}
	if st, err := c.PollRecovery(ctx, tk2.PollToken); err != nil || st.Status != api.RecoveryDenied {
		t.Fatalf("poll after denial: %v, %v", st, err)
	}
	issued, err := c.IssueLink(ctx, p.adminSession, p.user.ID)
	if err != nil || !issued.Emailed || issued.ForApp || issued.UserID != p.user.ID {
		t.Fatalf("issue: %v, %v", issued, err)
	}
	if _, err := c.RedeemLink(ctx, "  "+p.lastLink(t)+"\n", testPassword); err != nil {
		t.Fatalf("redeeming the pasted link: %v", err)
	}
	_, err = c.IssueLink(ctx, p.adminSession, p.admin.ID)
	wantRecoveryAPIStatus(t, "link for oneself", err, http.StatusForbidden)
	_, err = c.PollRecovery(ctx, auth.NewToken().Encode())
	wantRecoveryAPIStatus(t, "unknown poll token", err, http.StatusNotFound)
}

// Bad input is refused before anything is sent.
func TestRecoveryClientRefusesBadInput(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := newClient(t, srv, lksync.Options{})
	ctx := context.Background()
	token := auth.NewToken().Encode()
	for name, call := range map[string]func() error{
		"empty poll token":   func() error { _, err := c.PollRecovery(ctx, ""); return err },
		"poll token newline": func() error { _, err := c.PollRecovery(ctx, "abc\ndef"); return err },
		"empty session":      func() error { _, err := c.ListRecoveryRequests(ctx, "", ""); return err },
		"unknown status":     func() error { _, err := c.ListRecoveryRequests(ctx, token, "open"); return err },
		"empty phrase":       func() error { _, err := c.Approve(ctx, token, 1, " "); return err },
		"zero id":            func() error { _, err := c.Deny(ctx, token, 0, ""); return err },
		"negative id":        func() error { _, err := c.Forward(ctx, token, -1); return err },
		"zero user":          func() error { _, err := c.IssueLink(ctx, token, 0); return err },
		"link without token": func() error { _, err := c.RedeemLink(ctx, "https://portal.example/recover/link?x=1", "pw"); return err },
		"empty link":         func() error { _, err := c.RedeemLink(ctx, "", "pw"); return err },
	} {
		err := call()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("%s: the error quotes the token", name)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}

// What the client sends, and which calls it retries: a poll that may have
// handed out the link is never repeated; the queue is.
func TestRecoveryClientWire(t *testing.T) {
	type seen struct{ method, path, query, auth, body string }
	var got []seen
	fail := map[string]bool{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), string(b)})
		if fail[r.URL.Path] {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case api.PathRecoveryStatus:
			_, _ = io.WriteString(w, `{"status":"pending","expires_at":"2026-11-23T09:00:00Z"}`)
		case api.PathAdminRecoveryRequests:
			_, _ = io.WriteString(w, `{"requests":[]}`)
		case api.PathRecoveryLinkRedeem:
			_, _ = io.WriteString(w, `{"session_token":"sess","expires_at":"2026-11-23T09:00:00Z","scope":"full"}`)
		default:
			_, _ = io.WriteString(w, `{"request":{"id":7,"status":"denied"},"link":{"user_id":3,"expires_at":"2026-11-23T09:00:00Z","emailed":true,"for_app":false}}`)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv, lksync.Options{Backoff: time.Millisecond})
	ctx := context.Background()

	_, _ = c.PollRecovery(ctx, "poll-tok")
	_, _ = c.ListRecoveryRequests(ctx, "sess-tok", "forwarded")
	_, _ = c.Approve(ctx, "sess-tok", 7, "amber otter")
	_, _ = c.Deny(ctx, "sess-tok", 7, "")
	_, _ = c.Forward(ctx, "sess-tok", 7)
	_, _ = c.IssueLink(ctx, "sess-tok", 3)
	_, err := c.RedeemLink(ctx, "link-tok", "pw")
	want := []seen{
		{"GET", "/v1/recovery-requests/status", "", "Bearer poll-tok", ""},
		{"GET", "/v1/admin/recovery-requests", "status=forwarded", "Bearer sess-tok", ""},
		{"POST", "/v1/admin/recovery-requests/7/approve", "", "Bearer sess-tok", `{"phrase":"amber otter"}`},
		{"POST", "/v1/admin/recovery-requests/7/deny", "", "Bearer sess-tok", `{}`},
		{"POST", "/v1/admin/recovery-requests/7/forward", "", "Bearer sess-tok", `{}`},
		{"POST", "/v1/admin/users/3/recovery-link", "", "Bearer sess-tok", `{}`},
		{"POST", "/v1/recovery-links/redeem", "", "", `{"token":"link-tok","password":"pw"}`},
	}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if err == nil || !strings.Contains(err.Error(), "not enrol") {
		t.Errorf("a redeemed session of another scope was accepted: %v", err)
	}

	got = nil
	fail[api.PathRecoveryStatus] = true
	fail[api.PathAdminRecoveryRequests] = true
	_, err = c.PollRecovery(ctx, "poll-tok")
	wantRecoveryAPIStatus(t, "failing poll", err, http.StatusServiceUnavailable)
	if len(got) != 1 {
		t.Errorf("a failing poll was sent %d times", len(got))
	}
	got = nil
	_, err = c.ListRecoveryRequests(ctx, "sess-tok", "")
	wantRecoveryAPIStatus(t, "failing queue", err, http.StatusServiceUnavailable)
	if len(got) != lksync.DefaultMaxAttempts {
		t.Errorf("a failing queue read was sent %d times, want %d", len(got), lksync.DefaultMaxAttempts)
	}
}

func TestLinkToken(t *testing.T) {
	tok := auth.NewToken().Encode()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{tok, tok, true},
		{"  " + tok + "\n", tok, true},
		{"https://portal.example.com/recover/link?token=" + tok, tok, true},
		{"https://portal.example.com/recover/link?a=1&token=" + tok + "#x", tok, true},
		{"https://portal.example.com/recover/link", "", false},
		{"https://portal.example.com/recover/link?token=", "", false},
		{"", "", false},
		{"two words", "", false},
	} {
		got, err := lksync.LinkToken(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("LinkToken(%q) = %q, %v", tc.in, got, err)
		}
	}
}
