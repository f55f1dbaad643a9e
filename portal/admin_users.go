package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// maxDirectoryOffset bounds the directory's offset: far beyond any team,
// and small enough that offset+limit cannot overflow.
const maxDirectoryOffset = 1 << 30

// getAdminUsers serves GET /v1/admin/users: the team directory of the own
// tenant or, read-only, of a child tenant, filtered, in pages of at most
// MaxAdminPageSize rows, each with the actions the caller may take on it.
func (h *Handler) getAdminUsers(w http.ResponseWriter, r *http.Request, p principal) {
	v, rerr := adminQueryParams(r, "q", "role", "status", "tenant", "offset", "limit")
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	filter, offset, limit, tenantID, rerr := directoryQuery(v)
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	tenant, ok := h.adminLoadTenant(w, r, p, tenantID)
	if !ok {
		return
	}
	target := adminTenantTarget(tenant)
	if !h.adminAuthorize(w, r, p, policy.ViewDirectory, target) {
		return
	}
	filter.TenantID = tenant.ID
	all, err := h.opts.Store.ListUsers(r.Context(), filter)
	if err != nil {
		h.storeFailed(w, r, "admin: directory", err)
		return
	}
	a := h.actor(p)
	out := api.AdminUserList{
		TenantID: tenant.ID,
		ReadOnly: policy.Relate(a, target) != policy.Own,
		Total:    len(all),
		Users:    []api.AdminUser{},
	}
	start := min(offset, len(all))
	end := min(offset+limit, len(all))
	for _, l := range all[start:end] {
		out.Users = append(out.Users, adminUserRow(a, l, tenant))
	}
	if end < len(all) {
		out.NextOffset = end
	}
	writeJSON(w, http.StatusOK, out)
}

// directoryQuery reads the directory's filters and page.
func directoryQuery(v map[string][]string) (f store.UserFilter, offset, limit int, tenant int64, _ *requestError) {
	get := func(k string) string {
		if s := v[k]; len(s) > 0 {
			return s[0]
		}
		return ""
	}
	q, rerr := adminText(get("q"), `query parameter "q"`, api.MaxAdminNameRunes)
	if rerr != nil {
		return f, 0, 0, 0, rerr
	}
	f.NameContains = q
	if s := get("role"); s != "" {
		if !store.Role(s).Valid() {
			return f, 0, 0, 0, badRequest(api.CodeInvalid, `query parameter "role" must be owner, admin, technician or read_only`)
		}
		f.Role = store.Role(s)
	}
	switch s := store.TwoFAStatus(get("status")); s {
	case store.StatusAny, store.StatusEnrolled, store.StatusNotEnrolled, store.StatusRecoveryPending, store.StatusLocked:
		f.Status = s
	default:
		return f, 0, 0, 0, badRequest(api.CodeInvalid, `query parameter "status" must be enrolled, not_enrolled, recovery_pending or locked`)
	}
	n, rerr := adminIntParam(v, "tenant", 1, 1<<62, 0)
	if rerr != nil {
		return f, 0, 0, 0, rerr
	}
	tenant = n
	n, rerr = adminIntParam(v, "offset", 0, maxDirectoryOffset, 0)
	if rerr != nil {
		return f, 0, 0, 0, rerr
	}
	offset = int(n)
	n, rerr = adminIntParam(v, "limit", 1, api.MaxAdminPageSize, api.DefaultAdminUserPage)
	if rerr != nil {
		return f, 0, 0, 0, rerr
	}
	return f, offset, int(n), tenant, nil
}

// postAdminUser serves POST /v1/admin/users: a user in the caller's own
// tenant or, for a reseller's owners and admins, in a direct child tenant
// (tenant_id), with an initial password the admin sets and hands over
// (stored with PasswordSetByAdmin). The address stays unverified, so the
// user's first sign-in verifies it and enrols an authenticator. Only
// owners add owners; the password follows the new user's tenant's rules.
// Another tenant answers 404, like one that does not exist.
func (h *Handler) postAdminUser(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.AdminUserCreate
	if !decodeJSON(w, r, &in) {
		return
	}
	role := store.Role(in.Role)
	if !role.Valid() {
		adminRequestError(w, badRequest(api.CodeInvalid, `member "role" must be owner, admin, technician or read_only`))
		return
	}
	if in.TenantID < 0 {
		adminRequestError(w, badRequest(api.CodeInvalid, `member "tenant_id" must be a tenant id`))
		return
	}
	tenant, ok := h.adminLoadTenant(w, r, p, in.TenantID)
	if !ok {
		return
	}
	target := adminTenantTarget(tenant)
	target.Role = role
	if !h.adminAuthorize(w, r, p, policy.ManageUsers, target) {
		return
	}
	email, name, rerr := validateNewUser(in, tenant.Policy)
	if rerr != nil {
		adminRequestError(w, rerr)
		return
	}
	ctx := r.Context()
	hash, err := h.opts.Passwords.Hash(ctx, in.Password)
	if err != nil {
		h.storeFailed(w, r, "admin: password hash", err)
		return
	}
	// The admin knows this password until the user changes it
	// (POST /v1/account/password): PasswordSetByAdmin says so.
	u, err := h.opts.Store.CreateUser(ctx, store.NewUser{TenantID: tenant.ID, Email: email, Name: name, Role: role, PasswordHash: hash, PasswordSetByAdmin: true})
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, api.CodeConflict, "an account with this e-mail address, or one that looks the same, already exists")
		return
	case errors.Is(err, store.ErrInvalid):
		adminRequestError(w, badRequest(api.CodeInvalid, `member "email" is not an e-mail address`))
		return
	case err != nil:
		h.storeFailed(w, r, "admin: create user", err)
		return
	}
	if !h.auditAdmin(w, r, p, auditUserCreated, u.ID, u.TenantID, struct {
		Role string `json:"role"`
	}{string(u.Role)}) {
		return
	}
	writeJSON(w, http.StatusCreated, api.AdminUserAnswer{User: adminUserRow(h.actor(p), store.UserListing{User: u}, tenant)})
}

// validateNewUser checks the new user's address, name and password; the
// password's minimum length follows the tenant: where 2FA is not required
// the password stands alone and must be longer (NIST SP 800-63B-4).
// Messages name the member, never its value.
func validateNewUser(in api.AdminUserCreate, tp store.TenantPolicy) (email, name string, _ *requestError) {
	email, problem := checkEmail(in.Email)
	if problem != "" {
		return "", "", badRequest(api.CodeInvalid, "%s", problem)
	}
	name, rerr := adminText(in.Name, `member "name"`, api.MaxAdminNameRunes)
	if rerr != nil {
		return "", "", rerr
	}
	if name == "" {
		return "", "", badRequest(api.CodeInvalid, `member "name" is required`)
	}
	if rerr := newPasswordProblem(in.Password, tp, "password"); rerr != nil {
		return "", "", rerr
	}
	return email, name, nil
}

// newPasswordProblem checks a new password (in member) against the
// tenant's rules: where 2FA is not required the password stands alone
// and must be longer (NIST SP 800-63B-4). nil: it may be used. The
// message names the member, never the value.
func newPasswordProblem(pw string, tp store.TenantPolicy, member string) *requestError {
	if pw == "" {
		return badRequest(api.CodeInvalid, `member %q is required`, member)
	}
	minRunes := auth.MinPasswordRunesSingleFactor
	if tp.Require2FA {
		minRunes = auth.MinPasswordRunesMFA
	}
	switch err := auth.CheckNewPassword(pw, minRunes); {
	case err == nil:
		return nil
	case errors.Is(err, auth.ErrPasswordTooShort):
		return adminUnprocessable(`member %q is too short: this tenant needs at least %d characters`, member, minRunes)
	case errors.Is(err, auth.ErrPasswordTooLong):
		return badRequest(api.CodeInvalid, `member %q is longer than %d bytes`, member, auth.MaxPasswordBytes)
	}
	return badRequest(api.CodeInvalid, `member %q must be text without control characters`, member)
}

// postAdminReset2FA serves POST /v1/admin/users/{id}/reset-2fa: the user's
// authenticators are disabled, their backup codes and recovery code made
// useless, their recovery links revoked and their sessions ended, so the
// next sign-in enrols a new authenticator. The user is told by e-mail.
func (h *Handler) postAdminReset2FA(w http.ResponseWriter, r *http.Request, p principal) {
	u, t, ok := h.adminLoadUser(w, r)
	if !ok || !h.adminAuthorize(w, r, p, policy.ResetFactor, adminUserTarget(u, t)) {
		return
	}
	ctx := r.Context()
	st := h.opts.Store
	factors, err := st.DisableTOTPFactors(ctx, u.ID)
	if err != nil {
		h.storeFailed(w, r, "admin: reset 2FA: factors", err)
		return
	}
	if err := st.ReplaceBackupCodes(ctx, u.ID, nil); err != nil {
		h.storeFailed(w, r, "admin: reset 2FA: backup codes", err)
		return
	}
	if err := h.voidRecoveryCode(r, u.ID); err != nil {
		h.storeFailed(w, r, "admin: reset 2FA: recovery code", err)
		return
	}
	links, err := st.RevokeRecoveryLinks(ctx, u.ID)
	if err != nil {
		h.storeFailed(w, r, "admin: reset 2FA: recovery links", err)
		return
	}
	sessions, err := st.RevokeUserSessions(ctx, u.ID)
	if err != nil {
		h.storeFailed(w, r, "admin: reset 2FA: sessions", err)
		return
	}
	if !h.auditAdmin(w, r, p, auditFactorReset, u.ID, u.TenantID, struct {
		Factors  int64 `json:"factors_disabled"`
		Links    int64 `json:"links_revoked"`
		Sessions int64 `json:"sessions_revoked"`
	}{factors, links, sessions}) {
		return
	}
	h.notify2FAChange(ctx, u, "Your two-factor authentication was reset by an admin of your team. "+
		"Your authenticator, backup codes and recovery code no longer work; the next time you sign in, you will set up a new authenticator.")
	h.adminAnswerUser(w, r, p, u, t)
}

// voidRecoveryCode makes the user's recovery code useless. The store has no
// delete for it, so the stored hash is replaced by the hash of a fresh code
// that is thrown away at once: nobody can ever present it.
func (h *Handler) voidRecoveryCode(r *http.Request, userID int64) error {
	ctx := r.Context()
	if _, err := h.opts.Store.GetRecoveryCode(ctx, userID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	code, err := auth.CanonicalRecoveryCode(auth.NewRecoveryCode())
	if err != nil {
		return err
	}
	return h.opts.Store.SetRecoveryCode(ctx, userID, h.opts.Keyring.CodeHash(auth.KindRecoveryCode, strconv.FormatInt(userID, 10), code))
}

// putAdminIPVerification serves PUT /v1/admin/users/{id}/ip-verification:
// whether the user's sign-ins from new addresses need e-mail confirmation.
func (h *Handler) putAdminIPVerification(w http.ResponseWriter, r *http.Request, p principal) {
	u, t, ok := h.adminLoadUser(w, r)
	if !ok || !h.adminAuthorize(w, r, p, policy.SetIPSkip, adminUserTarget(u, t)) {
		return
	}
	var in struct {
		Skip *bool `json:"skip"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Skip == nil {
		adminRequestError(w, badRequest(api.CodeInvalid, `member "skip" is required`))
		return
	}
	if u.SkipIPVerification != *in.Skip {
		var err error
		u, err = h.opts.Store.UpdateUser(r.Context(), u.ID, store.UserUpdate{SkipIPVerification: in.Skip})
		if err != nil {
			h.storeFailed(w, r, "admin: IP verification", err)
			return
		}
		if !h.auditAdmin(w, r, p, auditIPVerification, u.ID, u.TenantID, struct {
			Old bool `json:"old_skip"`
			New bool `json:"new_skip"`
		}{!*in.Skip, *in.Skip}) {
			return
		}
		what := "An admin of your team turned on e-mail confirmation of sign-ins from new networks for your account."
		if *in.Skip {
			what = "An admin of your team turned off e-mail confirmation of sign-ins from new networks for your account: your password and second factor alone now sign you in from anywhere."
		}
		h.notify2FAChange(r.Context(), u, what)
	}
	h.adminAnswerUser(w, r, p, u, t)
}

// putAdminLock serves PUT /v1/admin/users/{id}/lock. Locking ends the
// user's sessions at once (authenticate refuses locked users too, but a
// session must not outlive the decision).
func (h *Handler) putAdminLock(w http.ResponseWriter, r *http.Request, p principal) {
	u, t, ok := h.adminLoadUser(w, r)
	if !ok || !h.adminAuthorize(w, r, p, policy.ResetFactor, adminUserTarget(u, t)) {
		return
	}
	var in struct {
		Locked *bool `json:"locked"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Locked == nil {
		adminRequestError(w, badRequest(api.CodeInvalid, `member "locked" is required`))
		return
	}
	ctx := r.Context()
	changed := u.Locked != *in.Locked
	if changed {
		var err error
		if u, err = h.opts.Store.UpdateUser(ctx, u.ID, store.UserUpdate{Locked: in.Locked}); err != nil {
			h.storeFailed(w, r, "admin: lock", err)
			return
		}
	}
	var sessions int64
	if *in.Locked {
		var err error
		if sessions, err = h.opts.Store.RevokeUserSessions(ctx, u.ID); err != nil {
			h.storeFailed(w, r, "admin: lock: sessions", err)
			return
		}
	}
	if changed {
		action := auditUserUnlocked
		if *in.Locked {
			action = auditUserLocked
		}
		if !h.auditAdmin(w, r, p, action, u.ID, u.TenantID, struct {
			Sessions int64 `json:"sessions_revoked"`
		}{sessions}) {
			return
		}
	}
	h.adminAnswerUser(w, r, p, u, t)
}
