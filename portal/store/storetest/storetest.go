// Package storetest owns the single behavioural test suite every
// store.Store implementation must pass. Backends call Run from their own
// tests with a function that opens a fresh, private database.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
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

func testTenants(t *testing.T, e *env) {
	reseller := e.tenant("Reseller", 0)
	policy := store.TenantPolicy{Require2FA: true, AllowEmailCodes: true,
		IPAllowList: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}
	c1, err := e.s.CreateTenant(e.ctx, store.NewTenant{Name: "Customer A", ParentID: reseller.ID, Policy: policy})
	wantErr(t, "create child", err, nil)
	c2 := e.tenant("Customer B", reseller.ID)
	other := e.tenant("Other", 0)

	got, err := e.s.GetTenant(e.ctx, c1.ID)
	wantErr(t, "GetTenant", err, nil)
	if got.ParentID != reseller.ID || !reflect.DeepEqual(got.Policy, policy) || got.Name != "Customer A" {
		t.Fatalf("GetTenant = %+v", got)
	}
	if !got.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, e.clock.Now())
	}
	if r, _ := e.s.GetTenant(e.ctx, reseller.ID); r.ParentID != 0 {
		t.Fatalf("reseller has parent %d", r.ParentID)
	}

	children, err := e.s.ListChildTenants(e.ctx, reseller.ID)
	wantErr(t, "ListChildTenants", err, nil)
	if len(children) != 2 || children[0].ID != c1.ID || children[1].ID != c2.ID {
		t.Fatalf("children = %+v", children)
	}
	if none, _ := e.s.ListChildTenants(e.ctx, other.ID); len(none) != 0 {
		t.Fatalf("other has children %+v", none)
	}
	all, err := e.s.ListTenants(e.ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("ListTenants = %d, %v", len(all), err)
	}

	for _, tc := range []struct {
		name string
		in   store.NewTenant
		want error
	}{
		{"unknown parent", store.NewTenant{Name: "x", ParentID: 999999}, store.ErrNotFound},
		{"empty name", store.NewTenant{Name: " "}, store.ErrInvalid},
		{"invalid prefix", store.NewTenant{Name: "x", Policy: store.TenantPolicy{IPAllowList: []netip.Prefix{{}}}}, store.ErrInvalid},
	} {
		_, err := e.s.CreateTenant(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}

	p2 := store.TenantPolicy{SSOEnforced: true}
	wantErr(t, "UpdateTenantPolicy", e.s.UpdateTenantPolicy(e.ctx, c2.ID, p2), nil)
	if got, _ := e.s.GetTenant(e.ctx, c2.ID); !reflect.DeepEqual(got.Policy, p2) {
		t.Fatalf("policy = %+v", got.Policy)
	}
	wantErr(t, "UpdateTenantPolicy unknown", e.s.UpdateTenantPolicy(e.ctx, 999999, p2), store.ErrNotFound)
	_, err = e.s.GetTenant(e.ctx, 999999)
	wantErr(t, "GetTenant unknown", err, store.ErrNotFound)
}

func testUsers(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	other := e.tenant("U", 0)
	u, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: " Alice@Example.com ", Name: "Alice", Role: store.RoleOwner, PasswordHash: "h"})
	wantErr(t, "CreateUser", err, nil)
	if u.Email != "Alice@Example.com" || u.Role != store.RoleOwner || u.Locked || !u.EmailVerifiedAt.IsZero() {
		t.Fatalf("user = %+v", u)
	}
	for _, tc := range []struct {
		name string
		in   store.NewUser
		want error
	}{
		{"same email", store.NewUser{TenantID: tn.ID, Email: "Alice@Example.com", Name: "a", Role: store.RoleAdmin}, store.ErrConflict},
		{"lower case", store.NewUser{TenantID: tn.ID, Email: "alice@example.com", Name: "a", Role: store.RoleAdmin}, store.ErrConflict},
		{"upper case other tenant", store.NewUser{TenantID: other.ID, Email: "ALICE@EXAMPLE.COM", Name: "a", Role: store.RoleAdmin}, store.ErrConflict},
		{"padded", store.NewUser{TenantID: other.ID, Email: "  alice@EXAMPLE.com", Name: "a", Role: store.RoleAdmin}, store.ErrConflict},
		{"unknown role", store.NewUser{TenantID: tn.ID, Email: "b@example.com", Name: "b", Role: "root"}, store.ErrInvalid},
		{"malformed email", store.NewUser{TenantID: tn.ID, Email: "nobody", Name: "b", Role: store.RoleAdmin}, store.ErrInvalid},
		{"unknown tenant", store.NewUser{TenantID: 999999, Email: "c@example.com", Name: "c", Role: store.RoleAdmin}, store.ErrNotFound},
		{"different email", store.NewUser{TenantID: tn.ID, Email: "alice2@example.com", Name: "a", Role: store.RoleAdmin}, nil},
	} {
		_, err := e.s.CreateUser(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}
	got, err := e.s.GetUserByEmail(e.ctx, "ALICE@example.COM")
	if err != nil || got.ID != u.ID {
		t.Fatalf("GetUserByEmail = %+v, %v", got, err)
	}
	_, err = e.s.GetUserByEmail(e.ctx, "nobody@example.com")
	wantErr(t, "GetUserByEmail unknown", err, store.ErrNotFound)

	e.clock.Advance(time.Minute)
	name, role, ph, yes := "Alice B", store.RoleAdmin, "new-hash", true
	up, err := e.s.UpdateUser(e.ctx, u.ID, store.UserUpdate{Name: &name, Role: &role, PasswordHash: &ph,
		SkipIPVerification: &yes, Locked: &yes, EmailVerified: &yes})
	wantErr(t, "UpdateUser", err, nil)
	if up.Name != name || up.Role != role || up.PasswordHash != ph || !up.SkipIPVerification || !up.Locked ||
		!up.EmailVerifiedAt.Equal(e.clock.Now()) || !up.UpdatedAt.Equal(e.clock.Now()) || !up.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("updated = %+v", up)
	}
	bad := store.Role("god")
	_, err = e.s.UpdateUser(e.ctx, u.ID, store.UserUpdate{Role: &bad})
	wantErr(t, "UpdateUser bad role", err, store.ErrInvalid)
	_, err = e.s.UpdateUser(e.ctx, 999999, store.UserUpdate{Name: &name})
	wantErr(t, "UpdateUser unknown", err, store.ErrNotFound)
	if g, _ := e.s.GetUser(e.ctx, u.ID); !reflect.DeepEqual(g, up) {
		t.Fatalf("GetUser = %+v, want %+v", g, up)
	}
	if up.PasswordSetByAdmin {
		t.Fatal("a user created without PasswordSetByAdmin has it set")
	}

	// PasswordSetByAdmin: kept as created, changed only when asked, and
	// meaningless (false) without a password.
	for _, tc := range []struct {
		name, hash string
		want       bool
	}{
		{"admin-set password", "h", true},
		{"no password", "", false},
	} {
		n := userSeq.Add(1)
		c, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: fmt.Sprintf("set%d@example.com", n), Name: "s", Role: store.RoleTechnician,
			PasswordHash: tc.hash, PasswordSetByAdmin: true})
		wantErr(t, "CreateUser "+tc.name, err, nil)
		if g, _ := e.s.GetUser(e.ctx, c.ID); c.PasswordSetByAdmin != tc.want || g.PasswordSetByAdmin != tc.want {
			t.Fatalf("%s: PasswordSetByAdmin = %v (read back %v), want %v", tc.name, c.PasswordSetByAdmin, g.PasswordSetByAdmin, tc.want)
		}
		if !tc.want {
			continue
		}
		// A re-hash of the same password leaves the flag alone.
		rehashed := "h2"
		if c, err = e.s.UpdateUser(e.ctx, c.ID, store.UserUpdate{PasswordHash: &rehashed}); err != nil || !c.PasswordSetByAdmin {
			t.Fatalf("after a re-hash: PasswordSetByAdmin = %v, %v", c.PasswordSetByAdmin, err)
		}
		own, no := "own", false
		if c, err = e.s.UpdateUser(e.ctx, c.ID, store.UserUpdate{PasswordHash: &own, PasswordSetByAdmin: &no}); err != nil || c.PasswordSetByAdmin || c.PasswordHash != own {
			t.Fatalf("after the user's own change: %+v, %v", c, err)
		}
		if g, _ := e.s.GetUser(e.ctx, c.ID); g.PasswordSetByAdmin {
			t.Fatal("the user's own change did not last")
		}
	}
}

// testEmailLookAlikes: an address finds only its own account (ASCII case
// aside), and no account can be created whose address looks like
// another's.
func testEmailLookAlikes(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "admin2@x.example", Name: "Admin", Role: store.RoleAdmin})
	wantErr(t, "CreateUser", err, nil)
	for _, tc := range []struct {
		name, email string
		found       bool  // GetUserByEmail finds admin2
		create      error // CreateUser beside admin2
	}{
		{"upper case", "ADMIN2@X.EXAMPLE", true, store.ErrConflict},
		{"dotted capital I", "admİn2@x.example", false, store.ErrConflict},
		{"dotless i", "admın2@x.example", false, store.ErrConflict},
		{"Cyrillic a", "\u0430dmin2@x.example", false, store.ErrConflict},
		{"fullwidth", "ａｄｍｉｎ２@x.example", false, store.ErrConflict},
		{"combining dot", "admi\u0307n2@x.example", false, store.ErrConflict},
		{"zero-width joiner", "adm\u200Din2@x.example", false, store.ErrConflict},
		{"a different address", "admin3@x.example", false, nil},
	} {
		got, err := e.s.GetUserByEmail(e.ctx, tc.email)
		if tc.found && (err != nil || got.ID != admin.ID) {
			t.Errorf("%s: GetUserByEmail = %d, %v; want admin2", tc.name, got.ID, err)
		}
		if !tc.found && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: GetUserByEmail found user %d (%v), want none", tc.name, got.ID, err)
		}
		_, err = e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: tc.email, Name: "X", Role: store.RoleTechnician})
		if tc.create == nil && err != nil || tc.create != nil && !errors.Is(err, tc.create) {
			t.Errorf("%s: CreateUser = %v, want %v", tc.name, err, tc.create)
		}
	}
	// A non-ASCII address finds itself, whatever its Unicode encoding.
	emile, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "\u00C9mile@x.example", Name: "Émile", Role: store.RoleTechnician})
	wantErr(t, "CreateUser Émile", err, nil)
	if got, err := e.s.GetUserByEmail(e.ctx, "E\u0301mile@X.example"); err != nil || got.ID != emile.ID {
		t.Errorf("decomposed É: %d, %v", got.ID, err)
	}
	_, err = e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "emile@x.example", Name: "Emile", Role: store.RoleTechnician})
	wantErr(t, "CreateUser emile beside Émile", err, store.ErrConflict)
}

// testEmailBackfill: Migrate computes what SQL cannot for rows an older
// binary wrote (email_norm by strings.ToLower, no skeleton), and never
// fails on two look-alikes an older binary let in.
func testEmailBackfill(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	emile, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "Émile@Example.com", Name: "Émile", Role: store.RoleTechnician})
	wantErr(t, "CreateUser", err, nil)
	admin, err := e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "admin2@x.example", Name: "Admin", Role: store.RoleAdmin})
	wantErr(t, "CreateUser", err, nil)
	// As an older binary left them: ToLower's email_norm, no skeleton,
	// and a look-alike of admin2 that it could not tell apart.
	for _, q := range []string{
		fmt.Sprintf("UPDATE users SET email_norm = 'émile@example.com', email_skeleton = NULL WHERE id = %d", emile.ID),
		fmt.Sprintf("UPDATE users SET email_skeleton = NULL WHERE id = %d", admin.ID),
		fmt.Sprintf("INSERT INTO users (tenant_id, email, email_norm, name, role, created_at, updated_at) SELECT tenant_id, '\u0430dmin2@x.example', '\u0430dmin2@x.example', 'Look-alike', role, created_at, updated_at FROM users WHERE id = %d", admin.ID),
	} {
		if err := e.db.Exec(e.ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := e.s.GetUserByEmail(e.ctx, "Émile@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before Migrate the old email_norm should not match: %v", err)
	}
	wantErr(t, "Migrate", e.s.Migrate(e.ctx), nil)
	if got, err := e.s.GetUserByEmail(e.ctx, "Émile@EXAMPLE.com"); err != nil || got.ID != emile.ID {
		t.Errorf("after Migrate: %d, %v", got.ID, err)
	}
	_, err = e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "emile@example.com", Name: "x", Role: store.RoleTechnician})
	wantErr(t, "a look-alike of Émile after the backfill", err, store.ErrConflict)
	_, err = e.s.CreateUser(e.ctx, store.NewUser{TenantID: tn.ID, Email: "adm\u0131n2@x.example", Name: "x", Role: store.RoleTechnician})
	wantErr(t, "a look-alike of admin2 after the backfill", err, store.ErrConflict)
	if got, err := e.s.GetUserByEmail(e.ctx, "\u0430dmin2@x.example"); err != nil || got.ID == admin.ID {
		t.Errorf("the old look-alike lost its account: %d, %v", got.ID, err)
	}
	// Again: nothing left to do, and nothing breaks.
	wantErr(t, "Migrate again", e.s.Migrate(e.ctx), nil)
}

func testDirectory(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	other := e.tenant("O", 0)
	enrolled := e.user(tn.ID, store.RoleAdmin)
	e.factor(enrolled.ID)
	plain := e.user(tn.ID, store.RoleTechnician)
	locked := e.user(tn.ID, store.RoleReadOnly)
	yes := true
	if _, err := e.s.UpdateUser(e.ctx, locked.ID, store.UserUpdate{Locked: &yes}); err != nil {
		t.Fatal(err)
	}
	pending := e.user(tn.ID, store.RoleTechnician)
	if _, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: pending.ID, Email: pending.Email,
		Phrase: "amber otter", RequesterTokenHash: hash()}); err != nil {
		t.Fatal(err)
	}
	e.user(other.ID, store.RoleAdmin)

	ids := func(ls []store.UserListing) []int64 {
		var out []int64
		for _, l := range ls {
			out = append(out, l.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.UserFilter
		want []int64
	}{
		{"tenant", store.UserFilter{TenantID: tn.ID}, []int64{enrolled.ID, plain.ID, locked.ID, pending.ID}},
		{"enrolled", store.UserFilter{TenantID: tn.ID, Status: store.StatusEnrolled}, []int64{enrolled.ID}},
		{"not enrolled", store.UserFilter{TenantID: tn.ID, Status: store.StatusNotEnrolled}, []int64{plain.ID, locked.ID, pending.ID}},
		{"locked", store.UserFilter{TenantID: tn.ID, Status: store.StatusLocked}, []int64{locked.ID}},
		{"recovery pending", store.UserFilter{TenantID: tn.ID, Status: store.StatusRecoveryPending}, []int64{pending.ID}},
		{"role", store.UserFilter{TenantID: tn.ID, Role: store.RoleTechnician}, []int64{plain.ID, pending.ID}},
		{"name", store.UserFilter{NameContains: strings.ToUpper(plain.Name)}, []int64{plain.ID}},
		{"email", store.UserFilter{NameContains: strings.ToLower(locked.Email)}, []int64{locked.ID}},
		{"wildcards are literal", store.UserFilter{NameContains: "%"}, nil},
	} {
		got, err := e.s.ListUsers(e.ctx, tc.f)
		wantErr(t, tc.name, err, nil)
		// Names sort as "User N", which matches creation order for these fixtures within one digit count.
		if !sameSet(ids(got), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
		}
	}
	got, _ := e.s.ListUsers(e.ctx, store.UserFilter{TenantID: tn.ID})
	for _, l := range got {
		if (l.ID == enrolled.ID) != l.Enrolled || (l.ID == pending.ID) != l.RecoveryPending {
			t.Errorf("listing flags wrong for %d: %+v", l.ID, l)
		}
	}
	_, err := e.s.ListUsers(e.ctx, store.UserFilter{Status: "weird"})
	wantErr(t, "bad status", err, store.ErrInvalid)
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int64]int{}
	for _, v := range a {
		m[v]++
	}
	for _, v := range b {
		m[v]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func testTOTP(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	_, err := e.s.ActiveTOTPFactor(e.ctx, u.ID)
	wantErr(t, "no active factor", err, store.ErrNotFound)

	secret := store.EncryptedSecret{KeyID: "key-2026", Ciphertext: []byte{0, 1, 2, 0xff}}
	p1, err := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	wantErr(t, "Begin", err, nil)
	p2, err := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	wantErr(t, "Begin again", err, nil)
	_, err = e.s.ConfirmTOTPEnrolment(e.ctx, p1.ID, 50)
	wantErr(t, "confirm superseded pending factor", err, store.ErrRevoked)
	wantErr(t, "accept on pending factor", e.s.AcceptTOTPStep(e.ctx, p2.ID, 10), store.ErrInvalid)

	f, err := e.s.ConfirmTOTPEnrolment(e.ctx, p2.ID, 100)
	wantErr(t, "Confirm", err, nil)
	if f.EnrolledAt.IsZero() || f.LastStep != 100 || !reflect.DeepEqual(f.Secret, secret) {
		t.Fatalf("confirmed = %+v", f)
	}
	_, err = e.s.ConfirmTOTPEnrolment(e.ctx, p2.ID, 101)
	wantErr(t, "Confirm twice", err, store.ErrConflict)
	if a, err := e.s.ActiveTOTPFactor(e.ctx, u.ID); err != nil || a.ID != f.ID {
		t.Fatalf("active = %+v, %v", a, err)
	}

	for _, tc := range []struct {
		name string
		step int64
		want error
	}{
		{"confirmation code replayed", 100, store.ErrReplay},
		{"previous step", 99, store.ErrReplay},
		{"next step", 101, nil},
		{"same step again", 101, store.ErrReplay},
		{"skip ahead", 103, nil},
		{"step before last (window -1)", 102, store.ErrReplay},
		{"zero", 0, store.ErrInvalid},
	} {
		wantErr(t, tc.name, e.s.AcceptTOTPStep(e.ctx, f.ID, tc.step), tc.want)
	}
	wantErr(t, "unknown factor", e.s.AcceptTOTPStep(e.ctx, 999999, 500), store.ErrNotFound)

	// Re-enrolment replaces the active factor.
	p3, _ := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	f3, err := e.s.ConfirmTOTPEnrolment(e.ctx, p3.ID, 200)
	wantErr(t, "re-enrol", err, nil)
	if old, _ := e.s.GetTOTPFactor(e.ctx, f.ID); old.DisabledAt.IsZero() {
		t.Fatal("old factor still enabled after re-enrolment")
	}
	n, err := e.s.DisableTOTPFactors(e.ctx, u.ID)
	if err != nil || n != 1 {
		t.Fatalf("DisableTOTPFactors = %d, %v", n, err)
	}
	wantErr(t, "accept after disable", e.s.AcceptTOTPStep(e.ctx, f3.ID, 300), store.ErrRevoked)
	_, err = e.s.ActiveTOTPFactor(e.ctx, u.ID)
	wantErr(t, "active after disable", err, store.ErrNotFound)
}

// testTOTPRace: concurrent accepts of the same step on two Store instances; one wins.
func testTOTPRace(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	f := e.factor(u.ID)
	stores := []store.Store{e.s, e.reopen()}
	for round, step := range []int64{2000, 2001, 2002} {
		const n = 20
		var wins, replays atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := stores[i%2].AcceptTOTPStep(e.ctx, f.ID, step)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrReplay):
					replays.Add(1)
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || replays.Load() != n-1 {
			t.Fatalf("round %d: %d wins, %d replays; want 1, %d", round, wins.Load(), replays.Load(), n-1)
		}
	}
}

func testCodes(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	hashes := make([]string, 10)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("backup-hash-%d", i)
	}
	wantErr(t, "ReplaceBackupCodes", e.s.ReplaceBackupCodes(e.ctx, u.ID, hashes), nil)
	codes, err := e.s.ListBackupCodes(e.ctx, u.ID)
	if err != nil || len(codes) != 10 || codes[3].Hash != hashes[3] {
		t.Fatalf("ListBackupCodes = %+v, %v", codes, err)
	}
	wantErr(t, "use", e.s.UseBackupCode(e.ctx, u.ID, codes[0].ID), nil)
	wantErr(t, "reuse", e.s.UseBackupCode(e.ctx, u.ID, codes[0].ID), store.ErrUsed)
	wantErr(t, "other user's code", e.s.UseBackupCode(e.ctx, u.ID+1000, codes[1].ID), store.ErrNotFound)
	wantErr(t, "empty hash", e.s.ReplaceBackupCodes(e.ctx, u.ID, []string{""}), store.ErrInvalid)
	wantErr(t, "unknown user", e.s.ReplaceBackupCodes(e.ctx, 999999, []string{"x"}), store.ErrNotFound)

	// Concurrent use of one code across two instances: one wins.
	other := e.reopen()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.s
			if i%2 == 1 {
				s = other
			}
			if err := s.UseBackupCode(e.ctx, u.ID, codes[1].ID); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, store.ErrUsed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent backup code uses won", wins.Load())
	}
	codes, _ = e.s.ListBackupCodes(e.ctx, u.ID)
	if codes[0].UsedAt.IsZero() || !codes[2].UsedAt.IsZero() {
		t.Fatalf("used flags wrong: %+v", codes)
	}
	wantErr(t, "replace again", e.s.ReplaceBackupCodes(e.ctx, u.ID, hashes[:2]), nil)
	if codes, _ = e.s.ListBackupCodes(e.ctx, u.ID); len(codes) != 2 || !codes[0].UsedAt.IsZero() {
		t.Fatalf("after replace: %+v", codes)
	}

	_, err = e.s.GetRecoveryCode(e.ctx, u.ID)
	wantErr(t, "no recovery code", err, store.ErrNotFound)
	wantErr(t, "SetRecoveryCode", e.s.SetRecoveryCode(e.ctx, u.ID, "rc-1"), nil)
	if rc, err := e.s.GetRecoveryCode(e.ctx, u.ID); err != nil || rc.Hash != "rc-1" {
		t.Fatalf("GetRecoveryCode = %+v, %v", rc, err)
	}
	for _, tc := range []struct {
		name     string
		old, new string
		want     error
	}{
		{"use and replace", "rc-1", "rc-2", nil},
		{"replay of used code", "rc-1", "rc-3", store.ErrUsed},
		{"unchanged", "rc-2", "rc-2", store.ErrInvalid},
		{"next", "rc-2", "rc-3", nil},
	} {
		wantErr(t, tc.name, e.s.ReplaceRecoveryCode(e.ctx, u.ID, tc.old, tc.new), tc.want)
	}
	wantErr(t, "no code", e.s.ReplaceRecoveryCode(e.ctx, 999999, "a", "b"), store.ErrNotFound)
}

func testEmailTokens(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	v := e.user(e.tenant("T2", 0).ID, store.RoleAdmin)
	exp := e.clock.Now().Add(2 * time.Hour)
	h1 := hash()
	tok, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeVerifyEmail, TokenHash: h1, ExpiresAt: exp})
	wantErr(t, "create", err, nil)
	if tok.TokenHash != h1 || !tok.ExpiresAt.Equal(exp) {
		t.Fatalf("token = %+v", tok)
	}
	got, err := e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, h1, 0)
	if err != nil || got.ID != tok.ID || got.UserID != u.ID || got.UsedAt.IsZero() {
		t.Fatalf("consume = %+v, %v", got, err)
	}
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, h1, 0)
	wantErr(t, "consume twice", err, store.ErrUsed)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, h1, 0)
	wantErr(t, "wrong purpose", err, store.ErrNotFound)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, hash(), 0)
	wantErr(t, "unknown", err, store.ErrNotFound)

	// A new code revokes the older one; a code is bound to its user.
	c1, c2 := hash(), hash()
	for _, h := range []store.TokenHash{c1, c2} {
		if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: h,
			ExpiresAt: e.clock.Now().Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c1, u.ID)
	wantErr(t, "superseded code", err, store.ErrRevoked)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c2, v.ID)
	wantErr(t, "other user's code", err, store.ErrNotFound)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c2, u.ID)
	wantErr(t, "current code", err, nil)

	// Expiry.
	c3 := hash()
	if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeVerifyAddress, TokenHash: c3,
		SourceAddr: "203.0.113.9", ExpiresAt: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyAddress, c3, u.ID)
	wantErr(t, "expired", err, store.ErrExpired)

	for _, tc := range []struct {
		name string
		in   store.NewEmailToken
		want error
	}{
		{"past expiry", store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: e.clock.Now()}, store.ErrInvalid},
		{"bad purpose", store.NewEmailToken{UserID: u.ID, Purpose: "x", TokenHash: hash(), ExpiresAt: exp.Add(time.Hour)}, store.ErrInvalid},
		{"unknown user", store.NewEmailToken{UserID: 999999, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: exp.Add(time.Hour)}, store.ErrNotFound},
		{"digest collision", store.NewEmailToken{UserID: v.ID, Purpose: store.PurposeSignInCode, TokenHash: c2, ExpiresAt: exp.Add(time.Hour)}, store.ErrConflict},
	} {
		_, err := e.s.CreateEmailToken(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}
}

func testRequests(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	rt := hash()
	r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Message: "lost my phone",
		Phrase: "amber otter 42", RequesterTokenHash: rt, SourceAddr: "198.51.100.7"})
	wantErr(t, "create", err, nil)
	if r.Status != store.RequestPending || r.TenantID != tn.ID || r.Phrase != "amber otter 42" || r.SourceAddr != "198.51.100.7" {
		t.Fatalf("request = %+v", r)
	}
	unknown, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{Email: "ghost@example.com", Message: "hi",
		Phrase: "blue fox", RequesterTokenHash: hash()})
	wantErr(t, "create for unknown email", err, nil)
	if unknown.UserID != 0 || unknown.TenantID != 0 {
		t.Fatalf("unknown request = %+v", unknown)
	}
	if got, err := e.s.GetRecoveryRequestByToken(e.ctx, rt); err != nil || got.ID != r.ID {
		t.Fatalf("by token = %+v, %v", got, err)
	}
	_, err = e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: 999999, Email: "x@example.com", Phrase: "p", RequesterTokenHash: hash()})
	wantErr(t, "unknown user", err, store.ErrNotFound)

	for _, tc := range []struct {
		name     string
		from, to store.RequestStatus
		by       int64
		want     error
	}{
		{"self approval", store.RequestPending, store.RequestApproved, u.ID, store.ErrInvalid},
		{"no decider", store.RequestPending, store.RequestApproved, 0, store.ErrInvalid},
		{"skip to completed", store.RequestPending, store.RequestCompleted, admin.ID, store.ErrInvalid},
		{"forward", store.RequestPending, store.RequestForwarded, admin.ID, nil},
		{"stale from", store.RequestPending, store.RequestApproved, admin.ID, store.ErrConflict},
		{"approve", store.RequestForwarded, store.RequestApproved, admin.ID, nil},
	} {
		_, err := e.s.TransitionRecoveryRequest(e.ctx, r.ID, tc.from, tc.to, tc.by)
		wantErr(t, tc.name, err, tc.want)
	}
	got, _ := e.s.GetRecoveryRequest(e.ctx, r.ID)
	if got.Status != store.RequestApproved || got.DecidedBy != admin.ID || got.DecidedAt.IsZero() {
		t.Fatalf("after approve: %+v", got)
	}
	_, err = e.s.TransitionRecoveryRequest(e.ctx, 999999, store.RequestPending, store.RequestDenied, admin.ID)
	wantErr(t, "unknown request", err, store.ErrNotFound)

	list, err := e.s.ListRecoveryRequests(e.ctx, store.RequestFilter{TenantID: tn.ID})
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if l, _ := e.s.ListRecoveryRequests(e.ctx, store.RequestFilter{Status: store.RequestPending}); len(l) != 1 || l[0].ID != unknown.ID {
		t.Fatalf("pending list = %+v", l)
	}

	e.clock.Advance(25 * time.Hour)
	ids, err := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now().Add(-24*time.Hour))
	if err != nil || !sameSet(ids, []int64{r.ID, unknown.ID}) {
		t.Fatalf("expired = %v, %v", ids, err)
	}
	if ids, _ := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now()); len(ids) != 0 {
		t.Fatalf("expired again: %v", ids)
	}
}

func testLinks(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	req, _ := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Phrase: "p", RequesterTokenHash: hash()})
	exp := e.clock.Now().Add(time.Hour)

	_, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp})
	wantErr(t, "issue for pending request", err, store.ErrConflict)
	if _, err := e.s.TransitionRecoveryRequest(e.ctx, req.ID, store.RequestPending, store.RequestApproved, admin.ID); err != nil {
		t.Fatal(err)
	}
	h1, h2 := hash(), hash()
	l1, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: h1, IssuedBy: admin.ID, ExpiresAt: exp})
	wantErr(t, "issue", err, nil)
	if got, _ := e.s.GetRecoveryRequest(e.ctx, req.ID); got.Status != store.RequestLinkIssued {
		t.Fatalf("request status %s", got.Status)
	}
	l2, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: h2, IssuedBy: admin.ID, ExpiresAt: exp})
	wantErr(t, "re-issue", err, nil)
	if old, _ := e.s.GetRecoveryLink(e.ctx, h1); old.RevokedAt.IsZero() || old.ID != l1.ID {
		t.Fatalf("older link not revoked: %+v", old)
	}
	if peek, _ := e.s.GetRecoveryLink(e.ctx, h2); !peek.UsedAt.IsZero() || peek.IssuedBy != admin.ID || peek.RequestID != req.ID {
		t.Fatalf("peek = %+v", peek)
	}
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h1)
	wantErr(t, "redeem revoked", err, store.ErrRevoked)
	got, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h2)
	if err != nil || got.ID != l2.ID || got.UserID != u.ID || got.UsedAt.IsZero() {
		t.Fatalf("redeem = %+v, %v", got, err)
	}
	if r, _ := e.s.GetRecoveryRequest(e.ctx, req.ID); r.Status != store.RequestCompleted {
		t.Fatalf("request status after redeem %s", r.Status)
	}
	for _, tc := range []struct {
		name    string
		purpose store.LinkPurpose
		h       store.TokenHash
		want    error
	}{
		{"redeem twice", store.LinkReenrol2FA, h2, store.ErrUsed},
		{"wrong purpose", "reset_password", h2, store.ErrNotFound},
		{"unknown", store.LinkReenrol2FA, hash(), store.ErrNotFound},
	} {
		_, err := e.s.RedeemRecoveryLink(e.ctx, tc.purpose, tc.h)
		wantErr(t, tc.name, err, tc.want)
	}

	// Direct issue, expiry at exactly expires_at.
	h3 := hash()
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h3, IssuedBy: admin.ID,
		ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h3)
	wantErr(t, "expired", err, store.ErrExpired)

	h4 := hash()
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h4, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil || n != 1 {
		t.Fatalf("RevokeRecoveryLinks = %d, %v", n, err)
	}
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h4)
	wantErr(t, "redeem after revoke", err, store.ErrRevoked)

	for _, tc := range []struct {
		name string
		in   store.NewRecoveryLink
		want error
	}{
		{"past expiry", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: e.clock.Now()}, store.ErrInvalid},
		{"bad purpose", store.NewRecoveryLink{UserID: u.ID, Purpose: "x", TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrInvalid},
		{"unknown user", store.NewRecoveryLink{UserID: 999999, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrNotFound},
		{"duplicate digest", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h2, ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrConflict},
	} {
		_, err := e.s.IssueRecoveryLink(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}
}

// testLinkRace: 200 concurrent redemptions of one link through two Store
// instances (two connection pools) on one database: exactly one succeeds.
func testLinkRace(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleTechnician)
	stores := []store.Store{e.s, e.reopen()}
	for round := 0; round < 2; round++ {
		h := hash()
		if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h,
			ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		const n = 200
		wins, used := race(t, n, stores, func(st store.Store) error {
			_, err := st.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h)
			return err
		}, store.ErrUsed)
		if wins != 1 || used != n-1 {
			t.Fatalf("round %d: %d successes, %d used; want exactly 1 and %d", round, wins, used, n-1)
		}
	}
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

func testSessions(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	h1, h2, h3 := hash(), hash(), hash()
	s1, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h1, Scope: store.ScopeEnrol, SourceAddr: "192.0.2.1",
		ExpiresAt: e.clock.Now().Add(15 * time.Minute)})
	wantErr(t, "create", err, nil)
	if got, err := e.s.GetSession(e.ctx, h1); err != nil || got.ID != s1.ID || got.Scope != store.ScopeEnrol || got.SourceAddr != "192.0.2.1" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	for _, h := range []store.TokenHash{h2, h3} {
		if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "revoke", e.s.RevokeSession(e.ctx, h2), nil)
	wantErr(t, "revoke again", e.s.RevokeSession(e.ctx, h2), nil)
	wantErr(t, "revoke unknown", e.s.RevokeSession(e.ctx, hash()), store.ErrNotFound)
	_, err = e.s.GetSession(e.ctx, h2)
	wantErr(t, "get revoked", err, store.ErrRevoked)
	e.clock.Advance(15 * time.Minute)
	_, err = e.s.GetSession(e.ctx, h1)
	wantErr(t, "get expired", err, store.ErrExpired)
	if n, err := e.s.RevokeUserSessions(e.ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("RevokeUserSessions = %d, %v", n, err)
	}
	_, err = e.s.GetSession(e.ctx, h3)
	wantErr(t, "after revoke all", err, store.ErrRevoked)
	_, err = e.s.GetSession(e.ctx, hash())
	wantErr(t, "unknown", err, store.ErrNotFound)
	_, err = e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: hash(), Scope: "admin", ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "bad scope", err, store.ErrInvalid)

	// RevokeOtherSessions keeps one session and ends the user's others
	// only: another user's session lives on.
	other := e.user(u.TenantID, store.RoleTechnician)
	var mine []store.Session
	hs := []store.TokenHash{hash(), hash(), hash()}
	for i, h := range hs {
		scope := store.ScopeFull
		if i == 2 {
			scope = store.ScopeEnrol
		}
		s, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: scope, ExpiresAt: e.clock.Now().Add(time.Hour)})
		wantErr(t, "create", err, nil)
		mine = append(mine, s)
	}
	oh := hash()
	if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: other.ID, TokenHash: oh, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.RevokeOtherSessions(e.ctx, u.ID, mine[0].ID); err != nil || n != 2 {
		t.Fatalf("RevokeOtherSessions = %d, %v; want 2", n, err)
	}
	if _, err := e.s.GetSession(e.ctx, hs[0]); err != nil {
		t.Fatalf("the kept session: %v", err)
	}
	for _, h := range hs[1:] {
		_, err := e.s.GetSession(e.ctx, h)
		wantErr(t, "another session of the user", err, store.ErrRevoked)
	}
	if _, err := e.s.GetSession(e.ctx, oh); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	_, err = e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h1, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "duplicate digest", err, store.ErrConflict)
}

func testSessionTouch(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	h := hash()
	created, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "create", err, nil)
	if !created.LastUsedAt.Equal(created.CreatedAt) {
		t.Fatalf("a new session's LastUsedAt = %v, want its CreatedAt %v", created.LastUsedAt, created.CreatedAt)
	}
	lastUse := func() time.Time {
		t.Helper()
		s, err := e.s.GetSession(e.ctx, h)
		wantErr(t, "get", err, nil)
		return s.LastUsedAt
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"forward", created.CreatedAt.Add(5 * time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"not backwards", created.CreatedAt.Add(time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"same instant", created.CreatedAt.Add(5 * time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"forward again, microseconds", created.CreatedAt.Add(6*time.Minute + 1500*time.Nanosecond), created.CreatedAt.Add(6*time.Minute + time.Microsecond)},
	} {
		wantErr(t, "TouchSession "+tc.name, e.s.TouchSession(e.ctx, h, tc.at), nil)
		if got := lastUse(); !got.Equal(tc.want) {
			t.Fatalf("%s: LastUsedAt = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Another node's store sees it.
	if s, err := e.reopen().GetSession(e.ctx, h); err != nil || !s.LastUsedAt.Equal(created.CreatedAt.Add(6*time.Minute+time.Microsecond)) {
		t.Fatalf("reopened: %+v, %v", s, err)
	}
	// Unknown and revoked sessions are left alone, without an error.
	wantErr(t, "touch unknown", e.s.TouchSession(e.ctx, hash(), e.clock.Now()), nil)
	wantErr(t, "revoke", e.s.RevokeSession(e.ctx, h), nil)
	wantErr(t, "touch revoked", e.s.TouchSession(e.ctx, h, created.CreatedAt.Add(time.Hour)), nil)
	if _, err := e.s.GetSession(e.ctx, h); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("a touch revived a revoked session: %v", err)
	}
	// A session written before last_used_at existed counts from its start.
	h2 := hash()
	if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h2, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec(e.ctx, "UPDATE sessions SET last_used_at = NULL"); err != nil {
		t.Fatal(err)
	}
	if s, err := e.s.GetSession(e.ctx, h2); err != nil || !s.LastUsedAt.Equal(s.CreatedAt) {
		t.Fatalf("without last_used_at: %+v, %v", s, err)
	}
}

func testRateLimits(t *testing.T, e *env) {
	other := e.reopen()
	for i, want := range []int64{1, 2, 3} {
		s := e.s
		if i == 1 {
			s = other
		}
		n, err := s.HitRateLimit(e.ctx, "recovery:ip:203.0.113.5", time.Minute)
		if err != nil || n != want {
			t.Fatalf("hit %d = %d, %v; want %d", i, n, err, want)
		}
	}
	if n, _ := e.s.HitRateLimit(e.ctx, "recovery:acct:abc", time.Minute); n != 1 {
		t.Fatalf("other key = %d", n)
	}
	e.clock.Advance(time.Minute)
	if n, _ := e.s.HitRateLimit(e.ctx, "recovery:ip:203.0.113.5", time.Minute); n != 1 {
		t.Fatalf("next window = %d", n)
	}
	_, err := e.s.HitRateLimit(e.ctx, "", time.Minute)
	wantErr(t, "empty key", err, store.ErrInvalid)
}

func testAddresses(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	if ok, err := e.s.IsKnownAddress(e.ctx, u.ID, "192.0.2.7"); err != nil || ok {
		t.Fatalf("unknown address = %v, %v", ok, err)
	}
	for i := 0; i < 2; i++ {
		wantErr(t, "remember", e.s.RememberAddress(e.ctx, u.ID, "192.0.2.7"), nil)
	}
	if ok, err := e.s.IsKnownAddress(e.ctx, u.ID, "192.0.2.7"); err != nil || !ok {
		t.Fatalf("known address = %v, %v", ok, err)
	}
	wantErr(t, "unknown user", e.s.RememberAddress(e.ctx, 999999, "192.0.2.7"), store.ErrNotFound)
}

func testAudit(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	var first store.AuditEntry
	for i, a := range []string{"recovery.requested", "recovery.approved", "link.issued"} {
		e.clock.Advance(time.Second)
		got, err := e.s.AppendAudit(e.ctx, store.AuditEntry{ActorID: admin.ID, Action: a, TargetUserID: u.ID, TenantID: tn.ID,
			SourceAddr: "192.0.2.9", Details: json.RawMessage(fmt.Sprintf(`{"n": %d, "via": "test"}`, i))})
		wantErr(t, "append", err, nil)
		if i == 0 {
			first = got
		}
		if !got.At.Equal(e.clock.Now()) || got.ID == 0 {
			t.Fatalf("appended = %+v", got)
		}
	}
	if _, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "recovery.requested"}); err != nil {
		t.Fatalf("anonymous append: %v", err)
	}
	list, err := e.s.ListAudit(e.ctx, store.AuditFilter{TenantID: tn.ID})
	if err != nil || len(list) != 3 || list[0].Action != "link.issued" || list[2].ID != first.ID {
		t.Fatalf("ListAudit = %+v, %v", list, err)
	}
	var d map[string]any
	if err := json.Unmarshal(list[2].Details, &d); err != nil || d["via"] != "test" || d["n"] != float64(0) {
		t.Fatalf("details = %s, %v", list[2].Details, err)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{Action: "recovery.approved", TargetUserID: u.ID}); len(l) != 1 {
		t.Fatalf("by action = %+v", l)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{Limit: 2}); len(l) != 2 {
		t.Fatalf("limit = %d", len(l))
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{BeforeID: first.ID + 1}); len(l) != 1 || l[0].ID != first.ID {
		t.Fatalf("paging = %+v", l)
	}
	for _, bad := range []string{`[1]`, `not json`, `null`} {
		_, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "x", Details: json.RawMessage(bad)})
		wantErr(t, "bad details "+bad, err, store.ErrInvalid)
	}

	// The interface offers no way to change an entry.
	st := reflect.TypeOf((*store.Store)(nil)).Elem()
	for i := 0; i < st.NumMethod(); i++ {
		m := st.Method(i).Name
		if strings.Contains(m, "Audit") && m != "AppendAudit" && m != "ListAudit" {
			t.Errorf("Store has audit method %s", m)
		}
	}
	// The database refuses changes made behind the store's back.
	for _, q := range []string{
		"UPDATE audit_log SET action = 'forged'",
		"DELETE FROM audit_log",
	} {
		if err := e.db.Exec(e.ctx, q); err == nil {
			t.Errorf("%q succeeded on the audit log", q)
		} else if !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%q: unexpected error %v", q, err)
		}
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{}); len(l) != 4 || l[0].Action == "forged" {
		t.Fatalf("audit changed: %+v", l)
	}
}

func testPrune(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	live := hash()
	for _, x := range []struct {
		h   store.TokenHash
		ttl time.Duration
	}{{hash(), time.Minute}, {live, time.Hour}} {
		if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: x.h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(x.ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.HitRateLimit(e.ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "kept"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	n, err := e.s.PruneExpired(e.ctx)
	if err != nil || n != 3 {
		t.Fatalf("PruneExpired = %d, %v; want 3", n, err)
	}
	if _, err := e.s.GetSession(e.ctx, live); err != nil {
		t.Fatalf("live session pruned: %v", err)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{}); len(l) != 1 {
		t.Fatal("audit entry pruned")
	}
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

// approvedRequest creates a request of u and approves it by admin.
func (e *env) approvedRequest(u, admin store.User) store.RecoveryRequest {
	e.t.Helper()
	r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Phrase: "amber otter", RequesterTokenHash: hash()})
	if err != nil {
		e.t.Fatalf("CreateRecoveryRequest: %v", err)
	}
	if r, err = e.s.TransitionRecoveryRequest(e.ctx, r.ID, store.RequestPending, store.RequestApproved, admin.ID); err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	return r
}

// sealed is a stand-in for a caller's AEAD output: the store keeps bytes.
func sealed(n int) store.EncryptedSecret {
	return store.EncryptedSecret{KeyID: "k1", Ciphertext: []byte(fmt.Sprintf("sealed-link-%d", n))}
}

// testDelivery: the sealed link for the requesting app is kept with the
// request at issue time, taken exactly once, and dropped whenever the link
// it carries can no longer be used.
func testDelivery(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	exp := e.clock.Now().Add(time.Hour)
	issue := func(req store.RecoveryRequest, d store.EncryptedSecret) (store.RecoveryLink, store.TokenHash) {
		t.Helper()
		h := hash()
		l, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: req.UserID, RequestID: req.ID, Purpose: store.LinkReenrol2FA,
			TokenHash: h, IssuedBy: admin.ID, ExpiresAt: exp, Delivery: d})
		if err != nil {
			t.Fatalf("issue with delivery: %v", err)
		}
		return l, h
	}
	get := func(id int64) store.RecoveryRequest {
		t.Helper()
		r, err := e.s.GetRecoveryRequest(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Set, taken once, cleared.
	req := e.approvedRequest(u, admin)
	if req.DeliveryPending {
		t.Fatal("a request without a link has a delivery pending")
	}
	_, err := e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take before issue", err, store.ErrNotFound)
	issue(req, sealed(1))
	if r := get(req.ID); !r.DeliveryPending || !r.DeliveredAt.IsZero() || r.Status != store.RequestLinkIssued {
		t.Fatalf("after issue: %+v", r)
	}
	e.clock.Advance(time.Minute)
	got, err := e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	if err != nil || !reflect.DeepEqual(got, sealed(1)) {
		t.Fatalf("take = %+v, %v; want %+v", got, err, sealed(1))
	}
	r := get(req.ID)
	if r.DeliveryPending || !r.DeliveredAt.Equal(e.clock.Now()) || r.Status != store.RequestLinkIssued {
		t.Fatalf("after take: pending %v, delivered %v (want %v), status %s", r.DeliveryPending, r.DeliveredAt, e.clock.Now(), r.Status)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "second take", err, store.ErrNotFound)
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, 999999)
	wantErr(t, "unknown request", err, store.ErrNotFound)

	// Re-issuing replaces the delivery and forgets the earlier hand-out.
	issue(req, sealed(2))
	if r := get(req.ID); !r.DeliveryPending || !r.DeliveredAt.IsZero() {
		t.Fatalf("after re-issue: %+v", r)
	}
	// A re-issue without a delivery drops the one waiting (its link is revoked).
	issue(req, store.EncryptedSecret{})
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take after re-issue without delivery", err, store.ErrNotFound)

	// Redeeming the link e-mailed alongside drops the delivery.
	_, h := issue(req, sealed(3))
	if _, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h); err != nil {
		t.Fatal(err)
	}
	if r := get(req.ID); r.DeliveryPending || r.Status != store.RequestCompleted {
		t.Fatalf("after redeem: %+v", r)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take after redeem", err, store.ErrNotFound)

	// A link issued directly revokes the request's link and drops its delivery.
	req2 := e.approvedRequest(u, admin)
	issue(req2, sealed(4))
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(),
		IssuedBy: admin.ID, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req2.ID)
	wantErr(t, "take after a direct link", err, store.ErrNotFound)

	// Revoking the user's links drops it.
	req3 := e.approvedRequest(u, admin)
	issue(req3, sealed(5))
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req3.ID)
	wantErr(t, "take after revoke", err, store.ErrNotFound)

	// Expiry drops it.
	req4 := e.approvedRequest(u, admin)
	issue(req4, sealed(6))
	e.clock.Advance(2 * time.Hour)
	if ids, err := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now().Add(-time.Hour)); err != nil || !slices.Contains(ids, req4.ID) {
		t.Fatalf("expire = %v, %v", ids, err)
	}
	if r := get(req4.ID); r.DeliveryPending || r.Status != store.RequestExpired {
		t.Fatalf("after expiry: %+v", r)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req4.ID)
	wantErr(t, "take after expiry", err, store.ErrNotFound)

	// Another user's request is untouched by this user's links.
	v := e.user(tn.ID, store.RoleReadOnly)
	other := e.approvedRequest(v, admin)
	exp = e.clock.Now().Add(time.Hour)
	issue(other, sealed(7))
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if r := get(other.ID); !r.DeliveryPending {
		t.Fatal("revoking one user's links dropped another user's delivery")
	}

	for _, tc := range []struct {
		name string
		in   store.NewRecoveryLink
	}{
		{"delivery without request", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp, Delivery: sealed(8)}},
		{"delivery without key id", store.NewRecoveryLink{UserID: v.ID, RequestID: other.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp,
			Delivery: store.EncryptedSecret{Ciphertext: []byte("x")}}},
		{"delivery without ciphertext", store.NewRecoveryLink{UserID: v.ID, RequestID: other.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp,
			Delivery: store.EncryptedSecret{KeyID: "k1"}}},
	} {
		_, err := e.s.IssueRecoveryLink(e.ctx, tc.in)
		wantErr(t, tc.name, err, store.ErrInvalid)
	}
	if r := get(other.ID); !r.DeliveryPending {
		t.Fatal("a refused issue changed the waiting delivery")
	}
}

// testDeliveryRace: 100 concurrent takes through two Store instances (two
// connection pools) on one database: exactly one gets the sealed link.
func testDeliveryRace(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	stores := []store.Store{e.s, e.reopen()}
	for round := 0; round < 2; round++ {
		req := e.approvedRequest(u, admin)
		if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA,
			TokenHash: hash(), IssuedBy: admin.ID, ExpiresAt: e.clock.Now().Add(time.Hour), Delivery: sealed(round)}); err != nil {
			t.Fatal(err)
		}
		const n = 100
		wins, gone := race(t, n, stores, func(st store.Store) error {
			got, err := st.TakeRecoveryLinkDelivery(e.ctx, req.ID)
			if err == nil && !reflect.DeepEqual(got, sealed(round)) {
				t.Errorf("took %+v", got)
			}
			return err
		}, store.ErrNotFound)
		if wins != 1 || gone != n-1 {
			t.Fatalf("round %d: %d takes succeeded, %d found nothing; want exactly 1 and %d", round, wins, gone, n-1)
		}
	}
}

// testRequestFilters: the filters the admins' queue combines.
func testRequestFilters(t *testing.T, e *env) {
	reseller := e.tenant("Reseller", 0)
	customer := e.tenant("Customer", reseller.ID)
	stranger := e.tenant("Stranger", 0)
	mk := func(tenantID int64) store.RecoveryRequest {
		t.Helper()
		var userID int64
		email := "nobody@example.com"
		if tenantID != 0 {
			u := e.user(tenantID, store.RoleTechnician)
			userID, email = u.ID, u.Email
		}
		r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: userID, Email: email, Phrase: "p", RequesterTokenHash: hash()})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c, ghost := mk(reseller.ID), mk(customer.ID), mk(stranger.ID), mk(0)
	admin := e.user(stranger.ID, store.RoleAdmin)
	if _, err := e.s.TransitionRecoveryRequest(e.ctx, c.ID, store.RequestPending, store.RequestForwarded, admin.ID); err != nil {
		t.Fatal(err)
	}
	ids := func(f store.RequestFilter) []int64 {
		t.Helper()
		l, err := e.s.ListRecoveryRequests(e.ctx, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		var out []int64
		for _, r := range l {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.RequestFilter
		want []int64
	}{
		{"own and child tenants", store.RequestFilter{TenantIDs: []int64{reseller.ID, customer.ID}}, []int64{b.ID, a.ID}},
		{"one of several", store.RequestFilter{TenantIDs: []int64{customer.ID}}, []int64{b.ID}},
		{"tenants and status", store.RequestFilter{TenantIDs: []int64{reseller.ID, stranger.ID}, Status: store.RequestForwarded}, []int64{c.ID}},
		{"unmatched", store.RequestFilter{Unmatched: true}, []int64{ghost.ID}},
		{"unmatched pending", store.RequestFilter{Unmatched: true, Status: store.RequestPending}, []int64{ghost.ID}},
		{"unmatched forwarded", store.RequestFilter{Unmatched: true, Status: store.RequestForwarded}, nil},
		{"forwarded anywhere", store.RequestFilter{Status: store.RequestForwarded}, []int64{c.ID}},
		{"limit", store.RequestFilter{Limit: 2}, []int64{ghost.ID, c.ID}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// testLinkLapse: a link that expires unused is reported by
// LapseRecoveryLinks exactly once; used, revoked and live links never are.
func testLinkLapse(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	u1, u2, u3 := e.user(tn.ID, store.RoleReadOnly), e.user(tn.ID, store.RoleReadOnly), e.user(tn.ID, store.RoleReadOnly)
	issue := func(userID int64, ttl time.Duration) (store.RecoveryLink, store.TokenHash) {
		t.Helper()
		h := hash()
		l, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: userID, Purpose: store.LinkReenrol2FA, TokenHash: h, ExpiresAt: e.clock.Now().Add(ttl)})
		if err != nil {
			t.Fatal(err)
		}
		return l, h
	}
	lapsing, _ := issue(u1.ID, time.Minute)
	_, usedHash := issue(u2.ID, time.Minute)
	if _, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, usedHash); err != nil {
		t.Fatal(err)
	}
	live, _ := issue(u3.ID, time.Hour)

	if got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(got) != 0 {
		t.Fatalf("before expiry: %d links, %v", len(got), err)
	}
	e.clock.Advance(2 * time.Minute)
	got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now())
	if err != nil || len(got) != 1 || got[0].ID != lapsing.ID || got[0].LapsedAt.IsZero() || got[0].UserID != u1.ID {
		t.Fatalf("after expiry: %+v, %v", got, err)
	}
	if again, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(again) != 0 {
		t.Fatalf("a second sweep: %d links, %v", len(again), err)
	}
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u3.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	if got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(got) != 0 {
		t.Fatalf("the revoked link %d lapsed: %d links, %v", live.ID, len(got), err)
	}
}
