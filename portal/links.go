package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/ratelimit"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// One-time recovery links: issued on an approved request (e-mailed, and
// sealed for the requesting app's next poll) or directly by an admin
// (e-mailed only), shown by GET /recover/link and consumed by POST
// /recover/link (browser) or POST /v1/recovery-links/redeem (app).
//
// A link is 256 random bits of which the store keeps the SHA-256 only.
// Its GET page consumes nothing, because mail scanners and link previews
// follow links; only the page's form button (or the app) redeems it, in
// one atomic store update that exactly one of any number of concurrent
// redemptions wins. Redeeming disables the user's authenticator, ends
// their sessions and grants a session of scope enrol (EnrolSessionTTL) in
// which they can only set up a new authenticator.

// PathRecoverLink is the page a recovery link opens.
const PathRecoverLink = "/recover/link"

// linkDeliveryPurpose is the Keyring.Seal purpose of a link token kept for
// the requesting app; the sealed value is bound to the request's id, so a
// ciphertext copied to another request's row does not open.
const linkDeliveryPurpose = "link-delivery"

// recoveryRoutes: the recovery queue, decisions, one-time links and the
// requester's poll.
func (h *Handler) recoveryRoutes() []endpoint {
	return []endpoint{
		{method: http.MethodGet, path: api.PathRecoveryStatus, handler: h.getRecoveryStatus},
		{method: http.MethodGet, path: api.PathAdminRecoveryRequests, handler: h.withSession(h.getRecoveryQueue)},
		{method: http.MethodPost, path: api.PathAdminRecoveryRequests + "/{id}/approve", handler: h.withSession(h.postApproveRecovery)},
		{method: http.MethodPost, path: api.PathAdminRecoveryRequests + "/{id}/deny", handler: h.withSession(h.postDenyRecovery)},
		{method: http.MethodPost, path: api.PathAdminRecoveryRequests + "/{id}/forward", handler: h.withSession(h.postForwardRecovery)},
		{method: http.MethodPost, path: "/v1/admin/users/{id}/recovery-link", handler: h.withSession(h.postUserRecoveryLink)},
		{method: http.MethodPost, path: api.PathRecoveryLinkRedeem, handler: h.postRedeemRecoveryLink},
		{method: http.MethodGet, path: PathRecoverLink, handler: h.getRecoverLinkPage, page: true},
		{method: http.MethodPost, path: PathRecoverLink, handler: h.postRecoverLinkPage, page: true},
	}
}

// issueRecoveryLink issues a link for u on p's word, for req (an approved
// request) or, with req nil, directly. The token is sealed into the request
// for the requesting app only when the request proved the account's
// password (store.RecoveryRequest.PasswordProven); the e-mail to u's
// address then says where the link went, without it. Every other link is
// e-mailed, and only e-mailed. Emailed says whether the mail server took
// the mail. The token never leaves this function otherwise: the admin gets
// no copy, so cannot sign in as the user.
//
// One route per link, never both: a link handed to the app that proved the
// password need not wait in a mailbox as well, where whoever reads the
// mail (a shared or forwarded mailbox, a mail scanner, an attacker who
// took the mailbox and reused the password) would hold a second copy.
func (h *Handler) issueRecoveryLink(r *http.Request, p principal, u store.User, req *store.RecoveryRequest) (api.IssuedLink, error) {
	ctx := r.Context()
	tok := auth.NewToken()
	encoded := tok.Encode()
	var requestID int64
	forApp := false
	if req != nil {
		requestID, forApp = req.ID, req.PasswordProven
	}
	in := store.NewRecoveryLink{
		UserID: u.ID, RequestID: requestID, Purpose: store.LinkReenrol2FA, TokenHash: store.TokenHash(tok.Hash()),
		IssuedBy: p.User.ID, ExpiresAt: h.now().Add(h.opts.LinkTTL),
	}
	if forApp {
		sealed, err := h.opts.Keyring.Seal(linkDeliveryPurpose, strconv.FormatInt(requestID, 10), []byte(encoded))
		if err != nil {
			return api.IssuedLink{}, fmt.Errorf("sealing the link of request %d for the app: %w", requestID, err)
		}
		in.Delivery = store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext}
	}
	l, err := h.opts.Store.IssueRecoveryLink(ctx, in)
	if err != nil {
		return api.IssuedLink{}, fmt.Errorf("issuing a recovery link for user %d: %w", u.ID, err)
	}
	addr, _ := sourceAddress(r)
	if err := h.audit(ctx, store.AuditEntry{
		ActorID: p.User.ID, Action: auditLinkIssued, TargetUserID: u.ID, TenantID: u.TenantID, SourceAddr: addr,
		Details: recoveryDetails(map[string]any{"link_id": l.ID, "request_id": requestID, "expires_at": l.ExpiresAt.UTC(), "for_app": forApp}),
	}); err != nil {
		// A link nobody can account for must not work.
		if _, rerr := h.opts.Store.RevokeRecoveryLinks(ctx, u.ID); rerr != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "unaudited recovery link not revoked",
				slog.String("id", RequestID(ctx)), slog.Int64("link", l.ID), slog.String("err", auth.Redact(rerr.Error())))
		}
		return api.IssuedLink{}, fmt.Errorf("auditing recovery link %d: %w", l.ID, err)
	}
	mailErr := h.sendMail(ctx, h.linkMail(u, l, req, encoded))
	return api.IssuedLink{UserID: u.ID, ExpiresAt: l.ExpiresAt.UTC(), Emailed: mailErr == nil && !forApp, ForApp: forApp}, nil
}

// linkMail is the e-mail about link l for u: the link itself, or, when it
// went to the app of a request that proved the password, a notice of
// where it went.
func (h *Handler) linkMail(u store.User, l store.RecoveryLink, req *store.RecoveryRequest, encoded string) mail.Message {
	until := l.ExpiresAt.UTC().Format("15:04 MST on 2 January 2006")
	var text string
	switch {
	case req != nil && req.PasswordProven:
		text = fmt.Sprintf("Hello %s,\n\nAn admin approved your request to recover your account without your authenticator. The one-time link went to the Latchkey app that asked, from the address %s, and works once, until %s, with your password.\n\nIf you did not ask for this, change your password now and tell your admin: whoever asked knows it.\n\n— %s\n",
			u.Name, req.SourceAddr, until, h.opts.Issuer)
	default:
		intro := "An admin issued you a one-time link to recover your account without your authenticator."
		if req != nil {
			intro = "An admin approved your request to recover your account without your authenticator."
		}
		text = fmt.Sprintf("Hello %s,\n\n%s\n\nOpen this link to remove the authenticator you lost and set up a new one. It works once, until %s, and asks for your password:\n\n%s\n\nIf you did not ask for this, do not open the link, and tell your admin.\n\n— %s\n",
			u.Name, intro, until, h.absURL(PathRecoverLink, url.Values{"token": {encoded}}), h.opts.Issuer)
	}
	return mail.Message{To: u.Email, Subject: h.opts.Issuer + ": your account recovery link", Text: text}
}

// postUserRecoveryLink serves POST /v1/admin/users/{id}/recovery-link: an
// admin has a one-time link e-mailed to the user, without a request. The
// answer says where it went, never what it is.
func (h *Handler) postUserRecoveryLink(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct{}
	if !decodeRecoveryBody(w, r, &in) {
		return
	}
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, api.CodeInvalid, "the user id in the path must be a positive integer")
		return
	}
	const noUser = "no such user"
	u, err := h.opts.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, noUser)
		return
	}
	if err != nil {
		h.storeFailed(w, r, "recovery link: user", err)
		return
	}
	t, err := h.opts.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		h.storeFailed(w, r, "recovery link: tenant", err)
		return
	}
	target := policy.Target{UserID: u.ID, Role: u.Role, TenantID: t.ID, TenantParentID: t.ParentID}
	if err := policy.Check(h.actor(p), policy.IssueLink, target); err != nil {
		var d *policy.Denial
		if !errors.As(err, &d) || d.Hide {
			writeError(w, http.StatusNotFound, api.CodeNotFound, noUser)
			return
		}
		writeError(w, http.StatusForbidden, api.CodeForbidden, d.Reason)
		return
	}
	if u.Locked {
		writeError(w, http.StatusConflict, api.CodeConflict, "the account is locked; unlock it before issuing a recovery link")
		return
	}
	issued, err := h.issueRecoveryLink(r, p, u, nil)
	if err != nil {
		h.storeFailed(w, r, "recovery link: issue", err)
		return
	}
	if !issued.Emailed {
		// E-mail is this link's only way to the user: undelivered, it
		// must not stay usable.
		if _, err := h.opts.Store.RevokeRecoveryLinks(ctx, u.ID); err != nil {
			h.storeFailed(w, r, "recovery link: withdraw undelivered link", err)
			return
		}
		writeError(w, http.StatusServiceUnavailable, api.CodeUnavailable,
			"the link could not be e-mailed, so it was withdrawn; try again later")
		return
	}
	writeJSON(w, http.StatusOK, api.DirectLinkIssued{Link: issued})
}

// linkProblem is why a link cannot be used: one answer for the page (title
// and message) and the API (status, code and message).
type linkProblem struct {
	status         int
	code           string
	title, message string
}

var (
	linkMalformed = &linkProblem{http.StatusBadRequest, api.CodeInvalid, "This link is incomplete",
		"The recovery link is cut short or changed. Open it straight from the e-mail, or copy the whole address; if it still fails, ask your admin for a new link."}
	linkUnknown = &linkProblem{http.StatusNotFound, api.CodeNotFound, "This link does not work",
		"The portal knows no such recovery link. Ask your admin for a new one."}
	linkUsed = &linkProblem{http.StatusGone, api.CodeInvalid, "This link was already used",
		"A recovery link works once, and this one has been used. If that was not you, tell your admin now."}
	linkRevoked = &linkProblem{http.StatusGone, api.CodeInvalid, "This link was replaced",
		"A newer recovery link was issued, or this one was withdrawn. Use the newest e-mail, or ask your admin."}
	linkExpired = &linkProblem{http.StatusGone, api.CodeInvalid, "This link has expired",
		"Recovery links work for a limited time and this one is over. Ask your admin for a new one."}
	linkNeedsPassword = &linkProblem{http.StatusUnauthorized, api.CodeUnauthenticated, "Your password is needed",
		"A recovery link replaces your authenticator, not your password. Type your account's password to continue."}
	linkWrongPassword = &linkProblem{http.StatusUnauthorized, api.CodeUnauthenticated, "The password is wrong",
		"That is not your account's password. The link is still unused: try again."}
	linkWithdrawn = &linkProblem{http.StatusGone, api.CodeInvalid, "This link was withdrawn",
		"Too many wrong passwords were typed with this link, so it no longer works. Ask your admin for a new one."}
	linkLocked = &linkProblem{http.StatusForbidden, api.CodeForbidden, "This account is locked",
		"The account this link is for is locked. Ask your admin."}
)

// linkState says whether l can be used at now.
func linkState(l store.RecoveryLink, now time.Time) *linkProblem {
	switch {
	case l.Purpose != store.LinkReenrol2FA:
		return linkUnknown
	case !l.UsedAt.IsZero():
		return linkUsed
	case !l.RevokedAt.IsZero():
		return linkRevoked
	case !l.ExpiresAt.After(now):
		return linkExpired
	}
	return nil
}

// inspectLink looks the encoded token up without consuming it. A problem
// is for the person holding the link; an error is the portal's.
func (h *Handler) inspectLink(ctx context.Context, raw string) (store.RecoveryLink, store.User, *linkProblem, error) {
	hash, err := auth.HashEncodedToken(raw)
	if err != nil {
		return store.RecoveryLink{}, store.User{}, linkMalformed, nil
	}
	l, err := h.opts.Store.GetRecoveryLink(ctx, store.TokenHash(hash))
	if errors.Is(err, store.ErrNotFound) {
		return store.RecoveryLink{}, store.User{}, linkUnknown, nil
	}
	if err != nil {
		return store.RecoveryLink{}, store.User{}, nil, fmt.Errorf("looking the recovery link up: %w", err)
	}
	u, err := h.opts.Store.GetUser(ctx, l.UserID)
	if err != nil {
		return store.RecoveryLink{}, store.User{}, nil, fmt.Errorf("user %d of recovery link %d: %w", l.UserID, l.ID, err)
	}
	if prob := linkState(l, h.now()); prob != nil {
		return l, u, prob, nil
	}
	if u.Locked {
		return l, u, linkLocked, nil
	}
	return l, u, nil, nil
}

// linkAudit appends an anonymous entry about l (whoever holds the link),
// in the tenant of its user.
func (h *Handler) linkAudit(r *http.Request, action string, l store.RecoveryLink, tenantID int64, details map[string]any) error {
	addr, _ := sourceAddress(r)
	if details == nil {
		details = map[string]any{}
	}
	details["link_id"] = l.ID
	details["request_id"] = l.RequestID
	return h.audit(r.Context(), store.AuditEntry{Action: action, TargetUserID: l.UserID, TenantID: tenantID, SourceAddr: addr,
		Details: recoveryDetails(details)})
}

// noteLinkProblem audits an attempt on an expired link, with the address
// it came from, and sweeps expired links so this one's "link.expired" is
// written now rather than at the next maintenance (the other problems need
// no entry: unknown and malformed links name nobody, used and revoked ones
// have theirs already).
func (h *Handler) noteLinkProblem(r *http.Request, prob *linkProblem, l store.RecoveryLink, u store.User) {
	if prob == linkExpired && l.ID != 0 {
		_ = h.linkAudit(r, auditLinkRefused, l, u.TenantID, map[string]any{"reason": "expired"})
		_ = h.lapseRecoveryLinks(r.Context())
	}
}

// lapseRecoveryLinks writes one "link.expired" entry for every link that
// expired unused since the last sweep. The store hands each link to one
// caller only, so concurrent sweeps on several nodes write each once.
func (h *Handler) lapseRecoveryLinks(ctx context.Context) error {
	links, err := h.opts.Store.LapseRecoveryLinks(ctx, h.now())
	if err != nil {
		return fmt.Errorf("lapsing recovery links: %w", err)
	}
	for _, l := range links {
		e := store.AuditEntry{Action: auditLinkExpired, TargetUserID: l.UserID,
			Details: recoveryDetails(map[string]any{"link_id": l.ID, "request_id": l.RequestID})}
		if u, err := h.opts.Store.GetUser(ctx, l.UserID); err == nil {
			e.TenantID = u.TenantID
		}
		// Nothing was granted; audit logs a failure to record it.
		_ = h.audit(ctx, e)
	}
	return nil
}

// linkPasswordWindow is the window of a link's wrong-password count: longer
// than any link lives (MaxLinkTTL), so a link's count is never reset.
const linkPasswordWindow = 24 * time.Hour

// limitLinkPassword is the rate-limit scope of wrong passwords per link.
const limitLinkPassword = "link-password"

// checkLinkPassword verifies the password of l's user. A wrong one is
// counted against the link; past MaxLinkPasswordAttempts the link is
// withdrawn (whoever holds it is guessing) and audited.
func (h *Handler) checkLinkPassword(r *http.Request, l store.RecoveryLink, u store.User, password string) (*linkProblem, error) {
	ctx := r.Context()
	if password == "" {
		return linkNeedsPassword, nil
	}
	if h.checkPassword(ctx, passwordAttempt{user: u, found: true}, password) {
		return nil, nil
	}
	win := ratelimit.Window{Counter: h.opts.Store, Limit: api.MaxLinkPasswordAttempts, Window: linkPasswordWindow}
	ok, _, err := win.Allow(ctx, ratelimit.Key(limitLinkPassword, strconv.FormatInt(l.ID, 10)))
	if err != nil {
		return nil, fmt.Errorf("counting wrong passwords of recovery link %d: %w", l.ID, err)
	}
	_ = h.linkAudit(r, auditLinkRefused, l, u.TenantID, map[string]any{"reason": "wrong_password"})
	if ok {
		return linkWrongPassword, nil
	}
	if _, err := h.opts.Store.RevokeRecoveryLinks(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("withdrawing recovery link %d after wrong passwords: %w", l.ID, err)
	}
	_ = h.linkAudit(r, auditLinkRevoked, l, u.TenantID, map[string]any{"reason": "wrong_passwords"})
	return linkWithdrawn, nil
}

// linkGrant is what redeeming a link gives: an enrol-only session.
type linkGrant struct {
	token   string
	expires time.Time
}

// redeemLink checks the account's password, then consumes the link and
// grants the enrol session: the link is spent (exactly one concurrent
// caller wins), the user's authenticators are disabled and sessions
// revoked, the change is audited and the user notified. A link replaces
// the second factor only: with a wrong password nothing is spent, and
// after more than MaxLinkPasswordAttempts wrong ones the link is withdrawn.
func (h *Handler) redeemLink(r *http.Request, raw, password string) (linkGrant, *linkProblem, error) {
	ctx := r.Context()
	l, u, prob, err := h.inspectLink(ctx, raw)
	if err != nil || prob != nil {
		h.noteLinkProblem(r, prob, l, u)
		return linkGrant{}, prob, err
	}
	if prob, err := h.checkLinkPassword(r, l, u, password); err != nil || prob != nil {
		return linkGrant{}, prob, err
	}
	l, err = h.opts.Store.RedeemRecoveryLink(ctx, store.LinkReenrol2FA, l.TokenHash)
	switch {
	case errors.Is(err, store.ErrUsed):
		return linkGrant{}, linkUsed, nil
	case errors.Is(err, store.ErrRevoked):
		return linkGrant{}, linkRevoked, nil
	case errors.Is(err, store.ErrExpired):
		return linkGrant{}, linkExpired, nil
	case errors.Is(err, store.ErrNotFound):
		return linkGrant{}, linkUnknown, nil
	case err != nil:
		return linkGrant{}, nil, fmt.Errorf("redeeming recovery link: %w", err)
	}
	disabled, err := h.opts.Store.DisableTOTPFactors(ctx, u.ID)
	if err != nil {
		return linkGrant{}, nil, fmt.Errorf("disabling the authenticators of user %d: %w", u.ID, err)
	}
	ended, err := h.opts.Store.RevokeUserSessions(ctx, u.ID)
	if err != nil {
		return linkGrant{}, nil, fmt.Errorf("ending the sessions of user %d: %w", u.ID, err)
	}
	if err := h.linkAudit(r, auditLinkUsed, l, u.TenantID, map[string]any{"factors_disabled": disabled, "sessions_revoked": ended}); err != nil {
		// No session without the record of how it was had.
		return linkGrant{}, nil, fmt.Errorf("auditing recovery link %d: %w", l.ID, err)
	}
	tok := auth.NewToken()
	addr, _ := sourceAddress(r)
	s, err := h.opts.Store.CreateSession(ctx, store.NewSession{
		UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: store.ScopeEnrol, SourceAddr: addr,
		ExpiresAt: h.now().Add(EnrolSessionTTL),
	})
	if err != nil {
		return linkGrant{}, nil, fmt.Errorf("enrol session for user %d: %w", u.ID, err)
	}
	h.notify2FAChange(ctx, u, "Your authenticator was removed with a one-time recovery link, and you were signed out everywhere. Set up a new authenticator now.")
	return linkGrant{token: tok.Encode(), expires: s.ExpiresAt.UTC()}, nil, nil
}

// postRedeemRecoveryLink serves POST /v1/recovery-links/redeem for the app:
// the link's token in, an enrol-only session out.
func (h *Handler) postRedeemRecoveryLink(w http.ResponseWriter, r *http.Request) {
	var in api.RecoveryLinkRedeem
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Token == "" {
		writeError(w, http.StatusBadRequest, api.CodeInvalid, `member "token" is required`)
		return
	}
	g, prob, err := h.redeemLink(r, in.Token, in.Password)
	if err != nil {
		h.storeFailed(w, r, "recovery link: redeem", err)
		return
	}
	if prob != nil {
		writeError(w, prob.status, prob.code, prob.message)
		return
	}
	writeJSON(w, http.StatusOK, api.RecoveryLinkRedeemed{SessionToken: g.token, ExpiresAt: g.expires, Scope: string(store.ScopeEnrol)})
}

// linkPage is the data of the link page.
type linkPage struct {
	Token     string
	FirstName string
	ExpiresAt string
	Error     string
}

// greetingName is the first word of name, or "" when that would show more
// than a first name (an e-mail address used as the name).
func greetingName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 || strings.ContainsAny(f[0], "@") {
		return ""
	}
	return clip(f[0], 40)
}

// getRecoverLinkPage serves GET /recover/link?token=…: a confirmation page
// with a button, and nothing else. It consumes nothing (mail scanners
// fetch links), and says whether the link is used, replaced or expired
// without naming the account beyond a first name.
func (h *Handler) getRecoverLinkPage(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("token")
	l, u, prob, err := h.inspectLink(r.Context(), raw)
	if err != nil {
		h.pageFailed(w, r, err)
		return
	}
	if prob != nil {
		h.noteLinkProblem(r, prob, l, u)
		h.pageMessage(w, r, prob.status, messagePage{Title: prob.title, Message: prob.message})
		return
	}
	// The page stands without its entry (nothing is granted here).
	_ = h.linkAudit(r, auditLinkOpened, l, u.TenantID, nil)
	h.page(w, r, http.StatusOK, "link", linkPage{Token: raw, FirstName: greetingName(u.Name),
		ExpiresAt: l.ExpiresAt.UTC().Format("15:04 MST on 2 January 2006")})
}

// linkPage shows the link page again after a password problem, which
// spent nothing: the same form, with the problem above it.
func (h *Handler) linkPage(w http.ResponseWriter, r *http.Request, raw string, prob *linkProblem) {
	l, u, other, err := h.inspectLink(r.Context(), raw)
	if err != nil {
		h.pageFailed(w, r, err)
		return
	}
	if other != nil {
		h.pageMessage(w, r, other.status, messagePage{Title: other.title, Message: other.message})
		return
	}
	h.page(w, r, prob.status, "link", linkPage{Token: raw, FirstName: greetingName(u.Name), Error: prob.message,
		ExpiresAt: l.ExpiresAt.UTC().Format("15:04 MST on 2 January 2006")})
}

// postRecoverLinkPage serves the link page's button: the link is redeemed,
// the enrol session set as the session cookie, and the browser sent on to
// /enrol.
func (h *Handler) postRecoverLinkPage(w http.ResponseWriter, r *http.Request) {
	// Without this, another site could post its own link from the user's
	// browser and leave them enrolling into the attacker's account.
	if !h.sameOrigin(r) {
		h.pageMessage(w, r, http.StatusForbidden, messagePage{Title: "This form was sent from elsewhere",
			Message: "Open the recovery link from your e-mail again and press the button on the portal's own page."})
		return
	}
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if tooLarge(err) != nil {
			status = http.StatusRequestEntityTooLarge
		}
		h.pageMessage(w, r, status, messagePage{Title: "This form could not be read",
			Message: "Open the recovery link from your e-mail again and press the button."})
		return
	}
	g, prob, err := h.redeemLink(r, r.PostForm.Get("token"), r.PostForm.Get("password"))
	if err != nil {
		h.pageFailed(w, r, err)
		return
	}
	if prob == linkWrongPassword || prob == linkNeedsPassword {
		h.linkPage(w, r, r.PostForm.Get("token"), prob)
		return
	}
	if prob != nil {
		h.pageMessage(w, r, prob.status, messagePage{Title: prob.title, Message: prob.message})
		return
	}
	h.writeSessionCookie(w, r, g.token, g.expires)
	w.Header().Set("Location", "/enrol")
	h.page(w, r, http.StatusSeeOther, "link_done", nil)
}

// secureCookies reports whether the portal is reached over TLS, so the
// session cookie must never travel in clear.
func (h *Handler) secureCookies(r *http.Request) bool {
	return r.TLS != nil || h.opts.HSTS || (h.opts.BaseURL != nil && strings.EqualFold(h.opts.BaseURL.Scheme, "https"))
}
