// Package companiontest runs the real team portal (portal.New, over a
// SQLite store in a temporary directory, with e-mail kept in a
// mail.Outbox) on a loopback httptest server, for the tests of
// app/companion and of the CLI's portal commands. Faults can be injected
// per endpoint: an answer the portal never saw, or one it acted on whose
// answer is lost. It is for tests only.
package companiontest

import (
	"context"
	"fmt"
	"github.com/latchkey/latchkey/portal/portaltest"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	gosync "sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// Issuer is the portal's name in otpauth URIs and e-mails.
const Issuer = "Test Portal"

// Fault is what happens to one request instead of a normal answer.
type Fault int

const (
	// Unavailable answers 503 without the portal seeing the request.
	Unavailable Fault = iota + 1
	// LoseAnswer lets the portal act on the request, then closes the
	// connection without an answer (a time-out, a dropped network).
	LoseAnswer
	// Refuse answers 400 without the portal seeing the request.
	Refuse
)

// Portal is a running portal.
type Portal struct {
	URL     string
	Store   store.Store
	Keyring *auth.Keyring
	Outbox  *mail.Outbox
	Handler *portal.Handler
	// Passwords is the portal's (cheapest) Argon2id hasher, for seeding
	// users with passwords.
	Passwords *auth.PasswordHasher

	now    func() time.Time
	mu     gosync.Mutex
	faults map[string][]Fault
	hits   map[string]int
}

// Start runs a portal whose clock is now (nil: time.Now) until the test
// ends.
func Start(t testing.TB, now func() time.Time) *Portal {
	t.Helper()
	return StartWith(t, StartOptions{Now: now})
}

// StartOptions configure StartWith.
type StartOptions struct {
	// Now is the portal's and its store's clock; nil: time.Now.
	Now func() time.Time
	// Addr is where to listen ("": a free loopback port), e.g. where a
	// portal was down and comes back.
	Addr string
	// Modify changes the portal's options before it starts.
	Modify func(*portal.Options)
}

// StartWith runs a portal as o says until the test ends.
func StartWith(t testing.TB, o StartOptions) *Portal {
	t.Helper()
	now := o.Now
	if now == nil {
		now = time.Now
	}
	st, kr, ph := portaltest.Store(t, now), portaltest.Keyring(t), portaltest.Passwords(t)
	p := &Portal{Store: st, Keyring: kr, Outbox: &mail.Outbox{}, Passwords: ph, now: now, faults: map[string][]Fault{}, hits: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.Addr != "" {
		l, err := net.Listen("tcp", o.Addr)
		if err != nil {
			t.Fatal(err)
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	base, _ := url.Parse(srv.URL)
	opts := portal.Options{
		Store: st, Keyring: kr, Now: now, BaseURL: base, Passwords: ph, Mailer: p.Outbox, Issuer: Issuer,
	}
	if o.Modify != nil {
		o.Modify(&opts)
	}
	h, err := portal.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	p.Handler = h
	return p
}

// Fail makes the next requests to method and path meet faults, one each.
func (p *Portal) Fail(method, path string, faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := method + " " + path
	p.faults[k] = append(p.faults[k], faults...)
}

// Hits counts the requests to method and path so far.
func (p *Portal) Hits(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[method+" "+path]
}

func (p *Portal) serve(w http.ResponseWriter, r *http.Request) {
	k := r.Method + " " + r.URL.Path
	p.mu.Lock()
	p.hits[k]++
	var f Fault
	if q := p.faults[k]; len(q) > 0 {
		f, p.faults[k] = q[0], q[1:]
	}
	p.mu.Unlock()
	switch f {
	case Unavailable, Refuse:
		status, code := http.StatusServiceUnavailable, "unavailable"
		if f == Refuse {
			status, code = http.StatusBadRequest, "invalid"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"injected fault"}}`, code)
	case LoseAnswer:
		p.Handler.ServeHTTP(httptest.NewRecorder(), r)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
	default:
		p.Handler.ServeHTTP(w, r)
	}
}

// Tenant creates a tenant that requires 2FA.
func (p *Portal) Tenant(t testing.TB, name string) store.Tenant {
	t.Helper()
	tn, err := p.Store.CreateTenant(context.Background(), store.NewTenant{Name: name, Policy: store.TenantPolicy{Require2FA: true}})
	if err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	return tn
}

// User creates a user of tenant with a confirmed e-mail address and
// password, who has signed in from loopback before (so no new-network
// confirmation is asked).
func (p *Portal) User(t testing.TB, tenant int64, email string, role store.Role, password string) store.User {
	t.Helper()
	return p.NewUser(t, UserSpec{Tenant: tenant, Email: email, Role: role, Password: password})
}

// UserSpec describes a user for NewUser.
type UserSpec struct {
	Tenant   int64
	Email    string
	Role     store.Role
	Password string
	// Unconfirmed: the e-mail address was never confirmed.
	Unconfirmed bool
	// NewNetwork: the user never signed in from loopback.
	NewNetwork bool
}

// NewUser creates the user s describes.
func (p *Portal) NewUser(t testing.TB, s UserSpec) store.User {
	t.Helper()
	ctx := context.Background()
	hash, err := p.Passwords.Hash(ctx, s.Password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.Store.CreateUser(ctx, store.NewUser{TenantID: s.Tenant, Email: s.Email, Name: s.Email, Role: s.Role, PasswordHash: hash})
	if err != nil {
		t.Fatalf("user %s: %v", s.Email, err)
	}
	if !s.Unconfirmed {
		yes := true
		if u, err = p.Store.UpdateUser(ctx, u.ID, store.UserUpdate{EmailVerified: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	if !s.NewNetwork {
		for _, addr := range []string{"127.0.0.1", "::1"} {
			if err := p.Store.RememberAddress(ctx, u.ID, addr); err != nil {
				t.Fatal(err)
			}
		}
	}
	return u
}

// Enrol gives u an active authenticator and returns its secret (base32).
// Its codes from two periods ago on are unused.
func (p *Portal) Enrol(t testing.TB, u store.User) string {
	t.Helper()
	ctx := context.Background()
	secret := auth.NewTOTPSecret()
	sealed, err := p.Keyring.Seal(auth.PurposeTOTPSecret, fmt.Sprint(u.ID), []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.Store.BeginTOTPEnrolment(ctx, u.ID, store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	if err != nil {
		t.Fatal(err)
	}
	step, _ := auth.TOTPStep(p.now())
	if _, err := p.Store.ConfirmTOTPEnrolment(ctx, f.ID, int64(step)-2); err != nil {
		t.Fatal(err)
	}
	return secret
}

// URI is the otpauth URI of u's authenticator with secret, as the portal's
// enrolment shows it: with the portal's address, so adding it links the
// account.
func (p *Portal) URI(t testing.TB, u store.User, secret string) string {
	t.Helper()
	uri, err := auth.EnrolmentURI(Issuer, u.Email, secret)
	if err != nil {
		t.Fatal(err)
	}
	return uri + "&portal=" + url.QueryEscape(p.URL)
}

// Session creates a full session of u and returns its token.
func (p *Portal) Session(t testing.TB, u store.User) string {
	t.Helper()
	tok := auth.NewToken()
	if _, err := p.Store.CreateSession(context.Background(), store.NewSession{
		UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeFull,
		SourceAddr: "127.0.0.1", ExpiresAt: p.now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return tok.Encode()
}

// Mail is the last message to addr whose subject contains subject.
func (p *Portal) Mail(t testing.TB, addr, subject string) mail.Message {
	t.Helper()
	m, ok := p.Outbox.Last(addr, subject)
	if !ok {
		t.Fatalf("no e-mail to %s about %q (%d messages)", addr, subject, len(p.Outbox.Messages()))
	}
	return m
}
