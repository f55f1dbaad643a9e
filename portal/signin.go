package portal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/ratelimit"
	"github.com/latchkey/latchkey/portal/store"
)

// Sign-in is a password step, then (when the user has an authenticator) a
// second factor, then, for an address the account has not signed in from,
// an e-mailed confirmation; a user whose tenant requires 2FA and who has no
// authenticator confirms their e-mail address instead and gets an
// enrol-only session. Between steps the client holds a sealed challenge
// (signin_challenge.go). The JSON API (here) and the browser forms
// (signin_pages.go) run the same steps.
//
// An SSO-enforced tenant's users cannot sign in with a password at all: the
// portal has no SSO identity provider yet, so they get a 403 naming SSO.
// Locked users, SSO tenants and IP allow lists are checked only after the
// password matched, so that these answers tell nothing to someone without
// it.

// Rate limits of sign-in, counted in the store so that every portal node
// shares them. Every attempt counts, successful or not: the store has no
// read-without-increment, and a limit checked only after a failure would
// let a correct guess through past it. The limits are set well above what
// a person needs.
const (
	// SignInPerAccount bounds password attempts per account per
	// SignInWindow from addresses it signed in from before, and is the
	// first tier of the growing delays for every other address
	// (signin_limits.go).
	SignInPerAccount = 10
	// DefaultSignInPerAddress bounds password attempts per source address
	// (per /64 for IPv6) per SignInWindow; Options.SignInPerAddress
	// overrides it (an office behind one NAT address may need more).
	DefaultSignInPerAddress = 50
	// SecondFactorPerAccount bounds second-factor attempts per account per
	// SignInWindow, across all methods: with TOTP's three valid codes in
	// 10⁶ that is about one chance in 10⁵ per hour.
	SecondFactorPerAccount = 5
	// DefaultSecondFactorPerAddress bounds second-factor attempts per
	// source address per SignInWindow; Options.SecondFactorPerAddress
	// overrides it.
	DefaultSecondFactorPerAddress = 30
	// EmailCodesPerAccount bounds e-mailed sign-in codes per account per
	// SignInWindow (mail flooding).
	EmailCodesPerAccount = 3
	// SignInWindow is the fixed window of the sign-in limits.
	SignInWindow = 15 * time.Minute

	// EmailCodeTTL is how long an e-mailed sign-in code is valid.
	EmailCodeTTL = 10 * time.Minute
)

// Rate-limit scopes and audit actions of the sign-in area.
const (
	limitSignInAddress = "signin-addr"
	limitFactorAccount = "signin-factor-account"
	limitFactorAddress = "signin-factor-addr"
	limitEmailCodes    = "signin-email-code"

	auditSignInSucceeded  = "signin.succeeded"
	auditSignInFailed     = "signin.failed"
	auditEmailCodeSent    = "signin.email_code_sent"
	auditBackupCodeUsed   = "backup_code.used"
	auditRecoveryCodeUsed = "recovery_code.used"
	auditSessionEnded     = "session.ended"
)

// signInRoutes: sign-in, second factors, e-mail verification and enrolment.
func (h *Handler) signInRoutes() []endpoint {
	both := []store.SessionScope{store.ScopeFull, store.ScopeEnrol}
	eps := []endpoint{
		{method: http.MethodPost, path: api.PathSignIn, handler: h.postSignIn},
		{method: http.MethodPost, path: api.PathSignInSecondFactor, handler: h.postSecondFactor},
		{method: http.MethodPost, path: api.PathSignInEmailCode, handler: h.postEmailCode},
		{method: http.MethodPost, path: api.PathSignInComplete, handler: h.postSignInComplete},
		{method: http.MethodPost, path: api.PathEmailVerifications, handler: h.postEmailVerification},
		{method: http.MethodPost, path: api.PathEnrolment, handler: h.withSession(h.postEnrolment, both...)},
		{method: http.MethodPost, path: api.PathEnrolmentConfirm, handler: h.withSession(h.postEnrolmentConfirm, both...)},
		{method: http.MethodPost, path: api.PathEnrolmentSaved, handler: h.withSession(h.postEnrolmentSaved, both...)},
		{method: http.MethodGet, path: api.PathSession, handler: h.withSession(h.getSession, both...)},
		{method: http.MethodDelete, path: api.PathSession, handler: h.withSession(h.deleteSession, both...)},
	}
	return append(eps, h.signInPages()...)
}

// signInResult is where a sign-in step left the sign-in.
type signInResult struct {
	State              string
	Challenge          string
	ChallengeExpiresAt time.Time
	Methods            []string
	Session            *grant
	NewRecoveryCode    string
}

// grant is a new session; Token exists only here and in the answer.
type grant struct {
	Token     auth.Token
	Scope     store.SessionScope
	ExpiresAt time.Time
}

func (r signInResult) wire() api.SignInAnswer {
	a := api.SignInAnswer{
		State:              r.State,
		Challenge:          r.Challenge,
		ChallengeExpiresAt: r.ChallengeExpiresAt.UTC(),
		Methods:            r.Methods,
		NewRecoveryCode:    r.NewRecoveryCode,
	}
	if r.Session != nil {
		a.Session = &api.SessionGrant{Token: r.Session.Token.Encode(), Scope: string(r.Session.Scope), ExpiresAt: r.Session.ExpiresAt.UTC()}
	}
	return a
}

// --- JSON endpoints ----------------------------------------------------------

// postSignIn serves POST /v1/sign-in, unauthenticated: the password step.
func (h *Handler) postSignIn(w http.ResponseWriter, r *http.Request) {
	var in api.SignInRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	email, fe := validateSignIn(in.Email, in.Password)
	if fe == nil {
		var res signInResult
		res, fe = h.passwordStep(r.Context(), r, email, in.Password)
		if fe == nil {
			writeJSON(w, http.StatusOK, res.wire())
			return
		}
	}
	writeFlowError(w, fe)
}

// postSecondFactor serves POST /v1/sign-in/second-factor.
func (h *Handler) postSecondFactor(w http.ResponseWriter, r *http.Request) {
	var in api.SecondFactorRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	res, fe := h.secondFactorStep(r.Context(), r, in.Challenge, in.Method, in.Code)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, res.wire())
}

// postEmailCode serves POST /v1/sign-in/email-code: 202 once the code is
// handed to the mail server.
func (h *Handler) postEmailCode(w http.ResponseWriter, r *http.Request) {
	var in api.ChallengeRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	exp, fe := h.emailCodeStep(r.Context(), r, in.Challenge)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusAccepted, api.EmailCodeSent{ExpiresAt: exp.UTC()})
}

// postSignInComplete serves POST /v1/sign-in/complete.
func (h *Handler) postSignInComplete(w http.ResponseWriter, r *http.Request) {
	var in api.ChallengeRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	res, fe := h.completeStep(r.Context(), r, in.Challenge)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, res.wire())
}

// getSession serves GET /v1/session: who the session is.
func (h *Handler) getSession(w http.ResponseWriter, _ *http.Request, p principal) {
	writeJSON(w, http.StatusOK, api.SessionInfo{
		User:      api.SessionUser{ID: p.User.ID, Email: p.User.Email, Name: p.User.Name, Role: string(p.User.Role)},
		Tenant:    api.SessionTenant{ID: p.Tenant.ID, Name: p.Tenant.Name},
		Scope:     string(p.Session.Scope),
		ExpiresAt: p.Session.ExpiresAt.UTC(),
	})
}

// deleteSession serves DELETE /v1/session: sign out.
func (h *Handler) deleteSession(w http.ResponseWriter, r *http.Request, p principal) {
	if fe := h.endSession(r.Context(), r, p); fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, api.SignedOut{Status: "signed_out"})
}

// --- steps -------------------------------------------------------------------

var errWrongPassword = &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
	message: "the e-mail address or the password is wrong"}

var errNoEmailCodes = &flowError{status: http.StatusForbidden, code: api.CodeForbidden,
	message: "your tenant does not accept e-mailed sign-in codes; use your authenticator or a backup code"}

var errWrongCode = &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
	message: "the code is wrong, expired or already used"}

// validateSignIn checks the password step's members and returns the
// trimmed address. Messages name the member, never its value.
func validateSignIn(email, password string) (string, *flowError) {
	bad := func(msg string) (string, *flowError) {
		return "", &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: msg}
	}
	email, problem := checkEmail(email)
	switch {
	case problem != "":
		return bad(problem)
	case password == "":
		return bad(`member "password" is required`)
	}
	return email, nil
}

// passwordStep checks the address and password and decides what comes
// next. Unknown addresses, users without a password and wrong passwords
// do the same work (one Argon2id run, one audit entry) and get the same
// answer.
func (h *Handler) passwordStep(ctx context.Context, r *http.Request, email, password string) (signInResult, *flowError) {
	addr, _ := sourceAddress(r)
	a, fe := h.admitPassword(ctx, r, email)
	if fe != nil {
		return signInResult{}, fe
	}
	u := a.user
	if !h.checkPassword(ctx, a, password) {
		h.auditFailure(ctx, u, addr, "password", "wrong_password")
		return signInResult{}, errWrongPassword
	}
	t, err := h.opts.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		return signInResult{}, h.internal(ctx, "sign-in: tenant", err)
	}
	if fe := h.signInAllowed(ctx, u, t, addr, "password"); fe != nil {
		return signInResult{}, fe
	}
	if h.opts.Passwords.NeedsRehash(u.PasswordHash) {
		h.rehash(ctx, u, password)
	}

	_, err = h.opts.Store.ActiveTOTPFactor(ctx, u.ID)
	switch {
	case err == nil:
		methods, err := h.methods(ctx, u, t)
		if err != nil {
			return signInResult{}, h.internal(ctx, "sign-in: second factors", err)
		}
		return h.waitFor(ctx, challenge{UserID: u.ID, Stage: stageSecondFactor, Addr: addr}, methods)
	case !errors.Is(err, store.ErrNotFound):
		return signInResult{}, h.internal(ctx, "sign-in: active factor", err)
	}
	scope := store.ScopeFull
	if t.Policy.Require2FA {
		// Forced enrolment: the e-mail address is confirmed first, so
		// that the codes and notices that follow reach the user.
		scope = store.ScopeEnrol
		if u.EmailVerifiedAt.IsZero() {
			if fe := h.sendVerifyEmail(ctx, u, addr); fe != nil {
				return signInResult{}, fe
			}
			return h.waitFor(ctx, challenge{UserID: u.ID, Stage: stageVerifyEmail, Addr: addr, Scope: scope, Method: "password"}, nil)
		}
	}
	return h.finishSignIn(ctx, u, addr, scope, "password")
}

// rehash stores the password under the current Argon2id parameters after
// a successful verification (OWASP: upgrading the work factor). A failure
// leaves the old hash, which still works.
func (h *Handler) rehash(ctx context.Context, u store.User, password string) {
	hash, err := h.opts.Passwords.Hash(ctx, password)
	if err == nil {
		_, err = h.opts.Store.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordHash: &hash})
	}
	if err != nil {
		h.logError(ctx, "sign-in: re-hashing the password of user "+strconv.FormatInt(u.ID, 10), err)
	}
}

// secondFactorStep checks a second factor against a second_factor
// challenge.
func (h *Handler) secondFactorStep(ctx context.Context, r *http.Request, encoded, method, code string) (signInResult, *flowError) {
	addr, subject := sourceAddress(r)
	c, fe := h.openChallenge(encoded, addr, stageSecondFactor)
	if fe != nil {
		return signInResult{}, fe
	}
	switch method {
	case api.MethodTOTP, api.MethodBackupCode, api.MethodRecoveryCode, api.MethodEmailCode:
	case "":
		return signInResult{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "method" is required`}
	default:
		return signInResult{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
			message: `member "method" must be totp, backup_code, recovery_code or email_code`}
	}
	if strings.TrimSpace(code) == "" {
		return signInResult{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "code" is required`}
	}
	u, t, fe := h.challengeUser(ctx, c, addr)
	if fe != nil {
		return signInResult{}, fe
	}
	if fe := h.limit(ctx, limitFactorAddress, subject, h.opts.SecondFactorPerAddress, "too many sign-in codes tried from your network; try again later"); fe != nil {
		return signInResult{}, fe
	}
	if fe := h.limit(ctx, limitFactorAccount, strconv.FormatInt(u.ID, 10), SecondFactorPerAccount, "too many sign-in codes tried for this account; try again later"); fe != nil {
		return signInResult{}, fe
	}
	// The factor is checked, then the challenge burnt, and only then the
	// factor spent: a replayed challenge spends nothing (no backup code
	// used up, no TOTP step taken), and of two concurrent uses of one
	// challenge only the one that burnt it goes on.
	spend, fe := h.verifyFactor(ctx, u, t, method, code)
	if fe != nil {
		if fe == errWrongCode {
			h.auditFailure(ctx, u, addr, "second_factor", "wrong_"+method)
		}
		return signInResult{}, fe
	}
	if fe := h.burn(ctx, c); fe != nil {
		return signInResult{}, fe
	}
	newRecovery, fe := spend(addr)
	if fe != nil {
		return signInResult{}, fe
	}
	res, fe := h.finishSignIn(ctx, u, addr, store.ScopeFull, method)
	if fe != nil {
		if newRecovery != "" {
			h.log.LogAttrs(ctx, slog.LevelError, "sign-in failed after the recovery code was replaced; the user needs a new enrolment",
				slog.String("id", RequestID(ctx)), slog.Int64("user", u.ID))
		}
		return signInResult{}, fe
	}
	res.NewRecoveryCode = newRecovery
	return res, nil
}

// emailCodeStep e-mails a one-time sign-in code for a second_factor
// challenge and returns its expiry.
func (h *Handler) emailCodeStep(ctx context.Context, r *http.Request, encoded string) (time.Time, *flowError) {
	addr, _ := sourceAddress(r)
	c, fe := h.openChallenge(encoded, addr, stageSecondFactor)
	if fe != nil {
		return time.Time{}, fe
	}
	u, t, fe := h.challengeUser(ctx, c, addr)
	if fe != nil {
		return time.Time{}, fe
	}
	if !t.Policy.AllowEmailCodes {
		return time.Time{}, errNoEmailCodes
	}
	if fe := h.limit(ctx, limitEmailCodes, strconv.FormatInt(u.ID, 10), EmailCodesPerAccount, "too many sign-in codes were e-mailed; try again later"); fe != nil {
		return time.Time{}, fe
	}
	uid := strconv.FormatInt(u.ID, 10)
	exp := h.now().Add(EmailCodeTTL)
	var code string
	for attempt := 0; ; attempt++ {
		code = auth.NewEmailCode()
		canonical, err := auth.CanonicalEmailCode(code)
		if err != nil {
			return time.Time{}, h.internal(ctx, "sign-in code: format", err)
		}
		_, err = h.opts.Store.CreateEmailToken(ctx, store.NewEmailToken{
			UserID: u.ID, Purpose: store.PurposeSignInCode, SourceAddr: addr, ExpiresAt: exp,
			TokenHash: store.TokenHash(h.opts.Keyring.CodeDigest(auth.KindEmailCode, uid, canonical)),
		})
		if err == nil {
			break
		}
		// The digest is unique per purpose: the same user drew the same
		// 8 digits as a code still stored. Draw again.
		if !errors.Is(err, store.ErrConflict) || attempt == 2 {
			return time.Time{}, h.internal(ctx, "sign-in code: store", err)
		}
	}
	err := h.sendMail(ctx, mailSignInCode(h.opts.Issuer, u, addr, code))
	if err != nil {
		return time.Time{}, mailFailed
	}
	h.auditUser(ctx, u, addr, auditEmailCodeSent, nil)
	return exp, nil
}

// completeStep finishes a sign-in that waited for an e-mailed link. Until
// the link is confirmed it answers the waiting state again.
func (h *Handler) completeStep(ctx context.Context, r *http.Request, encoded string) (signInResult, *flowError) {
	addr, _ := sourceAddress(r)
	c, fe := h.openChallenge(encoded, addr, stageVerifyEmail, stageVerifyAddress)
	if fe != nil {
		return signInResult{}, fe
	}
	if c.Scope != store.ScopeFull && c.Scope != store.ScopeEnrol {
		return signInResult{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
			message: `member "challenge" is not a sign-in challenge of this portal; sign in again`}
	}
	u, _, fe := h.challengeUser(ctx, c, addr)
	if fe != nil {
		return signInResult{}, fe
	}
	waiting := signInResult{State: c.Stage, Challenge: encoded, ChallengeExpiresAt: c.expiresAt()}
	switch c.Stage {
	case stageVerifyEmail:
		if u.EmailVerifiedAt.IsZero() {
			return waiting, nil
		}
	case stageVerifyAddress:
		if !u.SkipIPVerification {
			known, err := h.opts.Store.IsKnownAddress(ctx, u.ID, addr)
			if err != nil {
				return signInResult{}, h.internal(ctx, "sign-in: known address", err)
			}
			if !known {
				return waiting, nil
			}
		}
	}
	if fe := h.burn(ctx, c); fe != nil {
		return signInResult{}, fe
	}
	return h.finishSignIn(ctx, u, addr, c.Scope, c.Method)
}

// finishSignIn grants the session once every factor is proven, unless the
// source address is new to the account: then it e-mails a confirmation
// link and waits.
func (h *Handler) finishSignIn(ctx context.Context, u store.User, addr string, scope store.SessionScope, method string) (signInResult, *flowError) {
	if !u.SkipIPVerification {
		known, err := h.opts.Store.IsKnownAddress(ctx, u.ID, addr)
		if err != nil {
			return signInResult{}, h.internal(ctx, "sign-in: known address", err)
		}
		if !known {
			if fe := h.sendVerifyAddress(ctx, u, addr); fe != nil {
				return signInResult{}, fe
			}
			return h.waitFor(ctx, challenge{UserID: u.ID, Stage: stageVerifyAddress, Addr: addr, Scope: scope, Method: method}, nil)
		}
	}
	g, fe := h.grantSession(ctx, u, scope, addr, method)
	if fe != nil {
		return signInResult{}, fe
	}
	return signInResult{State: api.StateSignedIn, Session: &g}, nil
}

// waitFor seals c and answers its stage.
func (h *Handler) waitFor(ctx context.Context, c challenge, methods []string) (signInResult, *flowError) {
	enc, exp, err := h.sealChallenge(c)
	if err != nil {
		return signInResult{}, h.internal(ctx, "sign-in: sealing the challenge", err)
	}
	return signInResult{State: c.Stage, Challenge: enc, ChallengeExpiresAt: exp, Methods: methods}, nil
}

// challengeUser loads the challenge's user and tenant and checks again
// that they may sign in (an admin may have locked the account since).
func (h *Handler) challengeUser(ctx context.Context, c challenge, addr string) (store.User, store.Tenant, *flowError) {
	u, err := h.opts.Store.GetUser(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Tenant{}, &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
			message: "the account no longer exists"}
	}
	if err != nil {
		return store.User{}, store.Tenant{}, h.internal(ctx, "sign-in: challenge user", err)
	}
	t, err := h.opts.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		return store.User{}, store.Tenant{}, h.internal(ctx, "sign-in: challenge tenant", err)
	}
	if fe := h.signInAllowed(ctx, u, t, addr, c.Stage); fe != nil {
		return store.User{}, store.Tenant{}, fe
	}
	return u, t, nil
}

// signInAllowed applies the account's and tenant's rules once the password
// is proven: not locked, not an SSO-only tenant, and an address inside the
// tenant's allow list.
func (h *Handler) signInAllowed(ctx context.Context, u store.User, t store.Tenant, addr, stage string) *flowError {
	var reason, msg string
	switch {
	case u.Locked:
		reason, msg = "locked", "this account is locked; ask an admin"
	case t.Policy.SSOEnforced:
		reason, msg = "sso_enforced", "your organisation signs in through single sign-on only; use its sign-in page instead of a password"
	case !addressAllowed(t.Policy.IPAllowList, addr):
		reason, msg = "address_not_allowed", "your tenant does not allow sign-ins from this network"
	default:
		return nil
	}
	h.auditFailure(ctx, u, addr, stage, reason)
	return &flowError{status: http.StatusForbidden, code: api.CodeForbidden, message: msg}
}

// methods lists the second factors u can use now.
func (h *Handler) methods(ctx context.Context, u store.User, t store.Tenant) ([]string, error) {
	out := []string{api.MethodTOTP}
	codes, err := h.opts.Store.ListBackupCodes(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		if c.UsedAt.IsZero() {
			out = append(out, api.MethodBackupCode)
			break
		}
	}
	switch _, err := h.opts.Store.GetRecoveryCode(ctx, u.ID); {
	case err == nil:
		out = append(out, api.MethodRecoveryCode)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if t.Policy.AllowEmailCodes {
		out = append(out, api.MethodEmailCode)
	}
	return out, nil
}

// grantSession creates the session of a completed sign-in, remembers the
// address and audits it. Without its audit entry the session is revoked:
// a sign-in nobody can trace must not stand.
func (h *Handler) grantSession(ctx context.Context, u store.User, scope store.SessionScope, addr, method string) (grant, *flowError) {
	ttl := h.opts.SessionTTL
	if scope == store.ScopeEnrol {
		ttl = EnrolSessionTTL
	}
	tok := auth.NewToken()
	s, err := h.opts.Store.CreateSession(ctx, store.NewSession{
		UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: scope, SourceAddr: addr, ExpiresAt: h.now().Add(ttl),
	})
	if err != nil {
		return grant{}, h.internal(ctx, "sign-in: creating the session", err)
	}
	if err := h.opts.Store.RememberAddress(ctx, u.ID, addr); err != nil {
		// Only costs the user a confirmation e-mail next time.
		h.logError(ctx, "sign-in: remembering the address", err)
	}
	if err := h.auditUser(ctx, u, addr, auditSignInSucceeded, map[string]any{"method": method, "scope": scope, "session_id": s.ID}); err != nil {
		if rerr := h.opts.Store.RevokeSession(ctx, store.TokenHash(tok.Hash())); rerr != nil {
			h.logError(ctx, "sign-in: revoking an unaudited session", rerr)
		}
		return grant{}, internalError(ctx)
	}
	return grant{Token: tok, Scope: scope, ExpiresAt: s.ExpiresAt}, nil
}

// endSession revokes the principal's session (sign-out).
func (h *Handler) endSession(ctx context.Context, r *http.Request, p principal) *flowError {
	if err := h.opts.Store.RevokeSession(ctx, p.Session.TokenHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		return h.internal(ctx, "sign-out", err)
	}
	addr, _ := sourceAddress(r)
	_ = h.auditUser(ctx, p.User, addr, auditSessionEnded, map[string]any{"session_id": p.Session.ID})
	return nil
}

// --- helpers -----------------------------------------------------------------

// limit counts one hit of (scope, subject) against n per SignInWindow.
func (h *Handler) limit(ctx context.Context, scope, subject string, n int64, msg string) *flowError {
	win := ratelimit.Window{Counter: h.opts.Store, Limit: n, Window: SignInWindow}
	ok, retry, err := win.Allow(ctx, ratelimit.Key(scope, subject))
	if err != nil {
		return h.unavailable(ctx, "rate limit unavailable ("+scope+")", err)
	}
	if !ok {
		return &flowError{status: http.StatusTooManyRequests, code: api.CodeRateLimited, message: msg, retryAfter: retry}
	}
	return nil
}

// setRetryAfter sets Retry-After in whole seconds, at least one.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
}

// logError logs err redacted with the request id.
func (h *Handler) logError(ctx context.Context, what string, err error) {
	h.log.LogAttrs(ctx, slog.LevelError, what, slog.String("id", RequestID(ctx)), slog.String("err", auth.Redact(err.Error())))
}

// internalError is the 500 answer for a failure already logged.
func internalError(ctx context.Context) *flowError {
	return &flowError{status: http.StatusInternalServerError, code: api.CodeInternal,
		message: "internal error; quote request " + RequestID(ctx) + " to the portal's administrator"}
}

// mailFailed is the answer when a link or code could not be e-mailed (the
// mailer's error is logged by sendMail).
var mailFailed = &flowError{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
	message: "the portal could not send you an e-mail just now; try again in a few minutes"}

// auditUser appends an entry about u acting on their own account. details
// must hold no secret.
func (h *Handler) auditUser(ctx context.Context, u store.User, addr, action string, details map[string]any) error {
	e := store.AuditEntry{ActorID: u.ID, Action: action, TargetUserID: u.ID, TenantID: u.TenantID, SourceAddr: addr}
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return err
		}
		e.Details = b
	}
	return h.audit(ctx, e)
}

// auditFailure records a refused sign-in. The actor is anonymous (nobody
// is signed in); the target is the account when the address matched one.
// Details name the stage and reason only, never what was typed.
func (h *Handler) auditFailure(ctx context.Context, u store.User, addr, stage, reason string) {
	b, _ := json.Marshal(map[string]string{"stage": stage, "reason": reason})
	_ = h.audit(ctx, store.AuditEntry{Action: auditSignInFailed, TargetUserID: u.ID, TenantID: u.TenantID, SourceAddr: addr, Details: b})
}
