package portal

import (
	"encoding/json"
	"net/http"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// maxAuditActionLen bounds the action filter; actions are short dotted
// names such as "factor.reset".
const maxAuditActionLen = 64

// getAdminAudit serves GET /v1/admin/audit: a tenant's audit log (the own
// tenant unless tenant= names another the caller may read), newest first,
// optionally about one user or of one action, paged with before=<id>.
func (h *Handler) getAdminAudit(w http.ResponseWriter, r *http.Request, p principal) {
	v, rerr := adminQueryParams(r, "tenant", "user", "action", "before", "limit")
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	var f store.AuditFilter
	var tenantID int64
	var limit int64
	for _, q := range []struct {
		name        string
		dst         *int64
		lo, hi, def int64
	}{
		{"tenant", &tenantID, 1, 1 << 62, 0},
		{"user", &f.TargetUserID, 1, 1 << 62, 0},
		{"before", &f.BeforeID, 1, 1 << 62, 0},
		{"limit", &limit, 1, api.MaxAdminPageSize, api.DefaultAdminAuditPage},
	} {
		n, rerr := adminIntParam(v, q.name, q.lo, q.hi, q.def)
		if rerr != nil {
			adminRequestError(w, rerr)
			return
		}
		*q.dst = n
	}
	if a := v.Get("action"); a != "" {
		if !auditActionName(a) {
			adminRequestError(w, badRequest(api.CodeInvalid,
				`query parameter "action" must be an audit action such as factor.reset (lower-case letters, digits, '.', '_' and '-', at most %d)`, maxAuditActionLen))
			return
		}
		f.Action = a
	}
	tenant, ok := h.adminLoadTenant(w, r, p, tenantID)
	if !ok || !h.adminAuthorize(w, r, p, policy.ViewAudit, adminTenantTarget(tenant)) {
		return
	}
	f.TenantID = tenant.ID
	// One more than the page tells whether an older page exists.
	f.Limit = int(limit) + 1
	entries, err := h.opts.Store.ListAudit(r.Context(), f)
	if err != nil {
		h.storeFailed(w, r, "admin: audit log", err)
		return
	}
	out := api.AdminAuditPage{Entries: make([]api.AdminAuditEntry, 0, min(len(entries), int(limit)))}
	for i, e := range entries {
		if i == int(limit) {
			out.NextBefore = entries[i-1].ID
			break
		}
		details := e.Details
		if len(details) == 0 || !json.Valid(details) {
			details = json.RawMessage("{}")
		}
		out.Entries = append(out.Entries, api.AdminAuditEntry{
			ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, Action: e.Action,
			TargetUserID: e.TargetUserID, TenantID: e.TenantID, SourceAddr: e.SourceAddr, Details: details,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func auditActionName(s string) bool {
	if len(s) > maxAuditActionLen {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}
