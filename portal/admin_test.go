package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// adminPassword is every seeded user's password: the tests check it never
// reaches a log.
const adminPassword = "admin-test-password-1"

// adminEnv is a reseller tenant ("home", 2FA required) with one user of
// every role and a plain target, a customer tenant of it ("child") and an
// unrelated tenant ("other"), each with a target too.
type adminEnv struct {
	h     *Handler
	logs  *syncBuffer
	st    store.Store
	home  store.Tenant
	child store.Tenant
	other store.Tenant

	owner, admin, tech, ro, target store.User
	childUser, otherUser           store.User
	tokens                         map[int64]string
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	h, logs := newTestHandler(t, func(o *Options) { o.Store = portaltest.Store(t, o.Now) })
	e := &adminEnv{h: h, logs: logs, st: h.opts.Store, tokens: map[int64]string{}}
	e.home = seedTenant(t, h, "Reseller", 0, store.TenantPolicy{Require2FA: true})
	e.child = seedTenant(t, h, "Customer", e.home.ID, store.TenantPolicy{Require2FA: true})
	e.other = seedTenant(t, h, "Stranger", 0, store.TenantPolicy{Require2FA: true})
	e.owner = e.user(t, e.home, "owner@reseller.test", store.RoleOwner)
	e.admin = e.user(t, e.home, "admin@reseller.test", store.RoleAdmin)
	e.tech = e.user(t, e.home, "tech@reseller.test", store.RoleTechnician)
	e.ro = e.user(t, e.home, "viewer@reseller.test", store.RoleReadOnly)
	e.target = e.user(t, e.home, "target@reseller.test", store.RoleTechnician)
	e.childUser = e.user(t, e.child, "user@customer.test", store.RoleAdmin)
	e.otherUser = e.user(t, e.other, "user@stranger.test", store.RoleAdmin)
	return e
}

func (e *adminEnv) user(t *testing.T, tn store.Tenant, email string, role store.Role) store.User {
	t.Helper()
	u := seedUser(t, e.h, tn.ID, email, role, adminPassword)
	e.tokens[u.ID] = sessionFor(t, e.h, u, store.ScopeFull)
	return u
}

// call sends a JSON request as u.
func (e *adminEnv) call(t *testing.T, u store.User, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return callAPI(t, e.h, method, path, e.tokens[u.ID], body)
}

// raw sends body as is, as u.
func (e *adminEnv) raw(t *testing.T, u store.User, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.1:40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens[u.ID])
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func (e *adminEnv) audits(t *testing.T, f store.AuditFilter) []store.AuditEntry {
	t.Helper()
	f.Limit = 1000
	l, err := e.st.ListAudit(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// enrol gives u an active authenticator.
func (e *adminEnv) enrol(t *testing.T, u store.User) {
	t.Helper()
	ctx := context.Background()
	f, err := e.st.BeginTOTPEnrolment(ctx, u.ID, store.EncryptedSecret{KeyID: "test", Ciphertext: []byte("sealed")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmTOTPEnrolment(ctx, f.ID, 1); err != nil {
		t.Fatal(err)
	}
}

// adminWant fails unless w has status (and, for errors, the error shape
// with code).
func adminWant(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
	if code != "" {
		if got := adminErrorBody(t, w); got.Code != code {
			t.Fatalf("error code %q, want %q (%s)", got.Code, code, got.Message)
		}
	}
}

// adminErrorBody decodes an error answer without consuming the recorder's
// body (errorBody does), so a test can look twice.
func adminErrorBody(t *testing.T, w *httptest.ResponseRecorder) api.ErrorBody {
	t.Helper()
	var er api.ErrorResponse
	if err := json.Unmarshal(w.Body.Bytes(), &er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
		t.Fatalf("answer %d is not the error shape: %s", w.Code, w.Body.String())
	}
	return er.Error
}

func adminUserPath(id int64, action string) string { return api.AdminUserPath(id, action) }

func TestAdminDirectory(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	e.enrol(t, e.admin)
	if _, err := e.st.CreateRecoveryRequest(ctx, store.NewRecoveryRequest{UserID: e.tech.ID, Email: e.tech.Email, Phrase: "mango river candle orbit", SourceAddr: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := e.st.UpdateUser(ctx, e.target.ID, store.UserUpdate{Locked: &yes}); err != nil {
		t.Fatal(err)
	}
	emails := func(l api.AdminUserList) []string {
		var out []string
		for _, u := range l.Users {
			out = append(out, u.Email)
		}
		return out
	}
	all := []string{"admin@reseller.test", "owner@reseller.test", "target@reseller.test", "tech@reseller.test", "viewer@reseller.test"}
	tests := []struct {
		name     string
		as       store.User
		query    string
		want     []string
		total    int
		next     int
		readOnly bool
	}{
		{"everyone", e.admin, "", all, 5, 0, false},
		{"read-only user may read it", e.ro, "", all, 5, 0, false},
		{"technician may read it", e.tech, "", all, 5, 0, false},
		{"name or address substring, any case", e.admin, "?q=TARG", []string{"target@reseller.test"}, 1, 0, false},
		{"like wildcards are literal", e.admin, "?q=%25", nil, 0, 0, false},
		{"role", e.admin, "?role=technician", []string{"target@reseller.test", "tech@reseller.test"}, 2, 0, false},
		{"enrolled", e.admin, "?status=enrolled", []string{"admin@reseller.test"}, 1, 0, false},
		{"not enrolled", e.admin, "?status=not_enrolled", []string{"owner@reseller.test", "target@reseller.test", "tech@reseller.test", "viewer@reseller.test"}, 4, 0, false},
		{"recovery pending", e.admin, "?status=recovery_pending", []string{"tech@reseller.test"}, 1, 0, false},
		{"locked", e.admin, "?status=locked", []string{"target@reseller.test"}, 1, 0, false},
		{"first page", e.admin, "?limit=2", all[:2], 5, 2, false},
		{"middle page", e.admin, "?limit=2&offset=2", all[2:4], 5, 4, false},
		{"last page", e.admin, "?limit=2&offset=4", all[4:], 5, 0, false},
		{"past the end", e.admin, "?offset=10", nil, 5, 0, false},
		{"own tenant by id", e.admin, "?tenant=" + strconv.FormatInt(e.home.ID, 10), all, 5, 0, false},
		{"child tenant, read-only", e.admin, "?tenant=" + strconv.FormatInt(e.child.ID, 10), []string{"user@customer.test"}, 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.call(t, tt.as, "GET", api.PathAdminUsers+tt.query, nil)
			adminWant(t, w, http.StatusOK, "")
			var got api.AdminUserList
			decodeAnswer(t, w, &got)
			if !slices.Equal(emails(got), tt.want) || got.Total != tt.total || got.NextOffset != tt.next || got.ReadOnly != tt.readOnly {
				t.Errorf("got %v total %d next %d read-only %v, want %v total %d next %d read-only %v",
					emails(got), got.Total, got.NextOffset, got.ReadOnly, tt.want, tt.total, tt.next, tt.readOnly)
			}
			if got.Users == nil {
				t.Error("users is null, want a list")
			}
		})
	}

	t.Run("rows", func(t *testing.T) {
		var got api.AdminUserList
		decodeAnswer(t, e.call(t, e.admin, "GET", api.PathAdminUsers, nil), &got)
		rows := map[string]api.AdminUser{}
		for _, u := range got.Users {
			rows[u.Email] = u
		}
		if a := rows["admin@reseller.test"]; !a.Enrolled || a.Role != "admin" || a.TenantID != e.home.ID || !a.EmailVerified || a.ID != e.admin.ID {
			t.Errorf("admin row %+v", a)
		}
		if r := rows["tech@reseller.test"]; !r.RecoveryPending || r.Enrolled {
			t.Errorf("technician row %+v", r)
		}
		if r := rows["target@reseller.test"]; !r.Locked {
			t.Errorf("target row %+v", r)
		}
		if r := rows["viewer@reseller.test"]; r.Locked || r.Enrolled || r.RecoveryPending || r.SkipIPVerification {
			t.Errorf("viewer row %+v", r)
		}
		// What the admin may do, and why not, row by row.
		for _, c := range []struct {
			email, action string
			allowed       bool
			reason        string
		}{
			{"target@reseller.test", api.AdminActionReset2FA, true, ""},
			{"target@reseller.test", api.AdminActionLock, true, ""},
			{"target@reseller.test", api.AdminActionSetIPSkip, true, ""},
			{"target@reseller.test", api.AdminActionIssueLink, true, ""},
			{"owner@reseller.test", api.AdminActionReset2FA, false, "only an owner"},
			{"owner@reseller.test", api.AdminActionLock, false, "only an owner"},
			{"admin@reseller.test", api.AdminActionReset2FA, false, "their own account"},
			{"admin@reseller.test", api.AdminActionSetIPSkip, false, "their own account"},
		} {
			row := rows[c.email]
			i := slices.IndexFunc(row.Actions, func(a api.AdminAction) bool { return a.Action == c.action })
			if i < 0 {
				t.Errorf("%s: no %s action in %+v", c.email, c.action, row.Actions)
				continue
			}
			a := row.Actions[i]
			if a.Allowed != c.allowed || !strings.Contains(a.Reason, c.reason) || (c.allowed && a.Reason != "") {
				t.Errorf("%s %s: %+v, want allowed=%v reason ~%q", c.email, c.action, a, c.allowed, c.reason)
			}
		}
	})

	t.Run("child rows offer nothing", func(t *testing.T) {
		var got api.AdminUserList
		decodeAnswer(t, e.call(t, e.owner, "GET", api.PathAdminUsers+"?tenant="+strconv.FormatInt(e.child.ID, 10), nil), &got)
		for _, u := range got.Users {
			for _, a := range u.Actions {
				if a.Allowed || !strings.Contains(a.Reason, "reseller") {
					t.Errorf("child row %s offers %+v", u.Email, a)
				}
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		tenant := func(id int64) string { return api.PathAdminUsers + "?tenant=" + strconv.FormatInt(id, 10) }
		for _, c := range []struct {
			name, query string
			status      int
			code        string
		}{
			{"other tenant is hidden", tenant(e.other.ID), 404, api.CodeNotFound},
			{"missing tenant", tenant(999999), 404, api.CodeNotFound},
			{"unknown role", "?role=root", 400, api.CodeInvalid},
			{"unknown status", "?status=asleep", 400, api.CodeInvalid},
			{"zero limit", "?limit=0", 400, api.CodeInvalid},
			{"huge limit", "?limit=501", 400, api.CodeInvalid},
			{"negative offset", "?offset=-1", 400, api.CodeInvalid},
			{"tenant not a number", "?tenant=abc", 400, api.CodeInvalid},
			{"unknown parameter", "?sort=name", 400, api.CodeInvalid},
			{"repeated parameter", "?role=admin&role=owner", 400, api.CodeInvalid},
			{"control character", "?q=a%00b", 400, api.CodeInvalid},
			{"malformed escape", "?q=%zz", 400, api.CodeBadRequest},
		} {
			t.Run(c.name, func(t *testing.T) {
				path := c.query
				if strings.HasPrefix(path, "?") {
					path = api.PathAdminUsers + path
				}
				adminWant(t, e.call(t, e.admin, "GET", path, nil), c.status, c.code)
			})
		}
		// A hidden tenant and a missing one answer alike.
		a := e.call(t, e.owner, "GET", tenant(e.other.ID), nil).Body.String()
		b := e.call(t, e.owner, "GET", tenant(999999), nil).Body.String()
		if a != b {
			t.Errorf("hidden tenant %s, missing tenant %s", a, b)
		}
	})
}

func TestAdminCreateUser(t *testing.T) {
	e := newAdminEnv(t)
	loose := seedTenant(t, e.h, "No 2FA", 0, store.TenantPolicy{SSOEnforced: true})
	looseOwner := e.user(t, loose, "owner@loose.test", store.RoleOwner)
	const pw = "initial-Pa55word"
	body := func(email, role, password string) api.AdminUserCreate {
		return api.AdminUserCreate{Email: email, Name: "New Person", Role: role, Password: password}
	}
	tests := []struct {
		name   string
		as     store.User
		body   any
		status int
		code   string
	}{
		{"admin adds a technician", e.admin, body("new.tech@reseller.test", "technician", pw), 201, ""},
		{"admin adds an admin", e.admin, body("new.admin@reseller.test", "admin", pw), 201, ""},
		{"owner adds an owner", e.owner, body("new.owner@reseller.test", "owner", pw), 201, ""},
		{"eight characters where 2FA is required", e.owner, body("short.ok@reseller.test", "read_only", "8chars!!"), 201, ""},
		{"admin may not add an owner", e.admin, body("x1@reseller.test", "owner", pw), 403, api.CodeForbidden},
		{"technician may not add users", e.tech, body("x2@reseller.test", "read_only", pw), 403, api.CodeForbidden},
		{"read-only may not add users", e.ro, body("x3@reseller.test", "read_only", pw), 403, api.CodeForbidden},
		{"duplicate address, other case", e.admin, body("TARGET@reseller.test", "technician", pw), 409, api.CodeConflict},
		{"duplicate address in another tenant", e.admin, body("user@stranger.test", "technician", pw), 409, api.CodeConflict},
		{"unknown role", e.admin, body("x4@reseller.test", "root", pw), 400, api.CodeInvalid},
		{"no address", e.admin, body("", "technician", pw), 400, api.CodeInvalid},
		{"not an address", e.admin, body("not-an-address", "technician", pw), 400, api.CodeInvalid},
		{"no name", e.admin, api.AdminUserCreate{Email: "x5@reseller.test", Name: "  ", Role: "technician", Password: pw}, 400, api.CodeInvalid},
		{"bidi override in the name", e.admin, api.AdminUserCreate{Email: "x6@reseller.test", Name: "evil\u202egnp.exe", Role: "technician", Password: pw}, 400, api.CodeInvalid},
		{"no password", e.admin, body("x7@reseller.test", "technician", ""), 400, api.CodeInvalid},
		{"short password", e.admin, body("x8@reseller.test", "technician", "7chars!"), 422, api.CodeInvalid},
		{"password alone must be long", looseOwner, body("x9@loose.test", "technician", "twelve-chars"), 422, api.CodeInvalid},
		{"long password alone", looseOwner, body("x10@loose.test", "technician", "fifteen-chars-ok"), 201, ""},
		{"unknown member", e.admin, map[string]string{"email": "x11@reseller.test", "name": "N", "role": "admin", "password": pw, "tenant": "1"}, 400, api.CodeUnknownField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.audits(t, store.AuditFilter{Action: auditUserCreated}))
			w := e.call(t, tt.as, "POST", api.PathAdminUsers, tt.body)
			adminWant(t, w, tt.status, tt.code)
			after := e.audits(t, store.AuditFilter{Action: auditUserCreated})
			if tt.status != 201 {
				if len(after) != before {
					t.Errorf("a refused creation was audited")
				}
				return
			}
			var got api.AdminUserAnswer
			decodeAnswer(t, w, &got)
			in := tt.body.(api.AdminUserCreate)
			u, err := e.st.GetUser(context.Background(), got.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Email != in.Email || string(u.Role) != in.Role || u.TenantID != tt.as.TenantID || !u.EmailVerifiedAt.IsZero() || u.Locked || !u.PasswordSetByAdmin {
				t.Errorf("stored %+v", u)
			}
			if got.User.EmailVerified || got.User.Enrolled || got.User.Email != in.Email || got.User.Role != in.Role {
				t.Errorf("answer %+v", got.User)
			}
			if ok, err := e.h.opts.Passwords.Verify(context.Background(), in.Password, u.PasswordHash); err != nil || !ok {
				t.Errorf("the initial password does not verify: %v", err)
			}
			if len(after) != before+1 {
				t.Fatalf("%d new audit entries, want 1", len(after)-before)
			}
			a := after[0]
			if a.ActorID != tt.as.ID || a.TargetUserID != u.ID || a.TenantID != u.TenantID || a.SourceAddr != "192.0.2.1" || !strings.Contains(string(a.Details), in.Role) {
				t.Errorf("audit %+v", a)
			}
			if strings.Contains(string(a.Details), in.Password) {
				t.Error("the audit entry holds the password")
			}
		})
	}

	t.Run("malformed bodies", func(t *testing.T) {
		for _, c := range []struct {
			name, ct, body string
			status         int
		}{
			{"bad JSON", "application/json", `{"email":`, 400},
			{"not an object", "application/json", `["a"]`, 400},
			{"trailing data", "application/json", `{"email":"a@b.c","name":"n","role":"admin","password":"longenough1"} {}`, 400},
			{"form body", "application/x-www-form-urlencoded", "email=a@b.c", 415},
			{"wrong type", "application/json", `{"email":"a@b.c","name":"n","role":"admin","password":12345678}`, 400},
		} {
			t.Run(c.name, func(t *testing.T) {
				adminWant(t, e.raw(t, e.admin, "POST", api.PathAdminUsers, c.ct, c.body), c.status, "")
			})
		}
	})

	t.Run("no secrets in logs", func(t *testing.T) {
		logs := e.logs.String()
		for _, s := range []string{pw, "8chars!!", "fifteen-chars-ok", "7chars!", adminPassword} {
			if strings.Contains(logs, s) {
				t.Errorf("the log holds a password %q", s)
			}
		}
		for id, tok := range e.tokens {
			if strings.Contains(logs, tok) {
				t.Errorf("the log holds user %d's session token", id)
			}
		}
	})
}

// resetFixture gives u everything a reset must take away, and returns the
// recovery code, the link token and the session token.
func resetFixture(t *testing.T, e *adminEnv, u store.User) (recoveryCode string, link auth.Token, session string) {
	t.Helper()
	ctx := context.Background()
	e.enrol(t, u)
	uid := strconv.FormatInt(u.ID, 10)
	var hashes []string
	for _, c := range auth.NewBackupCodes() {
		cc, err := auth.CanonicalBackupCode(c)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, e.h.opts.Keyring.CodeHash(auth.KindBackupCode, uid, cc))
	}
	if err := e.st.ReplaceBackupCodes(ctx, u.ID, hashes); err != nil {
		t.Fatal(err)
	}
	recoveryCode, err := auth.CanonicalRecoveryCode(auth.NewRecoveryCode())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetRecoveryCode(ctx, u.ID, e.h.opts.Keyring.CodeHash(auth.KindRecoveryCode, uid, recoveryCode)); err != nil {
		t.Fatal(err)
	}
	link = auth.NewToken()
	if _, err := e.st.IssueRecoveryLink(ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA,
		TokenHash: store.TokenHash(link.Hash()), IssuedBy: e.owner.ID, ExpiresAt: e.h.now().Add(DefaultLinkTTL)}); err != nil {
		t.Fatal(err)
	}
	return recoveryCode, link, e.tokens[u.ID]
}

func TestAdminReset2FA(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	code, link, session := resetFixture(t, e, e.target)

	w := e.call(t, e.admin, "POST", adminUserPath(e.target.ID, api.AdminUserReset2FA), nil)
	adminWant(t, w, http.StatusOK, "")
	var got api.AdminUserAnswer
	decodeAnswer(t, w, &got)
	if got.User.ID != e.target.ID || got.User.Enrolled {
		t.Errorf("answer %+v", got.User)
	}

	if _, err := e.st.ActiveTOTPFactor(ctx, e.target.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("active factor after reset: %v", err)
	}
	if codes, err := e.st.ListBackupCodes(ctx, e.target.ID); err != nil || len(codes) != 0 {
		t.Errorf("backup codes after reset: %d, %v", len(codes), err)
	}
	rc, err := e.st.GetRecoveryCode(ctx, e.target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.h.opts.Keyring.MatchCode(auth.KindRecoveryCode, strconv.FormatInt(e.target.ID, 10), code, []string{rc.Hash}); ok {
		t.Error("the old recovery code still matches")
	}
	if _, err := e.st.RedeemRecoveryLink(ctx, store.LinkReenrol2FA, store.TokenHash(link.Hash())); !errors.Is(err, store.ErrRevoked) {
		t.Errorf("redeeming the old link: %v, want revoked", err)
	}
	adminWant(t, callAPI(t, e.h, "GET", api.PathAdminUsers, session, nil), http.StatusUnauthorized, api.CodeUnauthenticated)

	entries := e.audits(t, store.AuditFilter{Action: auditFactorReset})
	if len(entries) != 1 {
		t.Fatalf("%d factor.reset entries", len(entries))
	}
	a := entries[0]
	var d struct {
		Factors  int64 `json:"factors_disabled"`
		Links    int64 `json:"links_revoked"`
		Sessions int64 `json:"sessions_revoked"`
	}
	if err := json.Unmarshal(a.Details, &d); err != nil {
		t.Fatal(err)
	}
	if a.ActorID != e.admin.ID || a.TargetUserID != e.target.ID || a.TenantID != e.home.ID || a.SourceAddr != "192.0.2.1" ||
		d.Factors != 1 || d.Links != 1 || d.Sessions != 1 {
		t.Errorf("audit %+v details %+v", a, d)
	}
	msg, ok := outbox(t, e.h).Last(e.target.Email, "two-factor authentication changed")
	if !ok || !strings.Contains(msg.Text, "reset by an admin") {
		t.Errorf("notice %+v sent=%v", msg, ok)
	}
	logs := e.logs.String()
	if strings.Contains(logs, code) || strings.Contains(logs, link.Encode()) || strings.Contains(logs, session) {
		t.Error("the log holds a code, link or session token")
	}

	t.Run("refused", func(t *testing.T) {
		e.enrol(t, e.admin)
		before := len(outbox(t, e.h).Messages())
		for _, c := range []struct {
			name   string
			as     store.User
			target int64
			status int
		}{
			{"own account", e.admin, e.admin.ID, 403},
			{"an owner, by an admin", e.admin, e.owner.ID, 403},
			{"technician", e.tech, e.target.ID, 403},
			{"read-only", e.ro, e.target.ID, 403},
			{"a customer's user, by the reseller's owner", e.owner, e.childUser.ID, 403},
			{"another tenant's user", e.owner, e.otherUser.ID, 404},
			{"missing user", e.owner, 999999, 404},
		} {
			t.Run(c.name, func(t *testing.T) {
				adminWant(t, e.call(t, c.as, "POST", adminUserPath(c.target, api.AdminUserReset2FA), nil), c.status, "")
			})
		}
		for _, bad := range []string{"abc", "0", "-1", "99999999999999999999"} {
			adminWant(t, e.call(t, e.owner, "POST", "/v1/admin/users/"+bad+"/reset-2fa", nil), 404, api.CodeNotFound)
		}
		hidden := e.call(t, e.owner, "POST", adminUserPath(e.otherUser.ID, api.AdminUserReset2FA), nil).Body.String()
		missing := e.call(t, e.owner, "POST", adminUserPath(999999, api.AdminUserReset2FA), nil).Body.String()
		if hidden != missing {
			t.Errorf("hidden user %s, missing user %s", hidden, missing)
		}
		if n := len(outbox(t, e.h).Messages()); n != before {
			t.Errorf("%d notices sent for refused resets", n-before)
		}
		if n := len(e.audits(t, store.AuditFilter{Action: auditFactorReset})); n != 1 {
			t.Errorf("%d factor.reset entries after refusals", n)
		}
		if _, err := e.st.ActiveTOTPFactor(ctx, e.admin.ID); err != nil {
			t.Errorf("the admin's own factor went: %v", err)
		}
	})

	t.Run("owner resets an owner", func(t *testing.T) {
		second := e.user(t, e.home, "owner2@reseller.test", store.RoleOwner)
		e.enrol(t, second)
		adminWant(t, e.call(t, e.owner, "POST", adminUserPath(second.ID, api.AdminUserReset2FA), nil), 200, "")
		if _, err := e.st.ActiveTOTPFactor(ctx, second.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("factor after reset: %v", err)
		}
	})
}

func TestAdminIPVerificationAndLock(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	ip := adminUserPath(e.target.ID, api.AdminUserIPVerification)
	lock := adminUserPath(e.target.ID, api.AdminUserLock)
	tests := []struct {
		name      string
		as        store.User
		path      string
		body      string
		status    int
		code      string
		audit     string // the action of the entry the call must add, "" none
		skip      bool   // the stored state afterwards
		locked    bool
		sessionOK bool // the target's session still works
	}{
		{"skip on", e.admin, ip, `{"skip":true}`, 200, "", auditIPVerification, true, false, true},
		{"skip on again changes nothing", e.admin, ip, `{"skip":true}`, 200, "", "", true, false, true},
		{"skip off", e.owner, ip, `{"skip":false}`, 200, "", auditIPVerification, false, false, true},
		{"skip missing", e.admin, ip, `{}`, 400, api.CodeInvalid, "", false, false, true},
		{"skip not a bool", e.admin, ip, `{"skip":"yes"}`, 400, api.CodeInvalid, "", false, false, true},
		{"skip unknown member", e.admin, ip, `{"skip":true,"why":"x"}`, 400, api.CodeUnknownField, "", false, false, true},
		{"skip bad JSON", e.admin, ip, `{"skip":tru`, 400, api.CodeBadRequest, "", false, false, true},
		{"skip by technician", e.tech, ip, `{"skip":true}`, 403, api.CodeForbidden, "", false, false, true},
		{"skip of own account", e.admin, adminUserPath(e.admin.ID, api.AdminUserIPVerification), `{"skip":true}`, 403, api.CodeForbidden, "", false, false, true},
		{"lock missing member", e.admin, lock, `{"lock":true}`, 400, api.CodeUnknownField, "", false, false, true},
		{"lock by read-only", e.ro, lock, `{"locked":true}`, 403, api.CodeForbidden, "", false, false, true},
		{"lock", e.admin, lock, `{"locked":true}`, 200, "", auditUserLocked, false, true, false},
		{"lock again changes nothing", e.admin, lock, `{"locked":true}`, 200, "", "", false, true, false},
		{"unlock", e.admin, lock, `{"locked":false}`, 200, "", auditUserUnlocked, false, false, false},
		{"lock oneself", e.admin, adminUserPath(e.admin.ID, api.AdminUserLock), `{"locked":true}`, 403, api.CodeForbidden, "", false, false, false},
		{"lock an owner as admin", e.admin, adminUserPath(e.owner.ID, api.AdminUserLock), `{"locked":true}`, 403, api.CodeForbidden, "", false, false, false},
		{"lock another tenant's user", e.owner, adminUserPath(e.otherUser.ID, api.AdminUserLock), `{"locked":true}`, 404, api.CodeNotFound, "", false, false, false},
		{"lock a customer's user", e.owner, adminUserPath(e.childUser.ID, api.AdminUserLock), `{"locked":true}`, 403, api.CodeForbidden, "", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.audits(t, store.AuditFilter{TargetUserID: e.target.ID})
			mails := len(outbox(t, e.h).To(e.target.Email))
			w := e.raw(t, tt.as, "PUT", tt.path, "application/json", tt.body)
			adminWant(t, w, tt.status, tt.code)
			// A change of IP verification is a change to the user's sign-in
			// security: they hear of it.
			if wantMail := tt.audit == auditIPVerification; (len(outbox(t, e.h).To(e.target.Email)) > mails) != wantMail {
				t.Errorf("notice e-mailed: %v, want %v", !wantMail, wantMail)
			}
			after := e.audits(t, store.AuditFilter{TargetUserID: e.target.ID})
			switch {
			case tt.audit == "" && len(after) != len(before):
				t.Errorf("audited %q, want nothing", after[0].Action)
			case tt.audit != "" && (len(after) != len(before)+1 || after[0].Action != tt.audit || after[0].ActorID != tt.as.ID || after[0].TenantID != e.home.ID):
				t.Errorf("audit %+v, want one %q", after, tt.audit)
			}
			u, err := e.st.GetUser(ctx, e.target.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.SkipIPVerification != tt.skip || u.Locked != tt.locked {
				t.Errorf("stored skip=%v locked=%v, want %v %v", u.SkipIPVerification, u.Locked, tt.skip, tt.locked)
			}
			if tt.status == 200 {
				var got api.AdminUserAnswer
				decodeAnswer(t, w, &got)
				if got.User.SkipIPVerification != tt.skip || got.User.Locked != tt.locked {
					t.Errorf("answer %+v", got.User)
				}
			}
			ok := callAPI(t, e.h, "GET", api.PathAdminUsers, e.tokens[e.target.ID], nil).Code == 200
			if ok != tt.sessionOK {
				t.Errorf("target's session works: %v, want %v", ok, tt.sessionOK)
			}
		})
	}
	entries := e.audits(t, store.AuditFilter{Action: auditIPVerification})
	if len(entries) != 2 || string(entries[1].Details) != `{"old_skip":false,"new_skip":true}` || string(entries[0].Details) != `{"old_skip":true,"new_skip":false}` {
		t.Errorf("ip verification entries %+v", entries)
	}
}

func TestAdminTenants(t *testing.T) {
	e := newAdminEnv(t)
	t.Run("list", func(t *testing.T) {
		for _, c := range []struct {
			as     store.User
			manage bool
			audit  bool
			users  bool // may add users to the child tenant
		}{
			{e.owner, true, true, true},
			{e.admin, false, true, true},
			{e.tech, false, false, false},
			{e.ro, false, false, false},
		} {
			w := e.call(t, c.as, "GET", api.PathAdminTenants, nil)
			adminWant(t, w, 200, "")
			var got api.AdminTenantList
			decodeAnswer(t, w, &got)
			if len(got.Tenants) != 2 {
				t.Fatalf("%s sees %d tenants", c.as.Role, len(got.Tenants))
			}
			own, child := got.Tenants[0], got.Tenants[1]
			if own.ID != e.home.ID || own.Relation != "own" || child.ID != e.child.ID || child.Relation != "child" || child.ParentID != e.home.ID {
				t.Errorf("tenants %+v", got.Tenants)
			}
			if own.Allowed(api.AdminActionManageTenant) != c.manage || own.Allowed(api.AdminActionViewAudit) != c.audit || !own.Allowed(api.AdminActionViewDirectory) {
				t.Errorf("%s: own tenant actions %+v", c.as.Role, own.Actions)
			}
			if !child.Allowed(api.AdminActionViewDirectory) || child.Allowed(api.AdminActionManageTenant) || child.Allowed(api.AdminActionViewAudit) != c.audit || child.Allowed(api.AdminActionManageUsers) != c.users {
				t.Errorf("%s: child tenant actions %+v", c.as.Role, child.Actions)
			}
			if !own.Policy.Require2FA || own.Policy.IPAllowList == nil {
				t.Errorf("own policy %+v", own.Policy)
			}
		}
		// The customer's owner sees the customer only: its reseller is
		// not theirs to see.
		var got api.AdminTenantList
		decodeAnswer(t, e.call(t, e.childUser, "GET", api.PathAdminTenants, nil), &got)
		if len(got.Tenants) != 1 || got.Tenants[0].ID != e.child.ID {
			t.Errorf("customer sees %+v", got.Tenants)
		}
	})

	t.Run("create", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			as     store.User
			body   string
			status int
			code   string
		}{
			{"owner", e.owner, `{"name":"  Acme Ltd  "}`, 201, ""},
			{"admin", e.admin, `{"name":"Acme 2"}`, 403, api.CodeForbidden},
			{"technician", e.tech, `{"name":"Acme 3"}`, 403, api.CodeForbidden},
			{"empty name", e.owner, `{"name":" "}`, 400, api.CodeInvalid},
			{"no name", e.owner, `{}`, 400, api.CodeInvalid},
			{"long name", e.owner, `{"name":"` + strings.Repeat("n", api.MaxAdminNameRunes+1) + `"}`, 400, api.CodeInvalid},
			{"unknown member", e.owner, `{"name":"x","parent_id":1}`, 400, api.CodeUnknownField},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := len(e.audits(t, store.AuditFilter{Action: auditTenantCreated}))
				w := e.raw(t, c.as, "POST", api.PathAdminTenants, "application/json", c.body)
				adminWant(t, w, c.status, c.code)
				after := e.audits(t, store.AuditFilter{Action: auditTenantCreated})
				if c.status != 201 {
					if len(after) != before {
						t.Error("a refused creation was audited")
					}
					return
				}
				var got api.AdminTenantAnswer
				decodeAnswer(t, w, &got)
				tn, err := e.st.GetTenant(context.Background(), got.Tenant.ID)
				if err != nil {
					t.Fatal(err)
				}
				if tn.Name != "Acme Ltd" || tn.ParentID != e.home.ID || !tn.Policy.Require2FA || got.Tenant.Relation != "child" {
					t.Errorf("created %+v, answered %+v", tn, got.Tenant)
				}
				if len(after) != before+1 || after[0].ActorID != c.as.ID || after[0].TenantID != e.home.ID ||
					string(after[0].Details) != fmt.Sprintf(`{"tenant_id":%d,"name":"Acme Ltd"}`, tn.ID) {
					t.Errorf("audit %+v", after)
				}
			})
		}
	})
}

func TestAdminTenantPolicy(t *testing.T) {
	e := newAdminEnv(t)
	own := api.AdminTenantPolicyPath(e.home.ID)
	type pol = api.AdminTenantPolicy
	tests := []struct {
		name   string
		as     store.User
		path   string
		body   any
		status int
		code   string
		msg    string // a substring of the error message
		want   *store.TenantPolicy
	}{
		{"allow e-mail codes", e.owner, own, pol{Require2FA: true, AllowEmailCodes: true, IPAllowList: []string{}}, 200, "", "",
			&store.TenantPolicy{Require2FA: true, AllowEmailCodes: true}},
		{"2FA off without SSO", e.owner, own, pol{IPAllowList: []string{}}, 422, api.CodeInvalid, "SSO", nil},
		{"2FA off with SSO", e.owner, own, pol{SSOEnforced: true, IPAllowList: []string{}}, 200, "", "",
			&store.TenantPolicy{SSOEnforced: true}},
		{"not a prefix", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"192.0.2.0/24", "10.0.0.0/33"}}, 422, api.CodeInvalid, `entry 2 ("10.0.0.0/33")`, nil},
		{"an address, not a prefix", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"192.0.2.1"}}, 422, api.CodeInvalid, "entry 1", nil},
		{"bits past the length", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"192.0.2.1/24"}}, 422, api.CodeInvalid, "192.0.2.0/24", nil},
		{"repeated entry", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"192.0.2.0/24", "192.0.2.0/24"}}, 422, api.CodeInvalid, "repeats", nil},
		{"mapped prefix", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"::ffff:192.0.2.0/120"}}, 422, api.CodeInvalid, "IPv4", nil},
		{"too many entries", e.owner, own, pol{Require2FA: true, IPAllowList: adminManyPrefixes(api.MaxAllowListEntries + 1)}, 422, api.CodeInvalid, "at most", nil},
		{"self lock-out", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"198.51.100.0/24", "2001:db8::/32"}}, 422, api.CodeInvalid, "192.0.2.1", nil},
		{"allow list with the caller's address", e.owner, own, pol{Require2FA: true, IPAllowList: []string{"198.51.100.0/24", "192.0.2.0/24"}}, 200, "", "",
			&store.TenantPolicy{Require2FA: true, IPAllowList: adminPrefixes("198.51.100.0/24", "192.0.2.0/24")}},
		{"missing member", e.owner, own, map[string]any{"require_2fa": true, "allow_email_codes": false, "sso_enforced": false}, 400, api.CodeInvalid, "ip_allow_list", nil},
		{"null list is missing", e.owner, own, map[string]any{"require_2fa": true, "allow_email_codes": false, "sso_enforced": false, "ip_allow_list": nil}, 400, api.CodeInvalid, "ip_allow_list", nil},
		{"unknown member", e.owner, own, map[string]any{"require_2fa": true, "allow_email_codes": false, "sso_enforced": false, "ip_allow_list": []string{}, "mfa": 1}, 400, api.CodeUnknownField, "", nil},
		{"admin", e.admin, own, pol{Require2FA: true, IPAllowList: []string{}}, 403, api.CodeForbidden, "", nil},
		{"a customer's policy, by the reseller's owner", e.owner, api.AdminTenantPolicyPath(e.child.ID), pol{Require2FA: true, IPAllowList: []string{}}, 403, api.CodeForbidden, "reseller", nil},
		{"another tenant's policy", e.owner, api.AdminTenantPolicyPath(e.other.ID), pol{Require2FA: true, IPAllowList: []string{}}, 404, api.CodeNotFound, "", nil},
		{"missing tenant", e.owner, api.AdminTenantPolicyPath(999999), pol{Require2FA: true, IPAllowList: []string{}}, 404, api.CodeNotFound, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			before, err := e.st.GetTenant(ctx, e.home.ID)
			if err != nil {
				t.Fatal(err)
			}
			audits := len(e.audits(t, store.AuditFilter{Action: auditTenantPolicySet}))
			w := e.call(t, tt.as, "PUT", tt.path, tt.body)
			adminWant(t, w, tt.status, tt.code)
			if tt.msg != "" {
				if m := adminErrorBody(t, w).Message; !strings.Contains(m, tt.msg) {
					t.Errorf("message %q does not name %q", m, tt.msg)
				}
			}
			after, err := e.st.GetTenant(ctx, e.home.ID)
			if err != nil {
				t.Fatal(err)
			}
			entries := e.audits(t, store.AuditFilter{Action: auditTenantPolicySet})
			if tt.want == nil {
				if !adminSamePolicy(before.Policy, after.Policy) || len(entries) != audits {
					t.Errorf("a refused change took effect: %+v → %+v", before.Policy, after.Policy)
				}
				return
			}
			if !adminSamePolicy(after.Policy, *tt.want) {
				t.Errorf("stored %+v, want %+v", after.Policy, *tt.want)
			}
			var got api.AdminTenantAnswer
			decodeAnswer(t, w, &got)
			if got.Tenant.ID != e.home.ID || !slices.Equal(got.Tenant.Policy.IPAllowList, adminWirePolicy(*tt.want).IPAllowList) {
				t.Errorf("answer %+v", got.Tenant)
			}
			if len(entries) != audits+1 {
				t.Fatalf("%d new policy entries, want 1", len(entries)-audits)
			}
			var d struct{ Old, New api.AdminTenantPolicy }
			if err := json.Unmarshal(entries[0].Details, &d); err != nil {
				t.Fatal(err)
			}
			if d.Old.Require2FA != before.Policy.Require2FA || d.New.Require2FA != tt.want.Require2FA ||
				!slices.Equal(d.New.IPAllowList, adminWirePolicy(*tt.want).IPAllowList) || entries[0].ActorID != tt.as.ID ||
				entries[0].TenantID != e.home.ID || entries[0].SourceAddr != "192.0.2.1" {
				t.Errorf("audit %+v", entries[0])
			}
		})
	}

	t.Run("unchanged policy is not audited", func(t *testing.T) {
		n := len(e.audits(t, store.AuditFilter{Action: auditTenantPolicySet}))
		body := pol{Require2FA: true, IPAllowList: []string{"198.51.100.0/24", "192.0.2.0/24"}}
		adminWant(t, e.call(t, e.owner, "PUT", own, body), 200, "")
		if m := len(e.audits(t, store.AuditFilter{Action: auditTenantPolicySet})); m != n {
			t.Errorf("%d entries for no change", m-n)
		}
	})

	t.Run("the allow list takes effect", func(t *testing.T) {
		req := httptest.NewRequest("GET", api.PathAdminUsers, nil)
		req.RemoteAddr = "203.0.113.5:5000"
		req.Header.Set("Authorization", "Bearer "+e.tokens[e.owner.ID])
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		adminWant(t, w, http.StatusForbidden, api.CodeForbidden)
	})
}

func adminPrefixes(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func adminManyPrefixes(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))
	}
	return out
}

func TestAdminAudit(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 7 {
		target := e.target.ID
		action := "test.even"
		if i%2 == 1 {
			target, action = e.tech.ID, "test.odd"
		}
		a, err := e.st.AppendAudit(ctx, store.AuditEntry{ActorID: e.owner.ID, Action: action, TargetUserID: target, TenantID: e.home.ID, SourceAddr: "192.0.2.7"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if _, err := e.st.AppendAudit(ctx, store.AuditEntry{Action: "test.even", TenantID: e.other.ID}); err != nil {
		t.Fatal(err)
	}
	childEntry, err := e.st.AppendAudit(ctx, store.AuditEntry{Action: "test.child", TenantID: e.child.ID})
	if err != nil {
		t.Fatal(err)
	}
	list := func(as store.User, query string) (api.AdminAuditPage, *httptest.ResponseRecorder) {
		w := e.call(t, as, "GET", api.PathAdminAudit+query, nil)
		var p api.AdminAuditPage
		if w.Code == 200 {
			decodeAnswer(t, w, &p)
		}
		return p, w
	}
	got := func(p api.AdminAuditPage) []int64 {
		var out []int64
		for _, e := range p.Entries {
			out = append(out, e.ID)
		}
		return out
	}
	rev := slices.Clone(ids)
	slices.Reverse(rev)

	tests := []struct {
		name  string
		query string
		want  []int64
		next  int64
	}{
		{"newest first", "", rev, 0},
		{"first page", "?limit=3", rev[:3], rev[2]},
		{"second page", fmt.Sprintf("?limit=3&before=%d", rev[2]), rev[3:6], rev[5]},
		{"last page", fmt.Sprintf("?limit=3&before=%d", rev[5]), rev[6:], 0},
		{"exact last page has no next", "?limit=7", rev, 0},
		{"about one user", fmt.Sprintf("?user=%d", e.tech.ID), []int64{ids[5], ids[3], ids[1]}, 0},
		{"one action", "?action=test.even&limit=2", []int64{ids[6], ids[4]}, ids[4]},
		{"own tenant by id", fmt.Sprintf("?tenant=%d&action=test.odd", e.home.ID), []int64{ids[5], ids[3], ids[1]}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, w := list(e.admin, tt.query)
			adminWant(t, w, 200, "")
			if !slices.Equal(got(p), tt.want) || p.NextBefore != tt.next {
				t.Errorf("ids %v next %d, want %v next %d", got(p), p.NextBefore, tt.want, tt.next)
			}
		})
	}
	p, _ := list(e.owner, "?limit=1")
	if x := p.Entries[0]; x.ActorID != e.owner.ID || x.TargetUserID != e.target.ID || x.TenantID != e.home.ID || x.SourceAddr != "192.0.2.7" || string(x.Details) != "{}" || x.At.IsZero() {
		t.Errorf("entry %+v", x)
	}

	for _, c := range []struct {
		name   string
		as     store.User
		query  string
		status int
	}{
		{"technician", e.tech, "", 403},
		{"read-only", e.ro, "", 403},
		{"customer's log, by the reseller's owner", e.owner, fmt.Sprintf("?tenant=%d", e.child.ID), 200},
		{"customer's log, by the reseller's admin", e.admin, fmt.Sprintf("?tenant=%d", e.child.ID), 200},
		{"customer's log, by the reseller's technician", e.tech, fmt.Sprintf("?tenant=%d", e.child.ID), 403},
		{"another tenant's log", e.owner, fmt.Sprintf("?tenant=%d", e.other.ID), 404},
		{"missing tenant", e.owner, "?tenant=999999", 404},
		{"zero before", e.owner, "?before=0", 400},
		{"huge limit", e.owner, "?limit=501", 400},
		{"odd action", e.owner, "?action=DROP%20TABLE", 400},
		{"unknown parameter", e.owner, "?since=yesterday", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, w := list(c.as, c.query)
			adminWant(t, w, c.status, "")
			if c.status == 200 && (len(p.Entries) != 1 || p.Entries[0].ID != childEntry.ID) {
				t.Errorf("the customer's log: %+v, want its one entry", p.Entries)
			}
		})
	}
}
