package portal

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// The signed-in user's own account: a password change, which takes the
// current password again (OWASP Authentication: re-authenticate before
// changing a credential), so that a stolen session alone cannot lock the
// real user out or keep a way in after the user signs out.

// Audit actions of the account area. Details never hold a secret.
const (
	auditPasswordChanged = "password.changed"
	// auditPasswordCheckFailed: a signed-in user typed a wrong current
	// password (details: the stage that asked).
	auditPasswordCheckFailed = "password.check_failed"
)

// accountRoutes: the signed-in user's own account.
func (h *Handler) accountRoutes() []endpoint {
	return []endpoint{
		{method: http.MethodPost, path: api.PathAccountPassword, handler: h.withSession(h.postAccountPassword)},
	}
}

var errWrongCurrentPassword = &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
	message: "the current password is wrong"}

// postAccountPassword serves POST /v1/account/password (full session):
// the current password, then the new one under the tenant's rules. The
// caller's session goes on; the user's other sessions end, and the user
// is told by e-mail.
func (h *Handler) postAccountPassword(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.PasswordChange
	if !decodeJSON(w, r, &in) {
		return
	}
	n, fe := h.changePassword(r.Context(), r, p, in.CurrentPassword, in.NewPassword)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, api.PasswordChanged{Status: "password_changed", SessionsEnded: n})
}

// changePassword replaces p's password once the current one is proven,
// and returns how many of the user's other sessions it ended. Every
// refusal changes nothing.
func (h *Handler) changePassword(ctx context.Context, r *http.Request, p principal, current, next string) (int64, *flowError) {
	if current == "" {
		return 0, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "current_password" is required`}
	}
	// The new password's shape is checked first: it costs nothing and
	// tells nothing about the account.
	if rerr := newPasswordProblem(next, p.Tenant.Policy, "new_password"); rerr != nil {
		return 0, &flowError{status: rerr.status, code: rerr.code, message: rerr.message}
	}
	if fe := h.checkCurrentPassword(ctx, r, p.User, current, "password_change"); fe != nil {
		return 0, fe
	}
	if next == current {
		return 0, &flowError{status: http.StatusUnprocessableEntity, code: api.CodeInvalid,
			message: `member "new_password" must differ from the current password`}
	}
	hash, err := h.opts.Passwords.Hash(ctx, next)
	if err != nil {
		return 0, h.internal(ctx, "password change: hashing", err)
	}
	own := false
	if _, err := h.opts.Store.UpdateUser(ctx, p.User.ID, store.UserUpdate{PasswordHash: &hash, PasswordSetByAdmin: &own}); err != nil {
		return 0, h.internal(ctx, "password change: storing", err)
	}
	addr, _ := sourceAddress(r)
	// Whoever else held a session (another browser, a stolen token)
	// loses it with the old password.
	n, err := h.opts.Store.RevokeOtherSessions(ctx, p.User.ID, p.Session.ID)
	if err != nil {
		// The password is changed; the other sessions lapse on their
		// own. Say so rather than report a clean success.
		h.logError(ctx, "password change: ending the other sessions of user "+strconv.FormatInt(p.User.ID, 10), err)
		return 0, internalError(ctx)
	}
	// The change stands without its audit entry (h.audit logs the
	// failure): undoing it could hand the account back to whoever knew
	// the old password.
	_ = h.auditUser(ctx, p.User, addr, auditPasswordChanged, map[string]any{"session_id": p.Session.ID, "sessions_revoked": n,
		"was_set_by_admin": p.User.PasswordSetByAdmin})
	h.notifyPasswordChange(ctx, p.User, addr, n)
	return n, nil
}

// checkCurrentPassword proves that the holder of a session knows u's
// password now. It counts against the same per-address and per-account
// budgets as the sign-in's password step (admitPassword: the same counters, so a session
// adds no guesses), runs Argon2id once also for an account without a
// password, and audits a wrong password, naming stage. errWrongCurrentPassword
// covers every way the password can fail.
func (h *Handler) checkCurrentPassword(ctx context.Context, r *http.Request, u store.User, password, stage string) *flowError {
	addr, _ := sourceAddress(r)
	a, fe := h.admitPassword(ctx, r, u.Email)
	if fe != nil {
		return fe
	}
	// The session's user, re-read: the look-up by address must name them.
	if a.user.ID != u.ID {
		a = passwordAttempt{user: u, found: true}
	}
	if !h.checkPassword(ctx, a, password) {
		_ = h.auditUser(ctx, u, addr, auditPasswordCheckFailed, map[string]any{"stage": stage, "reason": "wrong_password"})
		return errWrongCurrentPassword
	}
	return nil
}

// notifyPasswordChange tells u by e-mail that their password changed. A
// mail failure does not undo the change (it is in the audit log).
func (h *Handler) notifyPasswordChange(ctx context.Context, u store.User, addr string, ended int64) {
	sessions := ""
	if ended > 0 {
		sessions = fmt.Sprintf(" %d other sign-in(s) of yours were ended.", ended)
	}
	_ = h.sendMail(ctx, mail.Message{
		To:      u.Email,
		Subject: h.opts.Issuer + ": your password changed",
		Text: fmt.Sprintf("Hello %s,\n\nThe password of your account was changed from %s.%s\n\n"+
			"If this was not you, contact your admin now: they can lock the account and reset its sign-in.\n\n— %s\n",
			u.Name, addr, sessions, h.opts.Issuer),
	})
}
