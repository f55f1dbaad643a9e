// Package storetest owns the single behavioural test suite every
// store.Store implementation must pass. Backends call Run from their own
// tests with a function that opens a fresh, private database.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// DB is one fresh database opened by a backend for a test.
type DB struct {
	// Store is an unmigrated store on a private database.
	Store store.Store
	// Reopen opens another Store (its own connection pool) on the same database.
	Reopen func(t *testing.T, opts store.Options) store.Store
	// Exec runs raw SQL against the database, bypassing the Store.
	Exec func(ctx context.Context, query string) error
}

// Opener opens a fresh database for t; the backend closes and removes it in t.Cleanup.
type Opener func(t *testing.T, opts store.Options) DB

// Clock is a settable clock for expiry tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock {
	return &Clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is one test's database, clock and fixtures.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *Clock
	db    DB
	s     store.Store
}

func setup(t *testing.T, open Opener) *env {
	t.Helper()
	clock := NewClock()
	db := open(t, store.Options{Now: clock.Now})
	e := &env{t: t, ctx: context.Background(), clock: clock, db: db, s: db.Store}
	if err := e.s.Migrate(e.ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return e
}

func (e *env) reopen() store.Store {
	return e.db.Reopen(e.t, store.Options{Now: e.clock.Now})
}

func (e *env) tenant(name string, parent int64) store.Tenant {
	e.t.Helper()
	tn, err := e.s.CreateTenant(e.ctx, store.NewTenant{Name: name, ParentID: parent})
	if err != nil {
		e.t.Fatalf("CreateTenant(%q): %v", name, err)
	}
	return tn
}

var userSeq atomic.Int64

func (e *env) user(tenantID int64, role store.Role) store.User {
	e.t.Helper()
	n := userSeq.Add(1)
	u, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tenantID, Email: fmt.Sprintf("User%d@Example.COM", n),
		Name: fmt.Sprintf("User %d", n), Role: role, PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA"})
	if err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

func (e *env) factor(userID int64) store.TOTPFactor {
	e.t.Helper()
	f, err := e.s.BeginTOTPEnrolment(e.ctx, userID, store.EncryptedSecret{KeyID: "k1", Ciphertext: []byte("ciphertext")})
	if err != nil {
		e.t.Fatalf("BeginTOTPEnrolment: %v", err)
	}
	f, err = e.s.ConfirmTOTPEnrolment(e.ctx, f.ID, 1000)
	if err != nil {
		e.t.Fatalf("ConfirmTOTPEnrolment: %v", err)
	}
	return f
}

var hashSeq atomic.Int64

// hash returns a fresh digest as a caller would compute it.
func hash() store.TokenHash {
	return store.TokenHash(sha256.Sum256([]byte(fmt.Sprintf("token-%d-%d", time.Now().UnixNano(), hashSeq.Add(1)))))
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// Run runs the whole suite against the backend.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"MigrateIdempotent", testMigrate},
		{"Tenants", testTenants},
		{"Users", testUsers},
		{"UserEmailLookAlikes", testEmailLookAlikes},
		{"UserEmailBackfill", testEmailBackfill},
		{"Directory", testDirectory},
		{"TOTP", testTOTP},
		{"TOTPReplayRace", testTOTPRace},
		{"BackupAndRecoveryCodes", testCodes},
		{"EmailTokens", testEmailTokens},
		{"RecoveryRequests", testRequests},
		{"RecoveryLinks", testLinks},
		{"RecoveryLinkRedeemRace", testLinkRace},
		{"RecoveryLinkLapse", testLinkLapse},
		{"RecoveryLinkDelivery", testDelivery},
		{"RecoveryLinkDeliveryRace", testDeliveryRace},
		{"RecoveryQueueFilters", testRequestFilters},
		{"Sessions", testSessions},
		{"SessionLastUse", testSessionTouch},
		{"RateLimits", testRateLimits},
		{"KnownAddresses", testAddresses},
		{"AuditAppendOnly", testAudit},
		{"Prune", testPrune},
		{"NoSecretsInErrors", testNoSecrets},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, setup(t, open))
		})
	}
}

func testMigrate(t *testing.T, e *env) {
	for i := 0; i < 2; i++ {
		if err := e.s.Migrate(e.ctx); err != nil {
			t.Fatalf("Migrate again (%d): %v", i, err)
		}
	}
	v, err := e.s.SchemaVersion(e.ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	// Two nodes migrating at once on the same database.
	other := e.reopen()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []store.Store{e.s, other} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Migrate(e.ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		wantErr(t, "concurrent Migrate", err, nil)
	}
	if v2, _ := other.SchemaVersion(e.ctx); v2 != v {
		t.Fatalf("version changed from %d to %d", v, v2)
	}
	// Data survives a re-run.
	tn := e.tenant("kept", 0)
	wantErr(t, "Migrate after data", e.s.Migrate(e.ctx), nil)
	if _, err := e.s.GetTenant(e.ctx, tn.ID); err != nil {
		t.Fatalf("tenant lost after Migrate: %v", err)
	}
	// A database migrated by a newer binary is refused, not clobbered.
	if err := e.db.Exec(e.ctx, "INSERT INTO schema_migrations (version, name, applied_at) SELECT 9999, 'future', applied_at FROM schema_migrations WHERE version = 1"); err != nil {
		t.Fatalf("insert future migration: %v", err)
	}
	wantErr(t, "Migrate on newer schema", e.s.Migrate(e.ctx), store.ErrSchemaTooNew)
}

// race starts n calls of try at once, alternating between stores, and
// counts those that succeeded and those that failed with lost; any other
// error fails the test.
func race(t *testing.T, n int, stores []store.Store, try func(store.Store) error, lost error) (wins, losses int64) {
	var w, l atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch err := try(stores[i%len(stores)]); {
			case err == nil:
				w.Add(1)
			case errors.Is(err, lost):
				l.Add(1)
			default:
				t.Errorf("call %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return w.Load(), l.Load()
}

// testNoSecrets collects errors from failing secret-bearing calls and checks
// none quotes a digest, code hash or password hash.
func testNoSecrets(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	u := e.user(tn.ID, store.RoleAdmin)
	h := hash()
	const codeHash, pwHash = "SECRET-CODE-HASH-6f1c", "$argon2id$SECRET-PW-HASH"
	secrets := []string{hex.EncodeToString(h[:]), strings.ToUpper(hex.EncodeToString(h[:])), base64.StdEncoding.EncodeToString(h[:]),
		string(h[:]), codeHash, pwHash, "SECRET-PHRASE", "SECRET-CIPHERTEXT"}
	exp := e.clock.Now().Add(time.Hour)
	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }
	if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	collect(e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: exp}))
	collect(e.s.CreateSession(e.ctx, store.NewSession{UserID: 999999, TokenHash: hash(), Scope: store.ScopeFull, ExpiresAt: exp}))
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	collect(e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h, ExpiresAt: exp}))
	if _, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h); err != nil {
		t.Fatal(err)
	}
	collect(e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h))
	collect(e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, hash()))
	collect(e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, h, u.ID))
	collect(e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: 999999, Purpose: store.PurposeSignInCode, TokenHash: h, ExpiresAt: exp}))
	collect(e.s.GetSession(e.ctx, hash()))
	collect(e.s.GetRecoveryLink(e.ctx, hash()))
	collect(e.s.GetRecoveryRequestByToken(e.ctx, h))
	collect(e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: 999999, Email: "x@example.com", Phrase: "SECRET-PHRASE", RequesterTokenHash: h}))
	collect(nil, e.s.ReplaceRecoveryCode(e.ctx, u.ID, codeHash, codeHash+"2"))
	collect(nil, e.s.SetRecoveryCode(e.ctx, 999999, codeHash))
	collect(nil, e.s.ReplaceBackupCodes(e.ctx, 999999, []string{codeHash}))
	collect(e.s.BeginTOTPEnrolment(e.ctx, 999999, store.EncryptedSecret{KeyID: "k", Ciphertext: []byte("SECRET-CIPHERTEXT")}))
	collect(e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp,
		Delivery: store.EncryptedSecret{KeyID: "k", Ciphertext: []byte("SECRET-CIPHERTEXT")}}))
	collect(e.s.TakeRecoveryLinkDelivery(e.ctx, 999999))
	collect(e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: u.Email, Name: "dup", Role: store.RoleAdmin, PasswordHash: pwHash}))
	collect(e.s.CreateUser(e.ctx, store.NewUser{TenantID: 999999, Email: "new@example.com", Name: "x", Role: store.RoleAdmin, PasswordHash: pwHash}))
	ph := pwHash
	collect(e.s.UpdateUser(e.ctx, 999999, store.UserUpdate{PasswordHash: &ph}))
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d unexpectedly succeeded", i)
			continue
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("call %d: error %q contains a secret", i, err)
			}
		}
		if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(u.Email)) {
			t.Errorf("call %d: error %q contains an email", i, err)
		}
	}
}
