package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// The admin API serves the desktop app's admin console (and any other
// client): every endpoint takes a full session and asks policy.Check before
// it reads or changes anything about its target. A denial the policy hides
// answers exactly like a missing id (404 "not found"), so the API never
// tells an admin which ids exist in other tenants; any other denial answers
// 403 with the policy's reason, which the console shows.

// Audit actions of the admin API. Details never hold a secret.
const (
	auditUserCreated     = "user.created"
	auditFactorReset     = "factor.reset"
	auditIPVerification  = "user.ip_verification"
	auditUserLocked      = "user.locked"
	auditUserUnlocked    = "user.unlocked"
	auditTenantCreated   = "tenant.created"
	auditTenantPolicySet = "tenant.policy"
)

// adminNotFoundMessage is the one answer for a missing id and for a target the
// policy hides: they must be indistinguishable.
const adminNotFoundMessage = "not found"

// adminRoutes: the team directory, 2FA resets, IP settings, tenants and users, and the audit log.
func (h *Handler) adminRoutes() []endpoint {
	return []endpoint{
		{method: http.MethodGet, path: api.PathAdminUsers, handler: h.withSession(h.getAdminUsers)},
		{method: http.MethodPost, path: api.PathAdminUsers, handler: h.withSession(h.postAdminUser)},
		{method: http.MethodPost, path: "/v1/admin/users/{id}/" + api.AdminUserReset2FA, handler: h.withSession(h.postAdminReset2FA)},
		{method: http.MethodPut, path: "/v1/admin/users/{id}/" + api.AdminUserIPVerification, handler: h.withSession(h.putAdminIPVerification)},
		{method: http.MethodPut, path: "/v1/admin/users/{id}/" + api.AdminUserLock, handler: h.withSession(h.putAdminLock)},
		{method: http.MethodGet, path: api.PathAdminTenants, handler: h.withSession(h.getAdminTenants)},
		{method: http.MethodPost, path: api.PathAdminTenants, handler: h.withSession(h.postAdminTenant)},
		{method: http.MethodPut, path: "/v1/admin/tenants/{id}/policy", handler: h.withSession(h.putAdminTenantPolicy)},
		{method: http.MethodGet, path: api.PathAdminAudit, handler: h.withSession(h.getAdminAudit)},
	}
}

func adminNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, api.CodeNotFound, adminNotFoundMessage)
}

// adminPathID is the {id} of the path: a positive decimal. Anything else is an
// id that does not exist.
func adminPathID(r *http.Request) (int64, bool) {
	s := r.PathValue("id")
	if s == "" || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// adminAuthorize asks the policy whether p may do action to target, and answers
// the request when not: 404 for a hidden target, 403 with the reason
// otherwise. Refusals are logged (ids, action and rule only) because a run
// of them is how a probing account shows.
func (h *Handler) adminAuthorize(w http.ResponseWriter, r *http.Request, p principal, action policy.Action, target policy.Target) bool {
	err := policy.Check(h.actor(p), action, target)
	if err == nil {
		return true
	}
	var d *policy.Denial
	if !errors.As(err, &d) {
		d = &policy.Denial{Action: action, Reason: "refused", Hide: true}
	}
	ctx := r.Context()
	h.log.LogAttrs(ctx, slog.LevelInfo, "admin action refused",
		slog.String("id", RequestID(ctx)), slog.Int64("actor", p.User.ID), slog.String("action", string(action)),
		slog.Int64("target_user", target.UserID), slog.Int64("target_tenant", target.TenantID), slog.Bool("hidden", d.Hide))
	if d.Hide {
		adminNotFound(w)
	} else {
		writeError(w, http.StatusForbidden, api.CodeForbidden, d.Reason)
	}
	return false
}

func adminTenantTarget(t store.Tenant) policy.Target {
	return policy.Target{TenantID: t.ID, TenantParentID: t.ParentID}
}

func adminUserTarget(u store.User, t store.Tenant) policy.Target {
	return policy.Target{UserID: u.ID, Role: u.Role, TenantID: t.ID, TenantParentID: t.ParentID}
}

// adminLoadUser finds the {id} user and their tenant, or answers 404 (or 500)
// and reports false.
func (h *Handler) adminLoadUser(w http.ResponseWriter, r *http.Request) (store.User, store.Tenant, bool) {
	id, ok := adminPathID(r)
	if !ok {
		adminNotFound(w)
		return store.User{}, store.Tenant{}, false
	}
	ctx := r.Context()
	u, err := h.opts.Store.GetUser(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		adminNotFound(w)
		return store.User{}, store.Tenant{}, false
	case err != nil:
		h.storeFailed(w, r, "admin: user look-up", err)
		return store.User{}, store.Tenant{}, false
	}
	t, err := h.opts.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		h.storeFailed(w, r, "admin: tenant of user", err)
		return store.User{}, store.Tenant{}, false
	}
	return u, t, true
}

// adminLoadTenant finds tenant id (0: the principal's own), or answers 404 (or
// 500) and reports false.
func (h *Handler) adminLoadTenant(w http.ResponseWriter, r *http.Request, p principal, id int64) (store.Tenant, bool) {
	if id == 0 || id == p.Tenant.ID {
		return p.Tenant, true
	}
	t, err := h.opts.Store.GetTenant(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		adminNotFound(w)
		return store.Tenant{}, false
	case err != nil:
		h.storeFailed(w, r, "admin: tenant look-up", err)
		return store.Tenant{}, false
	}
	return t, true
}

// adminOffer is one action a row offers, and the policy action that rules it.
type adminOffer struct {
	name   string
	action policy.Action
}

// userOffers are the per-user actions of the admin console. Locking follows
// the 2FA-reset rules: it is as disruptive, and as tempting to misuse on
// oneself or an owner.
var userOffers = []adminOffer{
	{api.AdminActionReset2FA, policy.ResetFactor},
	{api.AdminActionSetIPSkip, policy.SetIPSkip},
	{api.AdminActionLock, policy.ResetFactor},
	{api.AdminActionIssueLink, policy.IssueLink},
}

var tenantOffers = []adminOffer{
	{api.AdminActionViewDirectory, policy.ViewDirectory},
	{api.AdminActionManageUsers, policy.ManageUsers},
	{api.AdminActionManageTenant, policy.ManageTenant},
	{api.AdminActionViewAudit, policy.ViewAudit},
}

// adminOffered evaluates offers for a on target, with the policy's reasons for
// the refused ones.
func adminOffered(a policy.Actor, offers []adminOffer, target policy.Target) []api.AdminAction {
	out := make([]api.AdminAction, 0, len(offers))
	for _, o := range offers {
		act := api.AdminAction{Action: o.name, Allowed: true}
		if err := policy.Check(a, o.action, target); err != nil {
			act.Allowed = false
			var d *policy.Denial
			if errors.As(err, &d) {
				act.Reason = d.Reason
			} else {
				act.Reason = "refused"
			}
		}
		out = append(out, act)
	}
	return out
}

// adminUserRow is a directory row of l as a sees it.
func adminUserRow(a policy.Actor, l store.UserListing, t store.Tenant) api.AdminUser {
	return api.AdminUser{
		ID:                 l.ID,
		TenantID:           l.TenantID,
		Email:              l.Email,
		Name:               l.Name,
		Role:               string(l.Role),
		Enrolled:           l.Enrolled,
		RecoveryPending:    l.RecoveryPending,
		Locked:             l.Locked,
		EmailVerified:      !l.EmailVerifiedAt.IsZero(),
		SkipIPVerification: l.SkipIPVerification,
		CreatedAt:          l.CreatedAt.UTC(),
		Actions:            adminOffered(a, userOffers, adminUserTarget(l.User, t)),
	}
}

// adminOpenRequest is what the directory counts as "recovery pending".
func adminOpenRequest(s store.RequestStatus) bool {
	switch s {
	case store.RequestPending, store.RequestApproved, store.RequestForwarded, store.RequestLinkIssued:
		return true
	}
	return false
}

// adminListing completes u with its 2FA status, as ListUsers would.
func (h *Handler) adminListing(ctx context.Context, u store.User) (store.UserListing, error) {
	l := store.UserListing{User: u}
	_, err := h.opts.Store.ActiveTOTPFactor(ctx, u.ID)
	switch {
	case err == nil:
		l.Enrolled = true
	case !errors.Is(err, store.ErrNotFound):
		return l, fmt.Errorf("active factor of user %d: %w", u.ID, err)
	}
	reqs, err := h.opts.Store.ListRecoveryRequests(ctx, store.RequestFilter{UserID: u.ID, Limit: 1000})
	if err != nil {
		return l, fmt.Errorf("recovery requests of user %d: %w", u.ID, err)
	}
	for _, rq := range reqs {
		if adminOpenRequest(rq.Status) {
			l.RecoveryPending = true
			break
		}
	}
	return l, nil
}

// adminAnswerUser answers 200 with u's row after a change.
func (h *Handler) adminAnswerUser(w http.ResponseWriter, r *http.Request, p principal, u store.User, t store.Tenant) {
	l, err := h.adminListing(r.Context(), u)
	if err != nil {
		h.storeFailed(w, r, "admin: user status", err)
		return
	}
	writeJSON(w, http.StatusOK, api.AdminUserAnswer{User: adminUserRow(h.actor(p), l, t)})
}

// auditAdmin records an admin's change. The change has already happened,
// so a failure is logged as such and answered 500: the admin must not take
// an unaudited change for a clean success.
func (h *Handler) auditAdmin(w http.ResponseWriter, r *http.Request, p principal, action string, targetUser, tenant int64, details any) bool {
	b, err := json.Marshal(details)
	if err != nil {
		b = []byte("{}")
	}
	addr, _ := sourceAddress(r)
	if err := h.audit(r.Context(), store.AuditEntry{
		ActorID: p.User.ID, Action: action, TargetUserID: targetUser, TenantID: tenant, SourceAddr: addr, Details: b,
	}); err != nil {
		h.storeFailed(w, r, "admin: "+action+" done but not audited", err)
		return false
	}
	return true
}

// adminQueryParams parses the query string strictly: no malformed escapes, no
// parameter outside allowed, none given twice.
func adminQueryParams(r *http.Request, allowed ...string) (url.Values, *requestError) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest(api.CodeBadRequest, "the query string is malformed")
	}
	for name, vals := range v {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			return nil, badRequest(api.CodeInvalid, "unknown query parameter %q", clip(name, 40))
		}
		if len(vals) > 1 {
			return nil, badRequest(api.CodeInvalid, "query parameter %q is given more than once", name)
		}
	}
	return v, nil
}

// adminIntParam reads an optional integer parameter within [lo, hi]; absent:
// def.
func adminIntParam(v url.Values, name string, lo, hi, def int64) (int64, *requestError) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(api.CodeInvalid, "query parameter %q must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// adminText checks a one-line human text (a name, a search): trimmed,
// valid UTF-8, at most maxRunes characters, no control or bidirectional
// formatting characters (an admin reads it; U+202E could make it say
// something else). what names the member or parameter in the message.
func adminText(s, what string, maxRunes int) (string, *requestError) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", badRequest(api.CodeInvalid, "%s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return "", badRequest(api.CodeInvalid, "%s is longer than %d characters", what, maxRunes)
	}
	for i, c := range []rune(s) {
		if unicode.IsControl(c) || isBidiControl(c) {
			return "", badRequest(api.CodeInvalid, "%s has a control character at character %d", what, i+1)
		}
	}
	return s, nil
}

func adminUnprocessable(format string, args ...any) *requestError {
	return &requestError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid, message: fmt.Sprintf(format, args...)}
}

func adminRequestError(w http.ResponseWriter, re *requestError) {
	writeError(w, re.status, re.code, re.message)
}
