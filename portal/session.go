package portal

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// The session cookie carries the session token of browser pages. The API
// takes the same token as "Authorization: Bearer <token>".
//
// Over https (a TLS connection, Options.HSTS, or an https base URL, as
// behind a TLS-terminating proxy: secureCookies) it is HostSessionCookie.
// Browsers keep a "__Host-" cookie only when it is Secure, has Path=/ and
// no Domain, so no other host under the portal's domain and no plain-http
// page can set or shadow it (session fixation by cookie tossing). The
// portal reads only the name it sets: over https a "latchkey_session"
// cookie, which anyone on a sibling host could have planted, is ignored.
// Over plain http (loopback, for development) browsers refuse "__Host-"
// cookies, so the cookie is SessionCookie.
const (
	SessionCookie     = "latchkey_session"
	HostSessionCookie = "__Host-latchkey_session"
)

// sessionCookieName is the session cookie's name for r.
func (h *Handler) sessionCookieName(r *http.Request) string {
	if h.secureCookies(r) {
		return HostSessionCookie
	}
	return SessionCookie
}

// writeSessionCookie hands the browser the session token, valid until
// expires: HttpOnly (no script reads it, and the pages have none),
// SameSite=Strict (no other site's page sends it), Path=/ and no Domain,
// and Secure with the "__Host-" name over https. Every page that sets the
// session (sign-in, enrolment, a redeemed recovery link) goes through it.
func (h *Handler) writeSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: h.sessionCookieName(r), Value: token, Path: "/",
		MaxAge:   max(int(expires.Sub(h.now())/time.Second), 1),
		HttpOnly: true, Secure: h.secureCookies(r), SameSite: http.SameSiteStrictMode,
	})
}

// clearSessionCookie tells the browser to drop the session cookie.
func (h *Handler) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: h.sessionCookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secureCookies(r), SameSite: http.SameSiteStrictMode})
}

// sessionCookie is the session cookie's value ("" without one).
func (h *Handler) sessionCookie(r *http.Request) string {
	c, err := r.Cookie(h.sessionCookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// principal is who a request is from: a live session, its user and the
// user's tenant.
type principal struct {
	Session store.Session
	User    store.User
	Tenant  store.Tenant
	// Cookie: the token came from the session cookie (a browser page), so
	// unsafe methods must pass the same-origin check.
	Cookie bool
}

// actor is the principal as the policy sees it.
func (h *Handler) actor(p principal) policy.Actor {
	return policy.Actor{UserID: p.User.ID, TenantID: p.Tenant.ID, Role: p.User.Role, Platform: h.isPlatform(p.Tenant.ID)}
}

// isPlatform reports whether tenant is the platform tenant, whose owners
// and admins are the support queue for forwarded requests.
func (h *Handler) isPlatform(tenantID int64) bool {
	return h.opts.PlatformTenantID != 0 && tenantID == h.opts.PlatformTenantID
}

// sessionHandler is an endpoint that needs a signed-in principal.
type sessionHandler func(w http.ResponseWriter, r *http.Request, p principal)

// withSession authenticates the request and calls next when its session
// has one of scopes (none given: ScopeFull only). It answers 401 for a
// missing, unknown, expired or revoked token; 403 for a locked user, a
// session of another scope, an address outside the tenant's allow list, or
// a cross-site browser POST.
func (h *Handler) withSession(next sessionHandler, scopes ...store.SessionScope) http.HandlerFunc {
	if len(scopes) == 0 {
		scopes = []store.SessionScope{store.ScopeFull}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := h.authenticate(w, r)
		if !ok {
			return
		}
		if !slices.Contains(scopes, p.Session.Scope) {
			msg := "this session cannot do that"
			if p.Session.Scope == store.ScopeEnrol {
				msg = "this session can only enrol a new authenticator"
			}
			writeError(w, http.StatusForbidden, api.CodeForbidden, msg)
			return
		}
		next(w, r, p)
	}
}

// authenticate finds the principal or answers the request and reports false.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	raw, cookie := h.sessionToken(r)
	if raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey-portal"`)
		writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated, "sign in first")
		return principal{}, false
	}
	if cookie && !h.sameOrigin(r) {
		writeError(w, http.StatusForbidden, api.CodeForbidden, "cross-site requests are refused")
		return principal{}, false
	}
	hash, err := auth.HashEncodedToken(raw)
	if err != nil {
		h.unauthenticated(w, "the session token is malformed")
		return principal{}, false
	}
	ctx := r.Context()
	s, err := h.liveSession(ctx, store.TokenHash(hash))
	switch {
	case errors.Is(err, errSessionIdle):
		h.unauthenticated(w, h.idleMessage())
		return principal{}, false
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		h.unauthenticated(w, "the session has ended; sign in again")
		return principal{}, false
	case err != nil:
		h.storeFailed(w, r, "session look-up", err)
		return principal{}, false
	}
	u, err := h.opts.Store.GetUser(ctx, s.UserID)
	if err != nil {
		h.storeFailed(w, r, "session user", err)
		return principal{}, false
	}
	t, err := h.opts.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		h.storeFailed(w, r, "session tenant", err)
		return principal{}, false
	}
	if u.Locked {
		writeError(w, http.StatusForbidden, api.CodeForbidden, "this account is locked; ask an admin")
		return principal{}, false
	}
	addr, _ := sourceAddress(r)
	if !addressAllowed(t.Policy.IPAllowList, addr) {
		writeError(w, http.StatusForbidden, api.CodeForbidden, "your tenant does not allow sign-ins from this network")
		return principal{}, false
	}
	return principal{Session: s, User: u, Tenant: t, Cookie: cookie}, true
}

// errSessionIdle: a full session was unused for longer than
// Options.SessionIdleTimeout, and has been ended.
var errSessionIdle = errors.New("the session was idle too long")

// liveSession finds the live session of hash and applies the idle
// timeout: a full session unused for Options.SessionIdleTimeout or longer
// is revoked, so it stays dead whatever the setting later, and refused
// with errSessionIdle. Enrol-only sessions are bounded by their short
// EnrolSessionTTL instead. A use is recorded (TouchSession) only once
// SessionTouchInterval has passed since the recorded one, so most
// requests write nothing; the timeout is therefore measured to within
// that interval.
func (h *Handler) liveSession(ctx context.Context, hash store.TokenHash) (store.Session, error) {
	s, err := h.opts.Store.GetSession(ctx, hash)
	if err != nil {
		return store.Session{}, err
	}
	now := h.now()
	idle := now.Sub(s.LastUsedAt)
	if s.Scope == store.ScopeFull && idle >= h.opts.SessionIdleTimeout {
		if err := h.opts.Store.RevokeSession(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			// Refused all the same: the next request finds it idle too.
			h.logError(ctx, "session: ending an idle session", err)
		}
		return store.Session{}, errSessionIdle
	}
	if idle >= SessionTouchInterval {
		if err := h.opts.Store.TouchSession(ctx, hash, now); err != nil {
			// The request goes on; the session may lapse a little early.
			h.logError(ctx, "session: recording its use", err)
		}
	}
	return s, nil
}

// idleMessage is the answer to an idle session.
func (h *Handler) idleMessage() string {
	return "the session was unused for " + humanDuration(h.opts.SessionIdleTimeout) + " or more and has ended; sign in again"
}

// humanDuration says d in words: "30 minutes", "1 hour", "90 seconds".
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}

func (h *Handler) unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey-portal", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated, msg)
}

// sessionToken takes the bearer token, else the session cookie.
func (h *Handler) sessionToken(r *http.Request) (token string, cookie bool) {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, tok, ok := strings.Cut(v, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "", false
	}
	if v := h.sessionCookie(r); v != "" {
		return v, true
	}
	return "", false
}

// sameOrigin guards cookie-authenticated requests against cross-site
// forgery: safe methods pass; others need Sec-Fetch-Site same-origin (or
// none: typed by the user), or, from browsers without it, an Origin equal
// to the portal's own.
func (h *Handler) sameOrigin(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if h.opts.BaseURL != nil {
		return strings.EqualFold(o.Scheme, h.opts.BaseURL.Scheme) && strings.EqualFold(o.Host, h.opts.BaseURL.Host)
	}
	return strings.EqualFold(o.Host, r.Host)
}

// addressAllowed reports whether addr is inside the allow list (empty:
// every address).
func addressAllowed(list []netip.Prefix, addr string) bool {
	if len(list) == 0 {
		return true
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// audit appends an audit entry. details must hold no secret. A failure is
// logged and returned: callers decide whether the action may stand without
// its record (most may not).
func (h *Handler) audit(ctx context.Context, e store.AuditEntry) error {
	if _, err := h.opts.Store.AppendAudit(ctx, e); err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "audit append failed",
			slog.String("id", RequestID(ctx)), slog.String("action", e.Action), slog.String("err", auth.Redact(err.Error())))
		return err
	}
	return nil
}
