package portal

import (
	"context"
	"fmt"
	"github.com/latchkey/latchkey/portal/portaltest"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/phrase"
	"github.com/latchkey/latchkey/portal/store"
)

// The authorisation matrix: every session endpoint that acts on a user, a
// recovery request or a tenant, called through the real handler by every
// role of every tenant of a small world, on targets in the caller's own
// tenant, a customer (child) tenant and unrelated tenants. The expected
// answer of each cell is worked out here from the written rules (the
// policy package's doc and the endpoints' own), never by asking
// policy.Check, so a wrong policy shows as a failing cell.
//
// The world: platform tenant P (Options.PlatformTenantID), reseller R (a
// customer of P), customer C (of R) and unrelated O. Each has an owner, an
// admin, a technician and a read-only user as callers; targets are made
// fresh for every cell, so no call changes another's outcome.

// mxTenant names a tenant of the world.
type mxTenant string

const (
	mxP mxTenant = "P"
	mxR mxTenant = "R"
	mxC mxTenant = "C"
	mxO mxTenant = "O"
)

var (
	mxTenants = []mxTenant{mxP, mxR, mxC, mxO}
	mxRoles   = []store.Role{store.RoleOwner, store.RoleAdmin, store.RoleTechnician, store.RoleReadOnly}
	// mxParent is the world's hierarchy as built; the expectations read
	// relations from it.
	mxParent = map[mxTenant]mxTenant{mxR: mxP, mxC: mxR}
)

// mxKind is what an endpoint's {id} (or tenant parameter) names.
type mxKind int

const (
	mxKindUser      mxKind = iota // a user: {id}
	mxKindRequest                 // a recovery request: {id}
	mxKindTenant                  // a tenant: {id} or {tenant}
	mxKindOwnTenant               // no target: the caller's own tenant
	mxKindSelf                    // the caller's own session
)

// mxTarget is one target of a cell.
type mxTarget struct {
	tenant    mxTenant
	role      store.Role // the target user's role; for mxKindOwnTenant, the role of the user created
	self      bool       // the caller's own account (or own request)
	forwarded bool       // a recovery request forwarded to platform support
}

func (t mxTarget) String() string {
	switch {
	case t.self:
		return "self"
	case t.forwarded:
		return fmt.Sprintf("%s/%s/forwarded", t.tenant, t.role)
	case t.role != "":
		return fmt.Sprintf("%s/%s", t.tenant, t.role)
	}
	return string(t.tenant)
}

// mxRule is an endpoint's written rule.
type mxRule struct {
	own   []store.Role // roles that may, in their own tenant
	child []store.Role // roles that may, on a customer tenant's target
	// platform: roles of the platform tenant that may, on a request
	// forwarded to platform support from any other tenant. Platform
	// support (its owners and admins) sees forwarded requests, so a
	// refusal there is 403, not 404.
	platform  []store.Role
	notSelf   bool // nobody may, on their own account or request
	ownerOnly bool // only an owner may, when the target is an owner
	// notPlatform: nobody of the platform tenant may (it decides what is
	// forwarded, so forwarding would let it approve as support what it
	// may not decide as a reseller).
	notPlatform bool
	// precondition, when not nil, is the answer to an allowed call the
	// endpoint still refuses for a reason that is not authorisation.
	precondition func(t mxTarget) int
}

var (
	mxAllRoles     = mxRoles
	mxOwnerAdmin   = []store.Role{store.RoleOwner, store.RoleAdmin}
	mxOwnerOnly    = []store.Role{store.RoleOwner}
	mxQueueReaders = []store.Role{store.RoleOwner, store.RoleAdmin, store.RoleTechnician}
	// mxUserChanges: owners and admins of the user's tenant, not on
	// themselves, only owners on owners; resellers forward instead.
	mxUserChanges = mxRule{own: mxOwnerAdmin, notSelf: true, ownerOnly: true}
)

// mxRow is one endpoint. path holds {id} for the target's id; body builds
// the request body for a cell (nil: none).
type mxRow struct {
	method, path string
	kind         mxKind
	rule         mxRule
	body         func(c *mxCell) any
	// roles: for mxKindOwnTenant and mxKindTenant, the roles of the user
	// the call creates (ManageUsers: only owners create owners); nil: one
	// plain call per tenant.
	roles []store.Role
	// forwarded: for mxKindRequest, requests already forwarded to platform
	// support are targets too (only pending ones otherwise).
	forwarded bool
}

// mxRows: one line per endpoint. Rows of endpoints another area has not
// registered yet are skipped, and light up when it does.
var mxRows = []mxRow{
	// The admin API (admin.go).
	{method: "GET", path: "/v1/admin/users?tenant={id}", kind: mxKindTenant, rule: mxRule{own: mxAllRoles, child: mxAllRoles}},
	// Users are added to the own tenant or, by a reseller's owners and
	// admins, to a direct customer (tenant_id), which has nobody else to
	// add its first users; only owners add owners.
	{method: "POST", path: "/v1/admin/users", kind: mxKindTenant, rule: mxRule{own: mxOwnerAdmin, child: mxOwnerAdmin, ownerOnly: true}, body: mxNewUserBody,
		roles: []store.Role{store.RoleTechnician, store.RoleOwner}},
	{method: "POST", path: "/v1/admin/users/{id}/reset-2fa", kind: mxKindUser, rule: mxUserChanges},
	{method: "PUT", path: "/v1/admin/users/{id}/ip-verification", kind: mxKindUser, rule: mxUserChanges, body: mxFixed(map[string]any{"skip": true})},
	{method: "PUT", path: "/v1/admin/users/{id}/lock", kind: mxKindUser, rule: mxUserChanges, body: mxFixed(map[string]any{"locked": true})},
	{method: "GET", path: "/v1/admin/tenants", kind: mxKindOwnTenant, rule: mxRule{own: mxAllRoles}},
	{method: "POST", path: "/v1/admin/tenants", kind: mxKindOwnTenant, rule: mxRule{own: mxOwnerOnly}, body: mxFixed(map[string]any{"name": "Matrix customer"})},
	{method: "PUT", path: "/v1/admin/tenants/{id}/policy", kind: mxKindTenant, rule: mxRule{own: mxOwnerOnly},
		body: mxFixed(map[string]any{"require_2fa": true, "allow_email_codes": false, "sso_enforced": false, "ip_allow_list": []string{}})},
	// A tenant's log: its owners and admins, and its reseller's.
	{method: "GET", path: "/v1/admin/audit?tenant={id}", kind: mxKindTenant, rule: mxRule{own: mxOwnerAdmin, child: mxOwnerAdmin}},

	// The recovery queue (queue.go, links.go).
	{method: "GET", path: "/v1/admin/recovery-requests", kind: mxKindOwnTenant, rule: mxRule{own: mxQueueReaders}},
	{method: "POST", path: "/v1/admin/recovery-requests/{id}/approve", kind: mxKindRequest,
		rule: mxRule{own: mxOwnerAdmin, platform: mxOwnerAdmin, notSelf: true, ownerOnly: true}, body: mxApproveBody, forwarded: true},
	{method: "POST", path: "/v1/admin/recovery-requests/{id}/deny", kind: mxKindRequest,
		rule: mxRule{own: mxOwnerAdmin, platform: mxOwnerAdmin, notSelf: true, ownerOnly: true}, forwarded: true},
	// Technicians forward too, for their customers as well; nobody
	// forwards their own request, platform support forwards nothing, and
	// the platform tenant's requests are its own admins' to decide (422).
	{method: "POST", path: "/v1/admin/recovery-requests/{id}/forward", kind: mxKindRequest,
		rule: mxRule{own: mxQueueReaders, child: mxQueueReaders, notSelf: true, notPlatform: true, precondition: func(t mxTarget) int {
			if t.tenant == mxP {
				return http.StatusUnprocessableEntity
			}
			return 0
		}}},
	{method: "POST", path: "/v1/admin/users/{id}/recovery-link", kind: mxKindUser, rule: mxUserChanges},

	// The caller's own session (signin.go): every role, every tenant.
	{method: "GET", path: "/v1/session", kind: mxKindSelf, rule: mxRule{own: mxAllRoles}},
}

func mxFixed(v any) func(*mxCell) any { return func(*mxCell) any { return v } }

func mxNewUserBody(c *mxCell) any {
	return map[string]any{"email": fmt.Sprintf("new%d@matrix.test", c.w.next()), "name": "New", "role": string(c.target.role), "password": "matrix password 1",
		"tenant_id": c.tenantID}
}

func mxApproveBody(c *mxCell) any { return map[string]any{"phrase": c.phrase} }

// mxActor is a caller.
type mxActor struct {
	tenant mxTenant
	role   store.Role
	user   store.User
	token  string
}

type mxWorld struct {
	t       *testing.T
	h       *Handler
	st      store.Store
	tenants map[mxTenant]store.Tenant
	actors  []mxActor
	seq     int
}

func (w *mxWorld) next() int { w.seq++; return w.seq }

func newMatrixWorld(t *testing.T) *mxWorld {
	t.Helper()
	ctx := context.Background()
	var w *mxWorld
	h, _ := newTestHandler(t, func(o *Options) {
		o.Store = portaltest.Store(t, o.Now)
		w = &mxWorld{t: t, st: o.Store, tenants: map[mxTenant]store.Tenant{}}
		// The platform tenant must exist before the handler knows its id.
		for _, name := range mxTenants {
			tn, err := o.Store.CreateTenant(ctx, store.NewTenant{Name: string(name), ParentID: w.tenants[mxParent[name]].ID, Policy: store.TenantPolicy{Require2FA: true}})
			if err != nil {
				t.Fatal(err)
			}
			w.tenants[name] = tn
		}
		o.PlatformTenantID = w.tenants[mxP].ID
	})
	w.h = h
	for _, tn := range mxTenants {
		for _, role := range mxRoles {
			w.actors = append(w.actors, w.actor(tn, role))
		}
	}
	return w
}

// user makes a user (no password: nobody signs in as a target).
func (w *mxWorld) user(tn mxTenant, role store.Role) store.User {
	w.t.Helper()
	n := w.next()
	u, err := w.st.CreateUser(context.Background(), store.NewUser{TenantID: w.tenants[tn].ID, Email: fmt.Sprintf("u%d@%s.matrix.test", n, strings.ToLower(string(tn))),
		Name: fmt.Sprintf("%s %s %d", tn, role, n), Role: role})
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

func (w *mxWorld) actor(tn mxTenant, role store.Role) mxActor {
	u := w.user(tn, role)
	return mxActor{tenant: tn, role: role, user: u, token: sessionFor(w.t, w.h, u, store.ScopeFull)}
}

// request makes a pending (or forwarded) recovery request of u.
func (w *mxWorld) request(u store.User, forwarded bool, forwarder store.User) (store.RecoveryRequest, string) {
	w.t.Helper()
	ctx := context.Background()
	words := phrase.New()
	req, err := w.st.CreateRecoveryRequest(ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Phrase: words,
		RequesterTokenHash: store.TokenHash(auth.NewToken().Hash()), SourceAddr: "198.51.100.7"})
	if err != nil {
		w.t.Fatal(err)
	}
	if forwarded {
		if req, err = w.st.TransitionRecoveryRequest(ctx, req.ID, store.RequestPending, store.RequestForwarded, forwarder.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	return req, words
}

// mxCell is one call of the matrix.
type mxCell struct {
	w      *mxWorld
	row    mxRow
	actor  mxActor
	target mxTarget
	phrase string
	// tenantID: the target tenant's id, for rows that name it in the body.
	tenantID int64
}

// outcome classes.
type mxOutcome string

const (
	mxOutAllow mxOutcome = "allow"  // 2xx
	mxOutDeny  mxOutcome = "deny"   // 403 with the reason
	mxOutHide  mxOutcome = "hide"   // 404, as for a missing id
	mxOutOther mxOutcome = "refuse" // another status: a precondition, or a fault
)

func mxOutcomeOf(status int) mxOutcome {
	switch {
	case status >= 200 && status <= 299:
		return mxOutAllow
	case status == http.StatusForbidden:
		return mxOutDeny
	case status == http.StatusNotFound:
		return mxOutHide
	}
	return mxOutOther
}

func mxRelation(actor, target mxTenant) string {
	switch {
	case actor == target:
		return "own"
	case mxParent[target] == actor:
		return "child"
	}
	return "other"
}

// mxExpect works out a cell's answer from the written rules.
func mxExpect(row mxRow, a mxActor, t mxTarget) (mxOutcome, int) {
	allowed := false
	switch mxRelation(a.tenant, t.tenant) {
	case "own":
		allowed = slices.Contains(row.rule.own, a.role)
	case "child":
		allowed = slices.Contains(row.rule.child, a.role)
	default:
		support := a.tenant == mxP && (a.role == store.RoleOwner || a.role == store.RoleAdmin)
		if !(t.forwarded && support) {
			return mxOutHide, http.StatusNotFound
		}
		allowed = slices.Contains(row.rule.platform, a.role)
	}
	// A forwarded request is platform support's to decide, whatever the
	// platform's relation to the request's tenant.
	if t.forwarded && a.tenant == mxP && slices.Contains(row.rule.platform, a.role) {
		allowed = true
	}
	switch {
	case !allowed:
		return mxOutDeny, http.StatusForbidden
	case row.rule.notSelf && t.self:
		return mxOutDeny, http.StatusForbidden
	case row.rule.ownerOnly && t.role == store.RoleOwner && a.role != store.RoleOwner:
		return mxOutDeny, http.StatusForbidden
	case row.rule.notPlatform && a.tenant == mxP:
		return mxOutDeny, http.StatusForbidden
	}
	if row.rule.precondition != nil {
		if status := row.rule.precondition(t); status != 0 {
			return mxOutOther, status
		}
	}
	return mxOutAllow, 0
}

// targets lists a row's targets for a caller.
func (row mxRow) targets(a mxActor) []mxTarget {
	var out []mxTarget
	switch row.kind {
	case mxKindUser, mxKindRequest:
		for _, tn := range mxTenants {
			out = append(out, mxTarget{tenant: tn, role: store.RoleTechnician}, mxTarget{tenant: tn, role: store.RoleOwner})
			// The platform tenant's requests are never forwarded.
			if row.forwarded && tn != mxP {
				out = append(out, mxTarget{tenant: tn, role: store.RoleTechnician, forwarded: true}, mxTarget{tenant: tn, role: store.RoleOwner, forwarded: true})
			}
		}
		out = append(out, mxTarget{tenant: a.tenant, role: a.role, self: true})
	case mxKindTenant:
		for _, tn := range mxTenants {
			if row.roles == nil {
				out = append(out, mxTarget{tenant: tn})
			}
			for _, r := range row.roles {
				out = append(out, mxTarget{tenant: tn, role: r})
			}
		}
	case mxKindOwnTenant, mxKindSelf:
		if row.roles == nil {
			return []mxTarget{{tenant: a.tenant}}
		}
		for _, r := range row.roles {
			out = append(out, mxTarget{tenant: a.tenant, role: r})
		}
	}
	return out
}

// prepare makes the cell's target and returns the path to call and the
// caller's token.
func (c *mxCell) prepare() (path, token string) {
	w, t := c.w, c.target
	token = c.actor.token
	var id int64
	switch c.row.kind {
	case mxKindUser, mxKindRequest:
		u := w.user(t.tenant, t.role)
		if t.self {
			// A caller of its own, so that a wrongly allowed change to
			// itself cannot spill into other cells.
			a := w.actor(c.actor.tenant, c.actor.role)
			u, token = a.user, a.token
		}
		id = u.ID
		if c.row.kind == mxKindRequest {
			forwarder := w.actors[slices.IndexFunc(w.actors, func(x mxActor) bool { return x.tenant == t.tenant && x.role == store.RoleTechnician })].user
			var req store.RecoveryRequest
			req, c.phrase = w.request(u, t.forwarded, forwarder)
			id = req.ID
		}
	case mxKindTenant:
		id = w.tenants[t.tenant].ID
		c.tenantID = id
	}
	return strings.ReplaceAll(c.row.path, "{id}", strconv.FormatInt(id, 10)), token
}

func TestAuthorisationMatrix(t *testing.T) {
	w := newMatrixWorld(t)
	registered := map[string]bool{}
	for _, r := range w.h.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	routeOf := func(row mxRow) string {
		p, _, _ := strings.Cut(row.path, "?")
		return row.method + " " + p
	}

	// Every admin endpoint is in the matrix.
	inMatrix := map[string]bool{}
	for _, row := range mxRows {
		inMatrix[routeOf(row)] = true
	}
	for _, r := range w.h.Routes() {
		if strings.HasPrefix(r.Path, "/v1/admin/") && !inMatrix[r.Method+" "+r.Path] {
			t.Errorf("%s %s takes a session but has no row in mxRows (matrix_test.go): add one line with its rule", r.Method, r.Path)
		}
	}

	var cells, endpoints, escalations, falseDenials, leaks, mismatches int
	counts := map[mxOutcome]int{}
	for _, row := range mxRows {
		if !registered[routeOf(row)] {
			t.Logf("%s: not registered yet, skipped", routeOf(row))
			continue
		}
		endpoints++
		missing := w.missingAnswer(row)
		for _, a := range w.actors {
			for _, tg := range row.targets(a) {
				c := &mxCell{w: w, row: row, actor: a, target: tg}
				path, token := c.prepare()
				var body any
				if row.body != nil {
					body = row.body(c)
				}
				resp := callAPI(t, w.h, row.method, path, token, body)
				want, wantStatus := mxExpect(row, a, tg)
				got := mxOutcomeOf(resp.Code)
				cells++
				counts[got]++
				where := fmt.Sprintf("%s %s as %s %s on %s", row.method, row.path, a.tenant, a.role, tg)
				switch {
				case got == mxOutAllow && want != mxOutAllow:
					escalations++
					t.Errorf("ESCALATION: %s: %d, want %s (%d): %s", where, resp.Code, want, wantStatus, resp.Body.String())
				case want == mxOutAllow && (got == mxOutDeny || got == mxOutHide):
					falseDenials++
					t.Errorf("FALSE DENIAL: %s: %d, want %s: %s", where, resp.Code, want, resp.Body.String())
				case want == mxOutHide && got == mxOutDeny:
					leaks++
					t.Errorf("LEAK: %s: 403 tells the target exists, want 404: %s", where, resp.Body.String())
				case got != want || (want == mxOutOther && resp.Code != wantStatus):
					mismatches++
					t.Errorf("MISMATCH: %s: %d, want %s (%d): %s", where, resp.Code, want, wantStatus, resp.Body.String())
				case got == mxOutHide && missing != "" && resp.Body.String() != missing:
					leaks++
					t.Errorf("LEAK: %s: the hidden target's 404 %s differs from a missing id's %s", where, resp.Body.String(), missing)
				}
			}
		}
	}
	t.Logf("authorisation matrix: %d cells over %d endpoints × %d callers (%d tenants × %d roles) × their targets: %d allowed, %d refused (403), %d hidden (404), %d other",
		cells, endpoints, len(w.actors), len(mxTenants), len(mxRoles), counts[mxOutAllow], counts[mxOutDeny], counts[mxOutHide], counts[mxOutOther])
	if escalations+falseDenials+leaks+mismatches != 0 {
		t.Errorf("%d escalations, %d false denials, %d leaks, %d other mismatches", escalations, falseDenials, leaks, mismatches)
	}
	if endpoints < 9 || cells < 600 {
		t.Errorf("the matrix covered %d endpoints in %d cells: too few to prove anything", endpoints, cells)
	}
}

// missingAnswer is a row's answer for an id that does not exist, which a
// hidden target's must equal ("" for rows without an id).
func (w *mxWorld) missingAnswer(row mxRow) string {
	if row.kind != mxKindUser && row.kind != mxKindRequest && row.kind != mxKindTenant {
		return ""
	}
	owner := w.actors[slices.IndexFunc(w.actors, func(a mxActor) bool { return a.tenant == mxR && a.role == store.RoleOwner })]
	c := &mxCell{w: w, row: row, actor: owner, target: mxTarget{tenant: mxR, role: store.RoleTechnician}, phrase: phrase.New(), tenantID: 999999999}
	var body any
	if row.body != nil {
		body = row.body(c)
	}
	resp := callAPI(w.t, w.h, row.method, strings.ReplaceAll(row.path, "{id}", "999999999"), owner.token, body)
	if resp.Code != http.StatusNotFound {
		w.t.Errorf("%s %s: a missing id answers %d, want 404", row.method, row.path, resp.Code)
	}
	return resp.Body.String()
}

// Every admin endpoint answers 401 without a session (or with a token that
// is not one) and 403 to an enrol-only session (a recovery link's),
// whatever its area.
func TestAdminNeedsFullSession(t *testing.T) {
	w := newMatrixWorld(t)
	owner := w.actors[0]
	enrol := sessionFor(t, w.h, owner.user, store.ScopeEnrol)
	target := w.user(owner.tenant, store.RoleTechnician)
	n := 0
	for _, r := range w.h.Routes() {
		if !strings.HasPrefix(r.Path, "/v1/admin/") {
			continue
		}
		n++
		path := strings.ReplaceAll(r.Path, "{id}", strconv.FormatInt(target.ID, 10))
		var body any
		if r.Method != http.MethodGet {
			body = map[string]any{}
		}
		for _, c := range []struct {
			name, token string
			status      int
		}{
			{"no session", "", http.StatusUnauthorized},
			{"not a token", "not-a-token", http.StatusUnauthorized},
			{"an unknown token", auth.NewToken().Encode(), http.StatusUnauthorized},
			{"an enrol-only session", enrol, http.StatusForbidden},
		} {
			resp := callAPI(t, w.h, r.Method, path, c.token, body)
			if resp.Code != c.status {
				t.Errorf("%s %s with %s: %d, want %d", r.Method, r.Path, c.name, resp.Code, c.status)
			}
			if c.status == http.StatusUnauthorized && resp.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s: no WWW-Authenticate", r.Method, r.Path, c.name)
			}
		}
	}
	if n < 9 {
		t.Errorf("%d admin routes, want at least 9", n)
	}
	// Nothing happened to the target.
	if l, err := w.st.ListAudit(context.Background(), store.AuditFilter{TargetUserID: target.ID}); err != nil || len(l) != 0 {
		t.Errorf("audit entries about the target: %v, %v", l, err)
	}
}
