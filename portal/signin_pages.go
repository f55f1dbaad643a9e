package portal

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// The browser pages of sign-in and enrolment run the same steps as the
// JSON API. They hold no state but the session cookie and, between sign-in
// steps, the sealed challenge in a hidden form field. Every form posts back
// to the portal (CSP form-action 'self'); every POST must pass
// sameOrigin, before a session exists too (login CSRF), and the session
// cookie is SameSite=Strict.
const (
	pathSignIn         = "/sign-in"
	pathSignInFactor   = "/sign-in/second-factor"
	pathSignInCode     = "/sign-in/email-code"
	pathSignInComplete = "/sign-in/complete"
	pathSignOut        = "/sign-out"
	pathEnrol          = "/enrol"
	pathEnrolConfirm   = "/enrol/confirm"
	pathEnrolSaved     = "/enrol/saved"
	pathAccount        = "/account"
)

func (h *Handler) signInPages() []endpoint {
	pages := []endpoint{
		{method: http.MethodGet, path: pathSignIn, handler: h.getSignInPage},
		{method: http.MethodPost, path: pathSignIn, handler: h.postSignInPage},
		{method: http.MethodPost, path: pathSignInFactor, handler: h.postSecondFactorPage},
		{method: http.MethodPost, path: pathSignInCode, handler: h.postEmailCodePage},
		{method: http.MethodPost, path: pathSignInComplete, handler: h.postCompletePage},
		{method: http.MethodGet, path: pathVerifyEmail, handler: h.getVerifyPage(store.PurposeVerifyEmail)},
		{method: http.MethodPost, path: pathVerifyEmail, handler: h.postVerifyPage(store.PurposeVerifyEmail)},
		{method: http.MethodGet, path: pathVerifyAddress, handler: h.getVerifyPage(store.PurposeVerifyAddress)},
		{method: http.MethodPost, path: pathVerifyAddress, handler: h.postVerifyPage(store.PurposeVerifyAddress)},
		{method: http.MethodGet, path: pathEnrol, handler: h.getEnrolPage},
		{method: http.MethodPost, path: pathEnrol, handler: h.postEnrolPage},
		{method: http.MethodPost, path: pathEnrolConfirm, handler: h.postEnrolConfirmPage},
		{method: http.MethodPost, path: pathEnrolSaved, handler: h.postEnrolSavedPage},
		{method: http.MethodGet, path: pathAccount, handler: h.getAccountPage},
		{method: http.MethodPost, path: pathSignOut, handler: h.postSignOutPage},
	}
	for i := range pages {
		pages[i].page = true
	}
	return pages
}

// Page data.
type (
	signInPage struct {
		Email       string
		Error, Info string
	}
	secondFactorPage struct {
		Challenge   string
		Methods     []methodOption
		EmailCodes  bool
		Error, Info string
	}
	methodOption struct {
		Value, Label string
		Selected     bool
	}
	pendingPage struct {
		Challenge       string
		VerifyEmail     bool // else a new address
		NewRecoveryCode string
		Error, Info     string
	}
	recoveryCodePage struct {
		Code     string
		Continue string
	}
	enrolPage struct {
		Forced bool // an enrol-only session: no way around it
		// NeedsPassword: replacing an active authenticator with a full
		// session takes the current password.
		NeedsPassword bool
		Started       bool
		FactorID      int64
		QR            template.URL
		URI           string
		URILink       template.URL
		Secret        string
		ExpiresAt     string
		Error         string
		AccountLinks  bool
	}
	enrolCodesPage struct {
		BackupCodes  []string
		RecoveryCode string
	}
	accountPage struct {
		Name, Email, Tenant, Role string
		ExpiresAt                 string
		Idle                      string // the idle timeout, in words
	}
)

var methodLabels = map[string]string{
	api.MethodTOTP:         "Code from my authenticator app",
	api.MethodBackupCode:   "A backup code",
	api.MethodRecoveryCode: "My recovery code",
	api.MethodEmailCode:    "A code e-mailed to me",
}

// pageForm checks a page POST: same origin, and a form body that parses.
// On failure it has answered.
func (h *Handler) pageForm(w http.ResponseWriter, r *http.Request) bool {
	if !h.sameOrigin(r) {
		h.pageMessage(w, r, http.StatusForbidden, messagePage{Title: "Request refused",
			Message: "The portal refuses forms posted from other sites. Open the portal's own page and try again.",
			Link:    pathSignIn, LinkLabel: "Go to the sign-in page"})
		return false
	}
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		h.pageMessage(w, r, status, messagePage{Title: "Request refused", Message: "The form could not be read."})
		return false
	}
	return true
}

// sentence makes an API message a sentence for a page.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func (h *Handler) getSignInPage(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, "signin", signInPage{})
}

func (h *Handler) postSignInPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	typed := r.PostFormValue("email")
	email, fe := validateSignIn(typed, r.PostFormValue("password"))
	var res signInResult
	if fe == nil {
		res, fe = h.passwordStep(r.Context(), r, email, r.PostFormValue("password"))
	}
	if fe != nil {
		h.signInFailed(w, r, fe, signInPage{Email: strings.TrimSpace(typed)})
		return
	}
	h.pageResult(w, r, res, "")
}

// signInFailed shows the sign-in form again with the error.
func (h *Handler) signInFailed(w http.ResponseWriter, r *http.Request, fe *flowError, data signInPage) {
	if fe.status == http.StatusTooManyRequests {
		setRetryAfter(w, fe.retryAfter)
	}
	data.Error = sentence(fe.message)
	h.page(w, r, fe.status, "signin", data)
}

func (h *Handler) postSecondFactorPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	ch, method := r.PostFormValue("challenge"), r.PostFormValue("method")
	res, fe := h.secondFactorStep(r.Context(), r, ch, method, r.PostFormValue("code"))
	if fe != nil {
		h.stepFailed(w, r, fe, ch, method)
		return
	}
	h.pageResult(w, r, res, "")
}

func (h *Handler) postEmailCodePage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	ch := r.PostFormValue("challenge")
	exp, fe := h.emailCodeStep(r.Context(), r, ch)
	if fe != nil {
		h.stepFailed(w, r, fe, ch, api.MethodEmailCode)
		return
	}
	h.secondFactorForm(w, r, http.StatusOK, ch, api.MethodEmailCode, "",
		"We e-mailed you a sign-in code; it works until "+exp.UTC().Format("15:04")+" UTC.")
}

func (h *Handler) postCompletePage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	ch := r.PostFormValue("challenge")
	res, fe := h.completeStep(r.Context(), r, ch)
	if fe != nil {
		h.signInFailed(w, r, fe, signInPage{})
		return
	}
	info := ""
	if res.Challenge == ch {
		info = "We have not seen your confirmation yet. Open the link in the e-mail, press Confirm, then press Continue here."
	}
	h.pageResult(w, r, res, info)
}

// stepFailed answers a failed step after the password. A wrong or
// missing code, a limit or a method the tenant refuses keep the user on the
// second-factor form while the challenge still works; anything else (an
// expired challenge, a locked account) starts over at the sign-in form.
func (h *Handler) stepFailed(w http.ResponseWriter, r *http.Request, fe *flowError, ch, method string) {
	stay := fe == errWrongCode || fe == errNoEmailCodes || fe.status == http.StatusTooManyRequests || fe.status == http.StatusBadRequest
	addr, _ := sourceAddress(r)
	if _, cfe := h.openChallenge(ch, addr, stageSecondFactor); !stay || cfe != nil {
		h.signInFailed(w, r, fe, signInPage{})
		return
	}
	if fe.status == http.StatusTooManyRequests {
		setRetryAfter(w, fe.retryAfter)
	}
	h.secondFactorForm(w, r, fe.status, ch, method, sentence(fe.message), "")
}

// secondFactorForm renders the second-factor form for the challenge ch.
func (h *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request, status int, ch, selected, errMsg, info string) {
	addr, _ := sourceAddress(r)
	c, fe := h.openChallenge(ch, addr, stageSecondFactor)
	if fe != nil {
		h.signInFailed(w, r, fe, signInPage{})
		return
	}
	ctx := r.Context()
	u, err := h.opts.Store.GetUser(ctx, c.UserID)
	var t store.Tenant
	if err == nil {
		t, err = h.opts.Store.GetTenant(ctx, u.TenantID)
	}
	var methods []string
	if err == nil {
		methods, err = h.methods(ctx, u, t)
	}
	if err != nil {
		h.signInFailed(w, r, h.internal(ctx, "second-factor page", err), signInPage{})
		return
	}
	h.page(w, r, status, "second_factor", h.secondFactorData(ch, methods, selected, errMsg, info))
}

func (h *Handler) secondFactorData(ch string, methods []string, selected, errMsg, info string) secondFactorPage {
	d := secondFactorPage{Challenge: ch, Error: errMsg, Info: info}
	for _, m := range methods {
		if m == api.MethodEmailCode {
			d.EmailCodes = true
		}
		d.Methods = append(d.Methods, methodOption{Value: m, Label: methodLabels[m], Selected: m == selected})
	}
	return d
}

// pageResult shows where a step left the sign-in; a signed-in result sets
// the session cookie and goes on to the account (or enrolment) page.
func (h *Handler) pageResult(w http.ResponseWriter, r *http.Request, res signInResult, waitingInfo string) {
	switch res.State {
	case api.StateSecondFactor:
		h.page(w, r, http.StatusOK, "second_factor", h.secondFactorData(res.Challenge, res.Methods, "", "", ""))
	case api.StateVerifyEmail, api.StateVerifyAddress:
		h.page(w, r, http.StatusOK, "signin_pending", pendingPage{
			Challenge: res.Challenge, VerifyEmail: res.State == api.StateVerifyEmail,
			NewRecoveryCode: res.NewRecoveryCode, Info: waitingInfo,
		})
	case api.StateSignedIn:
		h.setSessionCookie(w, r, *res.Session)
		next := pathAccount
		if res.Session.Scope == store.ScopeEnrol {
			next = pathEnrol
		}
		if res.NewRecoveryCode != "" {
			h.page(w, r, http.StatusOK, "signin_recovery", recoveryCodePage{Code: res.NewRecoveryCode, Continue: next})
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	default:
		h.pageFailed(w, r, errors.New("sign-in step ended in state "+res.State))
	}
}

// setSessionCookie hands the browser the session g (writeSessionCookie).
func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, g grant) {
	h.writeSessionCookie(w, r, g.Token.Encode(), g.ExpiresAt)
}

// pagePrincipal authenticates a page request by its session cookie (pages
// never take a bearer token). Without a live session it redirects to the
// sign-in page; a session of another scope goes to its own page. On
// failure it has answered.
func (h *Handler) pagePrincipal(w http.ResponseWriter, r *http.Request, scopes ...store.SessionScope) (principal, bool) {
	cookie := h.sessionCookie(r)
	if cookie == "" {
		http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
		return principal{}, false
	}
	if !h.sameOrigin(r) {
		h.pageMessage(w, r, http.StatusForbidden, messagePage{Title: "Request refused",
			Message: "The portal refuses forms posted from other sites."})
		return principal{}, false
	}
	ctx := r.Context()
	hash, err := auth.HashEncodedToken(cookie)
	var s store.Session
	if err == nil {
		s, err = h.liveSession(ctx, store.TokenHash(hash))
	}
	switch {
	case err == nil:
	case errors.Is(err, errSessionIdle):
		h.clearSessionCookie(w, r)
		h.page(w, r, http.StatusUnauthorized, "signin", signInPage{
			Info: "You were signed out after " + humanDuration(h.opts.SessionIdleTimeout) + " without activity. Sign in again."})
		return principal{}, false
	case errors.Is(err, auth.ErrTokenFormat), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		h.clearSessionCookie(w, r)
		http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
		return principal{}, false
	default:
		h.pageFailed(w, r, err)
		return principal{}, false
	}
	u, err := h.opts.Store.GetUser(ctx, s.UserID)
	var t store.Tenant
	if err == nil {
		t, err = h.opts.Store.GetTenant(ctx, u.TenantID)
	}
	if err != nil {
		h.pageFailed(w, r, err)
		return principal{}, false
	}
	addr, _ := sourceAddress(r)
	switch {
	case u.Locked:
		h.pageMessage(w, r, http.StatusForbidden, messagePage{Title: "Account locked", Message: "This account is locked; ask an admin."})
		return principal{}, false
	case !addressAllowed(t.Policy.IPAllowList, addr):
		h.pageMessage(w, r, http.StatusForbidden, messagePage{Title: "Network not allowed", Message: "Your tenant does not allow sign-ins from this network."})
		return principal{}, false
	}
	for _, sc := range scopes {
		if s.Scope == sc {
			return principal{Session: s, User: u, Tenant: t, Cookie: true}, true
		}
	}
	next := pathAccount
	if s.Scope == store.ScopeEnrol {
		next = pathEnrol
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return principal{}, false
}

func (h *Handler) getEnrolPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pagePrincipal(w, r, store.ScopeEnrol, store.ScopeFull)
	if !ok {
		return
	}
	h.enrolForm(w, r, p, http.StatusOK, "")
}

// enrolForm shows the enrolment page's first step (with errMsg), asking
// for the current password where replacing the authenticator needs it.
func (h *Handler) enrolForm(w http.ResponseWriter, r *http.Request, p principal, status int, errMsg string) {
	need, err := h.needsPassword(r.Context(), p)
	if err != nil {
		h.pageFailed(w, r, err)
		return
	}
	h.page(w, r, status, "enrol", enrolPage{Forced: p.Session.Scope == store.ScopeEnrol, AccountLinks: p.Session.Scope == store.ScopeFull,
		NeedsPassword: need, Error: errMsg})
}

func (h *Handler) postEnrolPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	p, ok := h.pagePrincipal(w, r, store.ScopeEnrol, store.ScopeFull)
	if !ok {
		return
	}
	e, fe := h.beginEnrolment(r.Context(), r, p, r.PostFormValue("current_password"))
	if fe != nil {
		h.enrolFailed(w, r, p, fe)
		return
	}
	h.enrolShow(w, r, p, http.StatusOK, e, "")
}

func (h *Handler) postEnrolConfirmPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	p, ok := h.pagePrincipal(w, r, store.ScopeEnrol, store.ScopeFull)
	if !ok {
		return
	}
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.PostFormValue("factor_id"), 10, 64)
	codes, fe := h.confirmEnrolment(ctx, r, p, id, r.PostFormValue("code"))
	if fe != nil {
		// A wrong code shows the same QR code again, if it still works.
		f, secret, pfe := h.pendingFactor(ctx, p, id)
		if pfe != nil {
			h.enrolFailed(w, r, p, fe)
			return
		}
		uri, err := h.enrolmentURI(p.User, secret)
		if err != nil {
			h.enrolFailed(w, r, p, h.internal(ctx, "enrolment page: URI", err))
			return
		}
		h.enrolShow(w, r, p, fe.status, pendingEnrolment{FactorID: f.ID, Secret: secret, URI: uri, ExpiresAt: f.CreatedAt.Add(EnrolmentTTL)}, sentence(fe.message))
		return
	}
	h.page(w, r, http.StatusOK, "enrol_codes", enrolCodesPage{BackupCodes: codes.Backup, RecoveryCode: codes.Recovery})
}

func (h *Handler) postEnrolSavedPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	p, ok := h.pagePrincipal(w, r, store.ScopeEnrol, store.ScopeFull)
	if !ok {
		return
	}
	g, fe := h.finishEnrolment(r.Context(), r, p)
	if fe != nil {
		h.enrolFailed(w, r, p, fe)
		return
	}
	h.setSessionCookie(w, r, g)
	http.Redirect(w, r, pathAccount, http.StatusSeeOther)
}

// enrolShow renders the enrolment page with e's QR code.
func (h *Handler) enrolShow(w http.ResponseWriter, r *http.Request, p principal, status int, e pendingEnrolment, errMsg string) {
	qr, err := qrDataURL(e.URI)
	if err != nil {
		h.pageFailed(w, r, err)
		return
	}
	h.page(w, r, status, "enrol", enrolPage{
		Forced: p.Session.Scope == store.ScopeEnrol, AccountLinks: p.Session.Scope == store.ScopeFull,
		Started: true, FactorID: e.FactorID, QR: qr, URI: e.URI,
		// Built here from our own otpauth URI, for phones that open it.
		URILink:   template.URL(e.URI),
		Secret:    groupSecret(e.Secret),
		ExpiresAt: e.ExpiresAt.UTC().Format("15:04") + " UTC",
		Error:     errMsg,
	})
}

func (h *Handler) enrolFailed(w http.ResponseWriter, r *http.Request, p principal, fe *flowError) {
	if fe.status == http.StatusTooManyRequests {
		setRetryAfter(w, fe.retryAfter)
	}
	h.enrolForm(w, r, p, fe.status, sentence(fe.message))
}

func (h *Handler) getAccountPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pagePrincipal(w, r, store.ScopeFull)
	if !ok {
		return
	}
	h.page(w, r, http.StatusOK, "account", accountPage{
		Name: p.User.Name, Email: p.User.Email, Tenant: p.Tenant.Name, Role: roleLabel(p.User.Role),
		ExpiresAt: p.Session.ExpiresAt.UTC().Format("2006-01-02 15:04") + " UTC",
		Idle:      humanDuration(h.opts.SessionIdleTimeout),
	})
}

func (h *Handler) postSignOutPage(w http.ResponseWriter, r *http.Request) {
	if !h.pageForm(w, r) {
		return
	}
	p, ok := h.pagePrincipal(w, r, store.ScopeEnrol, store.ScopeFull)
	if !ok {
		return
	}
	if fe := h.endSession(r.Context(), r, p); fe != nil {
		h.pageMessage(w, r, fe.status, messagePage{Title: "Sign-out failed", Message: sentence(fe.message)})
		return
	}
	h.clearSessionCookie(w, r)
	h.page(w, r, http.StatusOK, "signin", signInPage{Info: "You are signed out."})
}

func roleLabel(r store.Role) string {
	if r == store.RoleReadOnly {
		return "read-only"
	}
	return string(r)
}
