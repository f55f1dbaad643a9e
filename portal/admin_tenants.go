package portal

import (
	"net/http"
	"net/netip"
	"slices"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// newChildTenantPolicy is a new child tenant's policy: 2FA required, no e-mailed
// codes, no SSO, any address. The parent's allow list is not inherited: a
// customer's offices are not its reseller's.
var newChildTenantPolicy = store.TenantPolicy{Require2FA: true}

// getAdminTenants serves GET /v1/admin/tenants: the caller's tenant and its
// child tenants, each with the actions the caller may take on it, so a
// reseller's admin can switch between dozens of customers.
func (h *Handler) getAdminTenants(w http.ResponseWriter, r *http.Request, p principal) {
	if !h.adminAuthorize(w, r, p, policy.ViewDirectory, adminTenantTarget(p.Tenant)) {
		return
	}
	children, err := h.opts.Store.ListChildTenants(r.Context(), p.Tenant.ID)
	if err != nil {
		h.storeFailed(w, r, "admin: child tenants", err)
		return
	}
	a := h.actor(p)
	out := api.AdminTenantList{Tenants: []api.AdminTenant{adminTenantRow(a, p.Tenant)}}
	for _, c := range children {
		// The policy decides what a caller sees, not the query: a child
		// the caller may not view is left out.
		if policy.Check(a, policy.ViewDirectory, adminTenantTarget(c)) != nil {
			continue
		}
		out.Tenants = append(out.Tenants, adminTenantRow(a, c))
	}
	writeJSON(w, http.StatusOK, out)
}

func adminTenantRow(a policy.Actor, t store.Tenant) api.AdminTenant {
	target := adminTenantTarget(t)
	rel := api.AdminRelationChild
	if policy.Relate(a, target) == policy.Own {
		rel = api.AdminRelationOwn
	}
	return api.AdminTenant{
		ID:        t.ID,
		ParentID:  t.ParentID,
		Name:      t.Name,
		Relation:  rel,
		Policy:    adminWirePolicy(t.Policy),
		CreatedAt: t.CreatedAt.UTC(),
		Actions:   adminOffered(a, tenantOffers, target),
	}
}

func adminWirePolicy(p store.TenantPolicy) api.AdminTenantPolicy {
	out := api.AdminTenantPolicy{
		Require2FA:      p.Require2FA,
		AllowEmailCodes: p.AllowEmailCodes,
		SSOEnforced:     p.SSOEnforced,
		IPAllowList:     make([]string, 0, len(p.IPAllowList)),
	}
	for _, pf := range p.IPAllowList {
		out.IPAllowList = append(out.IPAllowList, pf.String())
	}
	return out
}

// postAdminTenant serves POST /v1/admin/tenants: a child tenant (a
// customer) of the caller's tenant. Only the tenant's owners may.
func (h *Handler) postAdminTenant(w http.ResponseWriter, r *http.Request, p principal) {
	if !h.adminAuthorize(w, r, p, policy.ManageTenant, adminTenantTarget(p.Tenant)) {
		return
	}
	var in api.AdminTenantCreate
	if !decodeJSON(w, r, &in) {
		return
	}
	name, rerr := adminText(in.Name, `member "name"`, api.MaxAdminNameRunes)
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	if name == "" {
		adminRequestError(w, badRequest(api.CodeInvalid, `member "name" is required`))
		return
	}
	t, err := h.opts.Store.CreateTenant(r.Context(), store.NewTenant{ParentID: p.Tenant.ID, Name: name, Policy: newChildTenantPolicy})
	if err != nil {
		h.storeFailed(w, r, "admin: create tenant", err)
		return
	}
	if !h.auditAdmin(w, r, p, auditTenantCreated, 0, p.Tenant.ID, struct {
		TenantID int64  `json:"tenant_id"`
		Name     string `json:"name"`
	}{t.ID, t.Name}) {
		return
	}
	writeJSON(w, http.StatusCreated, api.AdminTenantAnswer{Tenant: adminTenantRow(h.actor(p), t)})
}

// adminPolicyIn is the body of PUT /v1/admin/tenants/{id}/policy. Every member
// is required: the body replaces the whole policy, and a forgotten
// require_2fa must not read as "turn 2FA off".
type adminPolicyIn struct {
	Require2FA      *bool     `json:"require_2fa"`
	AllowEmailCodes *bool     `json:"allow_email_codes"`
	SSOEnforced     *bool     `json:"sso_enforced"`
	IPAllowList     *[]string `json:"ip_allow_list"`
}

// putAdminTenantPolicy serves PUT /v1/admin/tenants/{id}/policy. Refused
// (422): turning 2FA off without SSO enforced, an entry that is not a CIDR
// prefix, and an allow list that leaves out the caller's own address, which
// would lock the caller (an owner) out of their own tenant.
func (h *Handler) putAdminTenantPolicy(w http.ResponseWriter, r *http.Request, p principal) {
	id, ok := adminPathID(r)
	if !ok {
		adminNotFound(w)
		return
	}
	t, ok := h.adminLoadTenant(w, r, p, id)
	if !ok || !h.adminAuthorize(w, r, p, policy.ManageTenant, adminTenantTarget(t)) {
		return
	}
	var in adminPolicyIn
	if !decodeJSON(w, r, &in) {
		return
	}
	addr, _ := sourceAddress(r)
	np, rerr := validateAdminPolicy(in, t.ID == p.Tenant.ID, addr)
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	old := t.Policy
	if !adminSamePolicy(old, np) {
		if err := h.opts.Store.UpdateTenantPolicy(r.Context(), t.ID, np); err != nil {
			h.storeFailed(w, r, "admin: tenant policy", err)
			return
		}
		t.Policy = np
		if !h.auditAdmin(w, r, p, auditTenantPolicySet, 0, t.ID, struct {
			Old api.AdminTenantPolicy `json:"old"`
			New api.AdminTenantPolicy `json:"new"`
		}{adminWirePolicy(old), adminWirePolicy(np)}) {
			return
		}
	}
	writeJSON(w, http.StatusOK, api.AdminTenantAnswer{Tenant: adminTenantRow(h.actor(p), t)})
}

// validateAdminPolicy turns the body into a policy. own: the tenant is the
// caller's, reached from addr, which the allow list must keep.
func validateAdminPolicy(in adminPolicyIn, own bool, addr string) (store.TenantPolicy, *requestError) {
	for _, m := range []struct {
		name    string
		present bool
	}{
		{"require_2fa", in.Require2FA != nil},
		{"allow_email_codes", in.AllowEmailCodes != nil},
		{"sso_enforced", in.SSOEnforced != nil},
		{"ip_allow_list", in.IPAllowList != nil},
	} {
		if !m.present {
			return store.TenantPolicy{}, badRequest(api.CodeInvalid, "member %q is required", m.name)
		}
	}
	np := store.TenantPolicy{Require2FA: *in.Require2FA, AllowEmailCodes: *in.AllowEmailCodes, SSOEnforced: *in.SSOEnforced}
	if !np.Require2FA && !np.SSOEnforced {
		return store.TenantPolicy{}, adminUnprocessable("two-factor authentication can be turned off only while SSO is enforced")
	}
	list := *in.IPAllowList
	if len(list) > api.MaxAllowListEntries {
		return store.TenantPolicy{}, adminUnprocessable("the IP allow list has %d entries; at most %d are allowed", len(list), api.MaxAllowListEntries)
	}
	for i, s := range list {
		pf, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			return store.TenantPolicy{}, adminUnprocessable("ip_allow_list entry %d (%q) is not a CIDR prefix such as 203.0.113.0/24", i+1, clip(s, 50))
		case pf.Addr().Is4In6():
			return store.TenantPolicy{}, adminUnprocessable("ip_allow_list entry %d (%q) is an IPv4-mapped prefix; write it as IPv4", i+1, clip(s, 50))
		case pf != pf.Masked():
			// 10.0.0.1/8 is most likely a typo for 10.0.0.1/32 or
			// 10.0.0.0/8: in an allow list, guessing either is wrong.
			return store.TenantPolicy{}, adminUnprocessable("ip_allow_list entry %d (%q) has address bits beyond the prefix length; did you mean %s?", i+1, clip(s, 50), pf.Masked())
		case slices.Contains(np.IPAllowList, pf):
			return store.TenantPolicy{}, adminUnprocessable("ip_allow_list entry %d (%q) repeats an earlier entry", i+1, clip(s, 50))
		}
		np.IPAllowList = append(np.IPAllowList, pf)
	}
	if own && !addressAllowed(np.IPAllowList, addr) {
		return store.TenantPolicy{}, adminUnprocessable("the IP allow list leaves out your current address %s, which would lock you out; add it first", clip(addr, 64))
	}
	return np, nil
}

func adminSamePolicy(a, b store.TenantPolicy) bool {
	return a.Require2FA == b.Require2FA && a.AllowEmailCodes == b.AllowEmailCodes && a.SSOEnforced == b.SSOEnforced &&
		slices.Equal(a.IPAllowList, b.IPAllowList)
}
