package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

// adminPortal is a real portal over TLS with a reseller tenant (an owner,
// an admin and a technician with sessions, and a plain user) and one
// customer tenant.
type adminPortal struct {
	srv                        *httptest.Server
	st                         store.Store
	outbox                     *mail.Outbox
	home, child                store.Tenant
	owner, admin, tech, target store.User
	tokens                     map[int64]string
}

func newAdminPortal(t *testing.T) *adminPortal {
	t.Helper()
	ctx := context.Background()
	st, kr, ph := portalParts(t, nil)
	var err error
	p := &adminPortal{st: st, outbox: &mail.Outbox{}, tokens: map[int64]string{}}
	if p.home, err = st.CreateTenant(ctx, store.NewTenant{Name: "Reseller", Policy: store.TenantPolicy{Require2FA: true}}); err != nil {
		t.Fatal(err)
	}
	if p.child, err = st.CreateTenant(ctx, store.NewTenant{Name: "Customer", ParentID: p.home.ID, Policy: store.TenantPolicy{Require2FA: true}}); err != nil {
		t.Fatal(err)
	}
	user := func(email string, role store.Role) store.User {
		u, err := st.CreateUser(ctx, store.NewUser{TenantID: p.home.ID, Email: email, Name: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tok := auth.NewToken()
		if _, err := st.CreateSession(ctx, store.NewSession{UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeFull,
			SourceAddr: "127.0.0.1", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		p.tokens[u.ID] = tok.Encode()
		return u
	}
	p.owner = user("owner@reseller.test", store.RoleOwner)
	p.admin = user("admin@reseller.test", store.RoleAdmin)
	p.tech = user("tech@reseller.test", store.RoleTechnician)
	p.target = user("target@reseller.test", store.RoleTechnician)
	p.srv = serveTLS(t, portal.Options{Store: st, Keyring: kr, Passwords: ph, Mailer: p.outbox})
	return p
}

// adminAPIStatus is the status of an *APIError, 0 for nil, -1 for another error.
func adminAPIStatus(err error) int {
	if err == nil {
		return 0
	}
	var ae *api.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return -1
}

func TestAdminClientAgainstPortal(t *testing.T) {
	p := newAdminPortal(t)
	c := newClient(t, p.srv, lksync.Options{})
	ctx := context.Background()
	admin, owner, tech := p.tokens[p.admin.ID], p.tokens[p.owner.ID], p.tokens[p.tech.ID]

	t.Run("directory", func(t *testing.T) {
		l, err := c.AdminUsers(ctx, tech, api.AdminUserQuery{})
		if err != nil || l.Total != 4 || len(l.Users) != 4 || l.TenantID != p.home.ID || l.ReadOnly {
			t.Fatalf("directory %+v, %v", l, err)
		}
		l, err = c.AdminUsers(ctx, admin, api.AdminUserQuery{Query: "target", Role: "technician", Status: "not_enrolled", Limit: 1})
		if err != nil || l.Total != 1 || l.Users[0].ID != p.target.ID || !l.Users[0].Allowed(api.AdminActionReset2FA) {
			t.Fatalf("filtered %+v, %v", l, err)
		}
		l, err = c.AdminUsers(ctx, admin, api.AdminUserQuery{Limit: 3})
		if err != nil || len(l.Users) != 3 || l.NextOffset != 3 {
			t.Fatalf("first page %+v, %v", l, err)
		}
		l, err = c.AdminUsers(ctx, admin, api.AdminUserQuery{Limit: 3, Offset: l.NextOffset})
		if err != nil || len(l.Users) != 1 || l.NextOffset != 0 {
			t.Fatalf("second page %+v, %v", l, err)
		}
		l, err = c.AdminUsers(ctx, owner, api.AdminUserQuery{TenantID: p.child.ID})
		if err != nil || !l.ReadOnly || l.Total != 0 {
			t.Fatalf("child tenant %+v, %v", l, err)
		}
		if _, err := c.AdminUsers(ctx, admin, api.AdminUserQuery{Status: "asleep"}); adminAPIStatus(err) != 400 {
			t.Errorf("bad status filter: %v", err)
		}
	})

	t.Run("users", func(t *testing.T) {
		u, err := c.CreateAdminUser(ctx, admin, api.AdminUserCreate{Email: "new@reseller.test", Name: "New", Role: "read_only", Password: "client test password"})
		if err != nil || u.Email != "new@reseller.test" || u.Role != "read_only" || u.EmailVerified {
			t.Fatalf("created %+v, %v", u, err)
		}
		if _, err := c.CreateAdminUser(ctx, admin, api.AdminUserCreate{Email: "NEW@reseller.test", Name: "New", Role: "read_only", Password: "client test password"}); adminAPIStatus(err) != 409 {
			t.Errorf("duplicate: %v", err)
		}
		_, err = c.CreateAdminUser(ctx, admin, api.AdminUserCreate{Email: "boss@reseller.test", Name: "Boss", Role: "owner", Password: "client test password"})
		var ae *api.APIError
		if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != api.CodeForbidden || !strings.Contains(ae.Message, "owner") {
			t.Errorf("admin creating an owner: %v", err)
		}
		if strings.Contains(fmt.Sprint(err), "client test password") {
			t.Error("the error quotes the password")
		}

		u, err = c.ResetUser2FA(ctx, admin, p.target.ID)
		if err != nil || u.ID != p.target.ID || u.Enrolled {
			t.Fatalf("reset %+v, %v", u, err)
		}
		if _, ok := p.outbox.Last(p.target.Email, "two-factor"); !ok {
			t.Error("no notice after the reset")
		}
		if _, err := c.ResetUser2FA(ctx, admin, p.admin.ID); adminAPIStatus(err) != 403 {
			t.Errorf("resetting oneself: %v", err)
		}
		if _, err := c.ResetUser2FA(ctx, admin, 999999); adminAPIStatus(err) != 404 {
			t.Errorf("resetting a missing user: %v", err)
		}

		if u, err = c.SetUserIPVerification(ctx, admin, p.target.ID, true); err != nil || !u.SkipIPVerification {
			t.Fatalf("skip IP verification %+v, %v", u, err)
		}
		if u, err = c.SetUserLocked(ctx, admin, p.target.ID, true); err != nil || !u.Locked {
			t.Fatalf("lock %+v, %v", u, err)
		}
		if u, err = c.SetUserLocked(ctx, admin, p.target.ID, false); err != nil || u.Locked {
			t.Fatalf("unlock %+v, %v", u, err)
		}
		if _, err := c.SetUserLocked(ctx, tech, p.target.ID, true); adminAPIStatus(err) != 403 {
			t.Errorf("technician locking: %v", err)
		}
	})

	t.Run("tenants", func(t *testing.T) {
		ts, err := c.AdminTenants(ctx, owner)
		if err != nil || len(ts) != 2 || ts[0].Relation != api.AdminRelationOwn || ts[1].ID != p.child.ID || !ts[0].Allowed(api.AdminActionManageTenant) {
			t.Fatalf("tenants %+v, %v", ts, err)
		}
		nt, err := c.CreateChildTenant(ctx, owner, "Acme")
		if err != nil || nt.Name != "Acme" || nt.ParentID != p.home.ID || nt.Relation != api.AdminRelationChild {
			t.Fatalf("created %+v, %v", nt, err)
		}
		if _, err := c.CreateChildTenant(ctx, admin, "Acme 2"); adminAPIStatus(err) != 403 {
			t.Errorf("admin creating a tenant: %v", err)
		}
		got, err := c.SetTenantPolicy(ctx, owner, p.home.ID, api.AdminTenantPolicy{Require2FA: true, AllowEmailCodes: true})
		if err != nil || !got.Policy.AllowEmailCodes || got.Policy.IPAllowList == nil {
			t.Fatalf("policy %+v, %v", got, err)
		}
		// The test client connects from 127.0.0.1: a list without it is
		// refused, one with it taken.
		if _, err := c.SetTenantPolicy(ctx, owner, p.home.ID, api.AdminTenantPolicy{Require2FA: true, IPAllowList: []string{"203.0.113.0/24"}}); adminAPIStatus(err) != 422 {
			t.Errorf("self lock-out: %v", err)
		}
		if got, err = c.SetTenantPolicy(ctx, owner, p.home.ID, api.AdminTenantPolicy{Require2FA: true, IPAllowList: []string{"127.0.0.0/8", "::1/128"}}); err != nil ||
			!slices.Equal(got.Policy.IPAllowList, []string{"127.0.0.0/8", "::1/128"}) {
			t.Fatalf("allow list %+v, %v", got.Policy, err)
		}
		if _, err := c.SetTenantPolicy(ctx, owner, p.home.ID, api.AdminTenantPolicy{}); adminAPIStatus(err) != 422 {
			t.Errorf("2FA off without SSO: %v", err)
		}
		if _, err := c.SetTenantPolicy(ctx, owner, p.child.ID, api.AdminTenantPolicy{Require2FA: true}); adminAPIStatus(err) != 403 {
			t.Errorf("a customer's policy: %v", err)
		}
	})

	t.Run("audit", func(t *testing.T) {
		pg, err := c.AdminAudit(ctx, owner, api.AdminAuditQuery{Limit: 2})
		if err != nil || len(pg.Entries) != 2 || pg.NextBefore == 0 || pg.Entries[0].ID <= pg.Entries[1].ID {
			t.Fatalf("first page %+v, %v", pg, err)
		}
		older, err := c.AdminAudit(ctx, owner, api.AdminAuditQuery{Limit: 2, Before: pg.NextBefore})
		if err != nil || len(older.Entries) == 0 || older.Entries[0].ID >= pg.NextBefore {
			t.Fatalf("second page %+v, %v", older, err)
		}
		resets, err := c.AdminAudit(ctx, owner, api.AdminAuditQuery{Action: "factor.reset", UserID: p.target.ID})
		if err != nil || len(resets.Entries) != 1 || resets.Entries[0].ActorID != p.admin.ID || resets.Entries[0].SourceAddr != "127.0.0.1" {
			t.Fatalf("resets %+v, %v", resets, err)
		}
		var d map[string]any
		if err := json.Unmarshal(resets.Entries[0].Details, &d); err != nil || d["sessions_revoked"] == nil {
			t.Errorf("details %s: %v", resets.Entries[0].Details, err)
		}
		if _, err := c.AdminAudit(ctx, tech, api.AdminAuditQuery{}); adminAPIStatus(err) != 403 {
			t.Errorf("technician reading the log: %v", err)
		}
	})

	t.Run("no session", func(t *testing.T) {
		if _, err := c.AdminTenants(ctx, ""); adminAPIStatus(err) != 401 {
			t.Errorf("without a token: %v", err)
		}
	})
}

// adminSent is one request a fake portal saw.
type adminSent struct {
	method, path, query, auth, body string
}

// The client sends what the API documents: method, path, query, bearer
// token and body; it retries idempotent calls only.
func TestAdminClientRequests(t *testing.T) {
	var mu atomic.Pointer[[]adminSent]
	mu.Store(&[]adminSent{})
	var fail atomic.Int32 // answer 503 this many times first
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		l := append(*mu.Load(), adminSent{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), string(b)})
		mu.Store(&l)
		w.Header().Set("Content-Type", "application/json")
		if fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"code":"unavailable","message":"busy"}}`)
			return
		}
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c := newClient(t, srv, lksync.Options{Backoff: time.Millisecond})
	ctx := context.Background()
	const tok = "session-token"
	tests := []struct {
		name  string
		fails int32
		call  func() error
		want  []adminSent
	}{
		{"directory query", 0, func() error {
			_, err := c.AdminUsers(ctx, tok, api.AdminUserQuery{Query: " a&b ", Role: "admin", TenantID: 7, Offset: 100, Limit: 50})
			return err
		}, []adminSent{{"GET", "/v1/admin/users", "limit=50&offset=100&q=a%26b&role=admin&tenant=7", "Bearer " + tok, ""}}},
		{"plain directory", 0, func() error { _, err := c.AdminUsers(ctx, tok, api.AdminUserQuery{}); return err },
			[]adminSent{{"GET", "/v1/admin/users", "", "Bearer " + tok, ""}}},
		{"create user", 0, func() error {
			_, err := c.CreateAdminUser(ctx, tok, api.AdminUserCreate{Email: "a@b.c", Name: "A", Role: "admin", Password: "pw"})
			return err
		}, []adminSent{{"POST", "/v1/admin/users", "", "Bearer " + tok, `{"email":"a@b.c","name":"A","role":"admin","password":"pw"}`}}},
		{"reset", 0, func() error { _, err := c.ResetUser2FA(ctx, tok, 12); return err },
			[]adminSent{{"POST", "/v1/admin/users/12/reset-2fa", "", "Bearer " + tok, ""}}},
		{"ip verification", 0, func() error { _, err := c.SetUserIPVerification(ctx, tok, 12, false); return err },
			[]adminSent{{"PUT", "/v1/admin/users/12/ip-verification", "", "Bearer " + tok, `{"skip":false}`}}},
		{"lock", 0, func() error { _, err := c.SetUserLocked(ctx, tok, 12, true); return err },
			[]adminSent{{"PUT", "/v1/admin/users/12/lock", "", "Bearer " + tok, `{"locked":true}`}}},
		{"tenants", 0, func() error { _, err := c.AdminTenants(ctx, tok); return err },
			[]adminSent{{"GET", "/v1/admin/tenants", "", "Bearer " + tok, ""}}},
		{"child tenant", 0, func() error { _, err := c.CreateChildTenant(ctx, tok, "Acme"); return err },
			[]adminSent{{"POST", "/v1/admin/tenants", "", "Bearer " + tok, `{"name":"Acme"}`}}},
		{"policy with no list sends an empty one", 0, func() error {
			_, err := c.SetTenantPolicy(ctx, tok, 3, api.AdminTenantPolicy{Require2FA: true})
			return err
		}, []adminSent{{"PUT", "/v1/admin/tenants/3/policy", "", "Bearer " + tok, `{"require_2fa":true,"allow_email_codes":false,"sso_enforced":false,"ip_allow_list":[]}`}}},
		{"audit query", 0, func() error {
			_, err := c.AdminAudit(ctx, tok, api.AdminAuditQuery{TenantID: 3, UserID: 4, Action: "factor.reset", Before: 90, Limit: 10})
			return err
		}, []adminSent{{"GET", "/v1/admin/audit", "action=factor.reset&before=90&limit=10&tenant=3&user=4", "Bearer " + tok, ""}}},
		{"idempotent PUT is retried", 1, func() error { _, err := c.SetUserLocked(ctx, tok, 5, true); return err },
			[]adminSent{{"PUT", "/v1/admin/users/5/lock", "", "Bearer " + tok, `{"locked":true}`}, {"PUT", "/v1/admin/users/5/lock", "", "Bearer " + tok, `{"locked":true}`}}},
		{"POST is not", 1, func() error {
			_, err := c.ResetUser2FA(ctx, tok, 5)
			if adminAPIStatus(err) != 503 {
				return fmt.Errorf("want the 503, got %v", err)
			}
			return nil
		}, []adminSent{{"POST", "/v1/admin/users/5/reset-2fa", "", "Bearer " + tok, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Store(&[]adminSent{})
			fail.Store(tt.fails)
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
			if got := *mu.Load(); !slices.Equal(got, tt.want) {
				t.Errorf("sent %+v\nwant %+v", got, tt.want)
			}
		})
	}

	// Ids are checked before anything is sent.
	mu.Store(&[]adminSent{})
	for _, call := range []func() error{
		func() error { _, err := c.ResetUser2FA(ctx, tok, 0); return err },
		func() error { _, err := c.SetUserLocked(ctx, tok, -1, true); return err },
		func() error { _, err := c.SetUserIPVerification(ctx, tok, 0, true); return err },
		func() error { _, err := c.SetTenantPolicy(ctx, tok, 0, api.AdminTenantPolicy{}); return err },
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "must be positive") {
			t.Errorf("a bad id: %v", err)
		}
	}
	if n := len(*mu.Load()); n != 0 {
		t.Errorf("%d requests sent for bad ids", n)
	}
}

// The create body's String and LogValue keep the password (and the
// person's data) out of logs.
func TestAdminUserCreateRedacts(t *testing.T) {
	in := api.AdminUserCreate{Email: "ada@example.com", Name: "Ada Lovelace", Role: "admin", Password: "hunter2 hunter2"}
	for _, s := range []string{in.String(), fmt.Sprint(in), fmt.Sprintf("%v %+v %#v", in, in, in), in.LogValue().String()} {
		for _, secret := range []string{in.Password, in.Email, in.Name} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %q", s, secret)
			}
		}
		if !strings.Contains(s, "admin") {
			t.Errorf("%q does not say the role", s)
		}
	}
}
