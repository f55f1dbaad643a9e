package ui

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/uitest"
	"github.com/latchkey/latchkey/vault"
)

// portalClock gives a test portal the window's fake clock, as the fake
// scheduler publishes it (see scheduletest.Fake.Published), lag behind it.
// The test's own portal calls publish it with sync.
type portalClock struct {
	e   *env
	lag atomic.Int64 // how far the portal's clock is behind the window's, in ns
}

func newPortalClock(e *env) *portalClock {
	e.sched.Publish()
	return &portalClock{e: e}
}

// sync publishes the fake clock's time now.
func (c *portalClock) sync() { c.e.sched.Publish() }

func (c *portalClock) now() time.Time {
	return c.e.sched.Published().Add(-time.Duration(c.lag.Load()))
}

// testPortal is a real portal (portal.New over SQLite) on a loopback
// httptest server (companiontest's), seeded straight in its store.
type testPortal struct {
	*companiontest.Portal
	t *testing.T
}

const portalPassword = "portal password 1"

// newTestPortal starts a portal whose clock is now. addr, when set, is the
// address to listen on (a portal coming up where one was down).
func newTestPortal(t *testing.T, now func() time.Time, addr string, mod func(*portal.Options)) *testPortal {
	t.Helper()
	p := companiontest.StartWith(t, companiontest.StartOptions{Now: now, Addr: addr, Modify: mod})
	return &testPortal{Portal: p, t: t}
}

func (p *testPortal) tenant(name string, parent int64) store.Tenant {
	p.t.Helper()
	tn, err := p.Store.CreateTenant(context.Background(), store.NewTenant{ParentID: parent, Name: name})
	if err != nil {
		p.t.Fatal(err)
	}
	return tn
}

// user creates a verified user who signs in from anywhere without an
// e-mailed confirmation; with secret, an enrolled TOTP authenticator too.
func (p *testPortal) user(tenant int64, email, name string, role store.Role, secret string) store.User {
	p.t.Helper()
	ctx := context.Background()
	hash, err := p.Passwords.Hash(ctx, portalPassword)
	if err != nil {
		p.t.Fatal(err)
	}
	u, err := p.Store.CreateUser(ctx, store.NewUser{TenantID: tenant, Email: email, Name: name, Role: role, PasswordHash: hash})
	if err != nil {
		p.t.Fatal(err)
	}
	yes := true
	if u, err = p.Store.UpdateUser(ctx, u.ID, store.UserUpdate{EmailVerified: &yes, SkipIPVerification: &yes}); err != nil {
		p.t.Fatal(err)
	}
	if secret == "" {
		return u
	}
	sealed, err := p.Keyring.Seal(auth.PurposeTOTPSecret, strconv.FormatInt(u.ID, 10), []byte(secret))
	if err != nil {
		p.t.Fatal(err)
	}
	f, err := p.Store.BeginTOTPEnrolment(ctx, u.ID, store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.Store.ConfirmTOTPEnrolment(ctx, f.ID, 1); err != nil {
		p.t.Fatal(err)
	}
	return u
}

// session is a full session of u, made in the store, for the test's own
// admin calls.
func (p *testPortal) session(u store.User, now time.Time) string {
	p.t.Helper()
	tok := auth.NewToken()
	if _, err := p.Store.CreateSession(context.Background(), store.NewSession{
		UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeFull, SourceAddr: "127.0.0.1", ExpiresAt: now.Add(time.Hour),
	}); err != nil {
		p.t.Fatal(err)
	}
	return tok.Encode()
}

func (p *testPortal) client() *lksync.Client {
	p.t.Helper()
	c, err := lksync.New(p.URL, lksync.Options{})
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

// onlyRequest is the one request in the admin's queue.
func (p *testPortal) onlyRequest(token string) api.RecoveryQueueItem {
	p.t.Helper()
	items, err := p.client().ListRecoveryRequests(context.Background(), token, "")
	if err != nil || len(items) != 1 {
		p.t.Fatalf("the queue: %v, %d requests", err, len(items))
	}
	return items[0]
}

// linkedAccount is a TOTP account bound to the portal at portalURL.
func linkedAccount(id, email, secret, portalURL string) vault.Account {
	a := acct(id, "Acme portal", email, secret)
	a.Portal = &vault.Portal{URL: portalURL, Email: email, LinkedBy: vault.LinkedByHand}
	return a
}

// Secrets of the test users (base32, 160 bits).
const (
	adaSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	annSecret = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
	bobSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
)

// The short names of uitest's helpers in the window's tests.

func texts(t *testing.T, objs ...fyne.CanvasObject) []string { return uitest.Texts(t, objs...) }

func showsText(t *testing.T, want string, objs ...fyne.CanvasObject) bool {
	return uitest.ShowsText(t, want, objs...)
}

func buttonIn(t *testing.T, label string, objs ...fyne.CanvasObject) *widget.Button {
	t.Helper()
	return uitest.ButtonIn(t, label, objs...)
}

func noSecretIn(t *testing.T, where string, got []string, secrets ...string) {
	t.Helper()
	uitest.NoSecretIn(t, where, got, secrets...)
}

// freeAddr is a loopback address nothing listens on (now).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
