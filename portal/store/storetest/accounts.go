package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

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
