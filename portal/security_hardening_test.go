package portal

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/portaltest"
	"github.com/latchkey/latchkey/portal/store"
)

// Tests of the hardening items of the adversarial review of the portal's
// sessions and cookies, each written from the rule it enforces.

// deployment is how a test portal is reached.
type deployment struct {
	name    string
	baseURL string // "": none
	hsts    bool
	tls     bool // requests arrive over a TLS connection (r.TLS set)
	https   bool // the rule: the portal is served over https
}

var deployments = []deployment{
	{name: "TLS connection, no base URL", tls: true, https: true},
	{name: "HSTS on", hsts: true, https: true},
	{name: "https base URL behind a TLS-terminating proxy", baseURL: "https://portal.example.com/", https: true},
	{name: "TLS with an https base URL", baseURL: "https://portal.example.com/", tls: true, hsts: true, https: true},
	{name: "plain http on loopback", baseURL: "http://127.0.0.1:8080/"},
	{name: "plain http, no base URL"},
}

func (d deployment) env(t *testing.T) *signinEnv {
	return newSigninEnv(t, store.TenantPolicy{}, func(o *Options) {
		o.BaseURL = nil
		if d.baseURL != "" {
			o.BaseURL, _ = url.Parse(d.baseURL)
		}
		o.HSTS = d.hsts
	})
}

// request is one browser request of d.
func (d deployment) request(method, path string, form url.Values, cookies ...*http.Cookie) *http.Request {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if d.tls {
		req.TLS = &tls.ConnectionState{HandshakeComplete: true}
	}
	req.RemoteAddr = homeAddr + ":50000"
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}

func (d deployment) serve(e *signinEnv, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

// TestSecurityHostPrefixCookie: over https the session cookie is
// "__Host-latchkey_session" (Secure, Path=/, no Domain, so no sibling host
// and no plain-http page can plant or shadow it), and the portal reads only
// that name, so a planted "latchkey_session" signs nobody in. Over plain
// http on loopback, where browsers refuse "__Host-" cookies, it is
// "latchkey_session" without Secure.
func TestSecurityHostPrefixCookie(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			e := d.env(t)
			u := e.user("ada@example.com")
			w := d.serve(e, d.request("POST", pathSignIn, url.Values{"email": {u.Email}, "password": {testPassword}}))
			wantPage(t, w, http.StatusOK, `action="/sign-in/second-factor"`)
			w = d.serve(e, d.request("POST", pathSignInFactor, url.Values{"challenge": {field(t, w, "challenge")}, "method": {"totp"}, "code": {e.code(u.Secret)}}))
			wantPage(t, w, http.StatusSeeOther, "")

			want, other := SessionCookie, HostSessionCookie
			if d.https {
				want, other = HostSessionCookie, SessionCookie
			}
			var c *http.Cookie
			for _, got := range w.Result().Cookies() {
				switch got.Name {
				case want:
					c = got
				case other:
					t.Errorf("the session cookie is also set as %s", other)
				}
			}
			if c == nil {
				t.Fatalf("no %s cookie among %v", want, cookieNames(w))
			}
			e.keep(c.Value)
			if c.Secure != d.https || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie %s: Secure=%v Path=%q Domain=%q HttpOnly=%v SameSite=%v; want Secure=%v, Path=/, no Domain, HttpOnly, Strict",
					c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly, c.SameSite, d.https)
			}

			// The portal reads the cookie it set...
			wantPage(t, d.serve(e, d.request("GET", pathAccount, nil, c)), http.StatusOK, u.Email)
			if w := d.serve(e, d.request("GET", "/v1/session", nil, c)); w.Code != http.StatusOK {
				t.Errorf("GET /v1/session with the cookie: %d", w.Code)
			}
			// ...and not the same token under the other name.
			planted := &http.Cookie{Name: other, Value: c.Value}
			if w := d.serve(e, d.request("GET", pathAccount, nil, planted)); w.Code != http.StatusSeeOther || w.Header().Get("Location") != pathSignIn {
				t.Errorf("GET %s with the token as %s: %d %s, want a redirect to sign in", pathAccount, other, w.Code, w.Header().Get("Location"))
			}
			if w := d.serve(e, d.request("GET", "/v1/session", nil, planted)); w.Code != http.StatusUnauthorized {
				t.Errorf("GET /v1/session with the token as %s: %d, want 401", other, w.Code)
			}

			// Sign-out clears the cookie it set.
			w = d.serve(e, d.request("POST", pathSignOut, url.Values{}, c))
			wantPage(t, w, http.StatusOK, "You are signed out.")
			cleared := false
			for _, got := range w.Result().Cookies() {
				cleared = cleared || (got.Name == want && got.MaxAge < 0 && got.Secure == d.https && got.Path == "/")
			}
			if !cleared {
				t.Errorf("sign-out did not clear %s (cookies set: %v)", want, cookieNames(w))
			}
			e.checkLogs()
		})
	}
}

// cookieNames lists the names of the cookies w sets (never their values:
// they are session tokens).
func cookieNames(w *httptest.ResponseRecorder) []string {
	var out []string
	for _, c := range w.Result().Cookies() {
		out = append(out, c.Name)
	}
	return out
}

// TestSecurityHSTS: every answer of a portal served over https carries
// Strict-Transport-Security, also behind a TLS-terminating proxy where the
// request reaching the portal is plain http but the base URL is https;
// plain http on loopback (development) does not.
func TestSecurityHSTS(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			e := d.env(t)
			for _, path := range []string{"/v1/time", pathSignIn, "/nowhere"} {
				got := d.serve(e, d.request("GET", path, nil)).Header().Get("Strict-Transport-Security")
				age, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(strings.Split(got, ";")[0]), "max-age="))
				switch {
				case d.https && (err != nil || age < 365*24*3600):
					t.Errorf("GET %s: Strict-Transport-Security %q, want max-age of a year or more", path, got)
				case !d.https && got != "":
					t.Errorf("GET %s over plain http: Strict-Transport-Security %q", path, got)
				}
			}
		})
	}
}

// TestSecurityIdleSessionTimeout: a full session unused for the idle
// timeout (30 minutes unless configured) is refused with 401 and a message
// that says why, on the API and the pages, and stays dead; one in use
// lives to its expiry. Its last use is written at most once a minute, so a
// burst of requests is not a burst of writes. Enrol-only sessions keep
// their own short lifetime instead.
func TestSecurityIdleSessionTimeout(t *testing.T) {
	type step struct {
		wait time.Duration // before the request
		want int           // GET /v1/session
	}
	tests := []struct {
		name  string
		idle  time.Duration // Options.SessionIdleTimeout; 0: the default
		scope store.SessionScope
		steps []step
	}{
		{"in use every 10 minutes for 3 hours", 0, store.ScopeFull, []step{
			{10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200},
			{10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200},
			{10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200},
			{10 * time.Minute, 200}, {10 * time.Minute, 200}, {10 * time.Minute, 200}}},
		{"unused for 29 minutes", 0, store.ScopeFull, []step{{29 * time.Minute, 200}, {29 * time.Minute, 200}}},
		{"unused for 31 minutes", 0, store.ScopeFull, []step{{5 * time.Minute, 200}, {31 * time.Minute, 401}, {0, 401}, {time.Second, 401}}},
		{"unused for exactly 30 minutes", 0, store.ScopeFull, []step{{30 * time.Minute, 401}}},
		{"a configured 5 minutes", 5 * time.Minute, store.ScopeFull, []step{{4 * time.Minute, 200}, {6 * time.Minute, 401}}},
		{"a configured 2 hours", 2 * time.Hour, store.ScopeFull, []step{{90 * time.Minute, 200}, {119 * time.Minute, 200}}},
		// An enrol session lives its 30 minutes whatever the idle timeout.
		{"an enrol session unused for 25 minutes, idle timeout 5", 5 * time.Minute, store.ScopeEnrol, []step{{25 * time.Minute, 200}, {6 * time.Minute, 401}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSigninEnv(t, store.TenantPolicy{}, func(o *Options) { o.SessionIdleTimeout = tc.idle })
			u := e.user("ada@example.com")
			ttl := DefaultSessionTTL
			if tc.scope == store.ScopeEnrol {
				ttl = EnrolSessionTTL
			}
			tok := longSession(t, e, u.User, tc.scope, ttl)
			said := false
			for i, s := range tc.steps {
				e.clock.Add(s.wait)
				w := e.call("GET", api.PathSession, tok, nil, homeAddr)
				if w.Code != s.want {
					t.Fatalf("step %d (after %v more): %d, want %d: %s", i, s.wait, w.Code, s.want, shown(w))
				}
				if s.want == http.StatusUnauthorized {
					// The first refusal says why; the session has ended
					// since, and later ones say that.
					b := errorBody(t, w)
					if tc.scope == store.ScopeFull && !said && (b.Code != api.CodeUnauthenticated || !strings.Contains(b.Message, "unused for "+humanDuration(e.h.opts.SessionIdleTimeout))) {
						t.Errorf("step %d: %s %q does not say the session was idle", i, b.Code, b.Message)
					}
					said = true
					if w.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("step %d: no WWW-Authenticate", i)
					}
				}
			}
			e.checkLogs()
		})
	}

	t.Run("the idle session stays ended", func(t *testing.T) {
		e := newSigninEnv(t, store.TenantPolicy{}, nil)
		u := e.user("ada@example.com")
		tok := longSession(t, e, u.User, store.ScopeFull, DefaultSessionTTL)
		e.clock.Add(31 * time.Minute)
		e.failure(e.call("GET", api.PathSession, tok, nil, homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)
		h, _ := auth.HashEncodedToken(tok)
		if _, err := e.st.GetSession(context.Background(), store.TokenHash(h)); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("the idle session in the store: %v, want revoked", err)
		}
	})

	t.Run("the last use is written at most once a minute", func(t *testing.T) {
		e := newSigninEnv(t, store.TenantPolicy{}, nil)
		u := e.user("ada@example.com")
		tok := longSession(t, e, u.User, store.ScopeFull, DefaultSessionTTL)
		h, _ := auth.HashEncodedToken(tok)
		start := e.clock.Now()
		lastUse := func() time.Duration {
			t.Helper()
			s, err := e.st.GetSession(context.Background(), store.TokenHash(h))
			if err != nil {
				t.Fatal(err)
			}
			return s.LastUsedAt.Sub(start.Truncate(time.Microsecond))
		}
		for i, c := range []struct {
			wait time.Duration
			want time.Duration // recorded last use, from the start
		}{
			{10 * time.Second, 0}, {20 * time.Second, 0}, {29 * time.Second, 0}, // a burst within the minute: no write
			{time.Second, time.Minute},      // a minute after the recorded use: written
			{30 * time.Second, time.Minute}, // not again within the minute
			{40 * time.Second, 130 * time.Second},
		} {
			e.clock.Add(c.wait)
			if w := e.call("GET", api.PathSession, tok, nil, homeAddr); w.Code != http.StatusOK {
				t.Fatalf("request %d: %d", i, w.Code)
			}
			if got := lastUse(); got != c.want {
				t.Errorf("request %d: recorded last use %v after the start, want %v", i, got, c.want)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		e := newSigninEnv(t, store.TenantPolicy{}, nil)
		u := e.user("ada@example.com")
		tok := longSession(t, e, u.User, store.ScopeFull, DefaultSessionTTL)
		b := e.browser(homeAddr)
		b.cookies[HostSessionCookie] = &http.Cookie{Name: HostSessionCookie, Value: tok}
		wantPage(t, b.do("GET", pathAccount, nil), http.StatusOK, u.Email)
		e.clock.Add(31 * time.Minute)
		wantPage(t, b.do("GET", pathAccount, nil), http.StatusUnauthorized, "signed out after 30 minutes without activity")
		if _, ok := b.cookies[HostSessionCookie]; ok {
			t.Error("the idle session's cookie was not cleared")
		}
		e.checkLogs()
	})

	t.Run("a shorter idle timeout than the minimum is refused", func(t *testing.T) {
		_, err := New(Options{Store: portaltest.Store(t, nil), Keyring: portaltest.Keyring(t), SessionIdleTimeout: time.Minute})
		if err == nil {
			t.Error("New took an idle timeout of a minute")
		}
	})
}

// longSession is a session of scope for u that lasts ttl (a sign-in grants
// 12 hours), longer than sessionFor's hour.
func longSession(t *testing.T, e *signinEnv, u store.User, scope store.SessionScope, ttl time.Duration) string {
	t.Helper()
	tok := auth.NewToken()
	if _, err := e.st.CreateSession(context.Background(), store.NewSession{UserID: u.ID, TokenHash: store.TokenHash(tok.Hash()), Scope: scope,
		SourceAddr: homeAddr, ExpiresAt: e.clock.Now().Add(ttl)}); err != nil {
		t.Fatal(err)
	}
	e.keep(tok.Encode())
	return tok.Encode()
}

// TestSecurityReplaceFactorNeedsPassword: a full session may replace the
// user's active authenticator only with the account's current password,
// so a stolen session cannot swap the second factor for the thief's.
// Without it, or with a wrong one, the answer is 400 or 401 and nothing is
// begun. Enrol-only sessions (forced enrolment, a redeemed recovery link)
// and a user's first authenticator need none.
func TestSecurityReplaceFactorNeedsPassword(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	ctx := context.Background()
	ada := e.user("ada@example.com")
	grace := e.user("grace@example.com")
	fresh := e.user("new@example.com", noFactor)
	link := e.user("lost@example.com")
	if _, err := e.st.DisableTOTPFactors(ctx, link.ID); err != nil { // as a redeemed recovery link leaves it
		t.Fatal(err)
	}
	adaFull := sessionFor(t, e.h, ada.User, store.ScopeFull)
	e.keep(adaFull)
	active, err := e.st.ActiveTOTPFactor(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		user   seeded
		scope  store.SessionScope
		body   any // nil: no body
		status int
		code   string
	}{
		{"full session, no body", ada, store.ScopeFull, nil, 400, api.CodeInvalid},
		{"full session, empty object", ada, store.ScopeFull, map[string]any{}, 400, api.CodeInvalid},
		{"full session, empty password", ada, store.ScopeFull, api.EnrolmentBegin{}, 400, api.CodeInvalid},
		{"full session, wrong password", ada, store.ScopeFull, api.EnrolmentBegin{CurrentPassword: "not the password"}, 401, api.CodeUnauthenticated},
		{"full session, another user's password", ada, store.ScopeFull, api.EnrolmentBegin{CurrentPassword: "grace's " + testPassword}, 401, api.CodeUnauthenticated},
		{"full session, unknown member", ada, store.ScopeFull, map[string]string{"password": testPassword}, 400, api.CodeUnknownField},
		{"full session, the password", grace, store.ScopeFull, api.EnrolmentBegin{CurrentPassword: testPassword}, 201, ""},
		{"full session, first authenticator, no body", fresh, store.ScopeFull, nil, 201, ""},
		{"enrol-only session after a recovery link, no body", link, store.ScopeEnrol, nil, 201, ""},
		{"enrol-only session, password given anyway", link, store.ScopeEnrol, api.EnrolmentBegin{CurrentPassword: "ignored"}, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.at(t)
			tok := adaFull
			if tc.user.ID != ada.ID {
				tok = sessionFor(t, e.h, tc.user.User, tc.scope)
				e.keep(tok)
			}
			w := e.call("POST", api.PathEnrolment, tok, tc.body, homeAddr)
			if tc.status != http.StatusCreated {
				e.failure(w, tc.status, tc.code)
				return
			}
			if w.Code != http.StatusCreated {
				t.Fatalf("status %d, want 201: %s", w.Code, shown(w))
			}
			var en api.Enrolment
			decodeAnswer(t, w, &en)
			e.keep(en.Secret, en.OTPAuthURI)
		})
	}

	// The refusals changed nothing for ada: her authenticator is the same
	// and still signs her in.
	if f, err := e.st.ActiveTOTPFactor(ctx, ada.ID); err != nil || f.ID != active.ID {
		t.Fatalf("ada's authenticator after the refusals: %+v, %v", f, err)
	}
	e.clock.Add(30 * time.Second)
	if a := e.answer(e.factor(e.challengeFor(ada, homeAddr), api.MethodTOTP, e.code(ada.Secret), homeAddr), 200); a.State != api.StateSignedIn {
		t.Fatalf("ada's authenticator after the refusals: %s", a.State)
	}
	if got := actions(e.audits(ada.ID)); !strings.Contains(strings.Join(got, " "), auditPasswordCheckFailed) {
		t.Errorf("the wrong password was not audited: %v", got)
	}

	t.Run("pages", func(t *testing.T) {
		e := e.at(t)
		u := e.user("page@example.com")
		b := e.browser(homeAddr)
		tok := sessionFor(t, e.h, u.User, store.ScopeFull)
		e.keep(tok)
		b.cookies[HostSessionCookie] = &http.Cookie{Name: HostSessionCookie, Value: tok}
		wantPage(t, b.do("GET", pathEnrol, nil), 200, `name="current_password"`)
		w := b.do("POST", pathEnrol, url.Values{})
		wantPage(t, w, http.StatusBadRequest, `name="current_password"`)
		if strings.Contains(w.Body.String(), `id="qr"`) {
			t.Error("a QR code without the password")
		}
		wantPage(t, b.do("POST", pathEnrol, url.Values{"current_password": {"not the password"}}), http.StatusUnauthorized, "The current password is wrong.")
		wantPage(t, b.do("POST", pathEnrol, url.Values{"current_password": {testPassword}}), http.StatusOK, `id="qr"`)

		// A forced enrolment's page asks for no password.
		forced := e.user("forced@example.com", noFactor)
		fb := e.browser(homeAddr)
		ftok := sessionFor(t, e.h, forced.User, store.ScopeEnrol)
		e.keep(ftok)
		fb.cookies[HostSessionCookie] = &http.Cookie{Name: HostSessionCookie, Value: ftok}
		if w := fb.do("GET", pathEnrol, nil); strings.Contains(w.Body.String(), "current_password") {
			t.Error("the forced enrolment page asks for the password")
		}
		wantPage(t, fb.do("POST", pathEnrol, url.Values{}), http.StatusOK, `id="qr"`)
	})
	e.checkLogs()
}

// TestSecurityJSONInvalidUTF8: a JSON body that is not valid UTF-8 (or
// escapes half a surrogate pair, which is no character) is refused with a
// 400 that says so, before any handler sees it. encoding/json would turn
// both into U+FFFD, so two different requests would mean one thing, and
// what an admin typed would not be what the portal stored.
func TestSecurityJSONInvalidUTF8(t *testing.T) {
	ran := 0 // bodies decoded
	h, _ := withEndpoints(t, endpoint{method: "POST", path: "/echo", handler: func(w http.ResponseWriter, r *http.Request) {
		var b echoBody
		if !decodeJSON(w, r, &b) {
			return
		}
		ran++
		writeJSON(w, http.StatusOK, b)
	}})
	tests := []struct {
		name, body string
		ok         bool
		at         string // the offset the message names
	}{
		{"plain ASCII", `{"name":"ada"}`, true, ""},
		{"valid multi-byte UTF-8", `{"name":"Ada Lövelace 漢字 🔑"}`, true, ""},
		{"a valid surrogate pair escape", `{"name":"\ud83d\udd11"}`, true, ""},
		{"an escaped backslash before u", `{"name":"\\ud800"}`, true, ""},
		{"U+FFFD itself", "{\"name\":\"\uFFFD\"}", true, ""},
		{"a stray continuation byte", "{\"name\":\"a\x80b\"}", false, "byte 10"},
		{"0xFF", "{\"name\":\"ad\xffa\"}", false, "byte 11"},
		{"a truncated sequence", "{\"name\":\"\xe6\xbc\"}", false, "byte 9"},
		{"an overlong slash", "{\"name\":\"\xc0\xaf\"}", false, "byte 9"},
		{"an encoded surrogate", "{\"name\":\"\xed\xa0\x80\"}", false, "byte 9"},
		{"invalid UTF-8 in a member name", "{\"na\xffme\":\"a\"}", false, "byte 4"},
		{"a lone high surrogate escape", `{"name":"a\ud800"}`, false, "byte 10"},
		{"a lone low surrogate escape", `{"name":"\udc00"}`, false, "byte 9"},
		{"a high surrogate then another escape", `{"name":"\ud800\u0041"}`, false, "byte 9"},
		{"reversed surrogates", `{"name":"\udc00\ud800"}`, false, "byte 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := ran
			w := do(h, "POST", "/echo", "application/json", tc.body)
			if tc.ok {
				if w.Code != http.StatusOK {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", w.Code, w.Body)
			}
			b := errorBody(t, w)
			if b.Code != api.CodeBadRequest || !strings.Contains(b.Message, "not valid UTF-8") || !strings.Contains(b.Message, tc.at) {
				t.Errorf("error %s %q, want bad_request saying the body is not valid UTF-8 at %s", b.Code, b.Message, tc.at)
			}
			if ran != before {
				t.Error("the handler got the decoded body")
			}
		})
	}

	// Through a real endpoint: nothing is created.
	e := newAdminEnv(t)
	for _, name := range []string{"Gr\xe6ce", `Gr\udc00ce`} {
		body := `{"email":"grace@reseller.test","name":"` + name + `","role":"technician","password":"initial-Pa55word"}`
		adminWant(t, e.raw(t, e.admin, "POST", api.PathAdminUsers, "application/json", body), http.StatusBadRequest, api.CodeBadRequest)
	}
	if _, err := e.st.GetUserByEmail(context.Background(), "grace@reseller.test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a user was created from an invalid body: %v", err)
	}
}

// TestSecurityChildTenantUsers: a reseller's owners and admins add users
// to a direct child tenant (tenant_id), so a new customer can get its first
// users; only owners add owners, technicians and read-only users add
// nobody, and any other tenant (a grandchild, a stranger, the reseller
// above) answers 404 exactly like a tenant that does not exist. The
// password follows the new user's tenant's rules.
func TestSecurityChildTenantUsers(t *testing.T) {
	e := newAdminEnv(t)
	grand := seedTenant(t, e.h, "Customer's customer", e.child.ID, store.TenantPolicy{Require2FA: true})
	loose := seedTenant(t, e.h, "Customer without 2FA", e.home.ID, store.TenantPolicy{})
	const pw = "initial-Pa55word" // 16 characters
	n := 0
	body := func(tenant int64, role string, password string) api.AdminUserCreate {
		n++
		return api.AdminUserCreate{Email: fmt.Sprintf("added%d@customer.test", n), Name: "Added", Role: role, Password: password, TenantID: tenant}
	}
	missing := e.call(t, e.owner, "POST", api.PathAdminUsers, body(999999, "technician", pw)).Body.String()
	tests := []struct {
		name   string
		as     store.User
		body   api.AdminUserCreate
		status int
	}{
		{"reseller admin adds a technician to a customer", e.admin, body(e.child.ID, "technician", pw), 201},
		{"reseller admin adds an admin to a customer", e.admin, body(e.child.ID, "admin", pw), 201},
		{"reseller owner adds an owner to a customer", e.owner, body(e.child.ID, "owner", pw), 201},
		{"reseller admin may not add an owner to a customer", e.admin, body(e.child.ID, "owner", pw), 403},
		{"reseller technician adds nobody to a customer", e.tech, body(e.child.ID, "read_only", pw), 403},
		{"reseller read-only adds nobody to a customer", e.ro, body(e.child.ID, "read_only", pw), 403},
		{"the customer's own password rules: 2FA not required, 15 characters", e.admin, body(loose.ID, "technician", "twelve-chars"), 422},
		{"the customer's own password rules, met", e.admin, body(loose.ID, "technician", "fifteen-chars-ok"), 201},
		{"own tenant by its id", e.admin, body(e.home.ID, "technician", pw), 201},
		{"a grandchild is hidden", e.owner, body(grand.ID, "technician", pw), 404},
		{"a stranger tenant is hidden", e.owner, body(e.other.ID, "technician", pw), 404},
		{"a customer's admin cannot add to its reseller", e.childUser, body(e.home.ID, "technician", pw), 404},
		{"a tenant that does not exist", e.owner, body(999998, "technician", pw), 404},
		{"a negative tenant id", e.owner, body(-1, "technician", pw), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.call(t, tc.as, "POST", api.PathAdminUsers, tc.body)
			adminWant(t, w, tc.status, "")
			u, err := e.st.GetUserByEmail(context.Background(), tc.body.Email)
			if tc.status != http.StatusCreated {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a refused call created the user: %v", err)
				}
				if tc.status == http.StatusNotFound && w.Body.String() != missing {
					t.Errorf("a hidden tenant answers %s, a missing one %s", w.Body.String(), missing)
				}
				return
			}
			if err != nil || u.TenantID != tc.body.TenantID || string(u.Role) != tc.body.Role || !u.PasswordSetByAdmin {
				t.Fatalf("created user %d in tenant %d as %s (set by an admin: %v), %v; want tenant %d", u.ID, u.TenantID, u.Role, u.PasswordSetByAdmin, err, tc.body.TenantID)
			}
			var got api.AdminUserAnswer
			decodeAnswer(t, w, &got)
			if got.User.TenantID != tc.body.TenantID {
				t.Errorf("answer in tenant %d", got.User.TenantID)
			}
			a := e.audits(t, store.AuditFilter{Action: auditUserCreated, TargetUserID: u.ID})
			if len(a) != 1 || a[0].TenantID != tc.body.TenantID || a[0].ActorID != tc.as.ID {
				t.Errorf("audit %+v", a)
			}
		})
	}
}

// TestSecurityEmailLookAlike: an address that only looks like admin2's
// (a dotted capital I, another script's a, fullwidth letters, an invisible
// joiner) neither signs in as admin2 with admin2's password, nor files a
// recovery request for admin2, nor can become an account beside admin2's;
// admin2's own address in upper case still does all three as admin2.
func TestSecurityEmailLookAlike(t *testing.T) {
	const admin2 = "admin2@x.example"
	lookAlikes := []struct{ name, email string }{
		{"dotted capital I (U+0130)", "admİn2@x.example"},
		{"Cyrillic a", "\u0430dmin2@x.example"},
		{"fullwidth letters", "ａｄｍｉｎ２@x.example"},
		{"a zero-width joiner", "adm\u200Din2@x.example"},
	}

	t.Run("sign-in", func(t *testing.T) {
		e := newSigninEnv(t, store.TenantPolicy{}, nil)
		e.user(admin2)
		for _, la := range lookAlikes {
			e.at(t).failure(e.password(la.email, testPassword, homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)
		}
		if a := e.answer(e.password("ADMIN2@X.EXAMPLE", testPassword, homeAddr), 200); a.State != api.StateSecondFactor {
			t.Errorf("admin2 in upper case: %s", a.State)
		}
	})

	t.Run("recovery requests", func(t *testing.T) {
		e := newRecoveryEnv(t, nil)
		u, err := e.st.CreateUser(context.Background(), store.NewUser{TenantID: e.user.TenantID, Email: admin2, Name: "Admin 2", Role: store.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		for i, la := range lookAlikes {
			if w := e.post("application/json", recoveryBody(t, la.email, "locked out"), fmt.Sprintf("198.51.100.%d:4000", i+1)); w.Code/100 != 2 {
				t.Fatalf("%s: %d %s", la.name, w.Code, w.Body)
			}
		}
		if w := e.post("application/json", recoveryBody(t, "Admin2@X.Example", "locked out"), "198.51.100.99:4000"); w.Code/100 != 2 {
			t.Fatalf("admin2 in upper case: %d %s", w.Code, w.Body)
		}
		for _, r := range e.requests(t) {
			want := int64(0)
			if r.Email == "Admin2@X.Example" {
				want = u.ID
			}
			if r.UserID != want {
				t.Errorf("a request for %q matched user %d, want %d", r.Email, r.UserID, want)
			}
		}
	})

	t.Run("creating a look-alike account", func(t *testing.T) {
		e := newAdminEnv(t)
		if w := e.call(t, e.owner, "POST", api.PathAdminUsers, api.AdminUserCreate{Email: admin2, Name: "Admin 2", Role: "admin", Password: "initial-Pa55word"}); w.Code != 201 {
			t.Fatalf("admin2: %d %s", w.Code, w.Body)
		}
		for _, la := range append(lookAlikes, struct{ name, email string }{"upper case", "ADMIN2@x.example"}) {
			w := e.call(t, e.owner, "POST", api.PathAdminUsers, api.AdminUserCreate{Email: la.email, Name: "Look-alike", Role: "owner", Password: "initial-Pa55word"})
			if w.Code != http.StatusConflict {
				t.Errorf("%s: %d, want 409: %s", la.name, w.Code, w.Body)
			}
			if _, err := e.st.GetUserByEmail(context.Background(), la.email); la.name != "upper case" && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: an account exists: %v", la.name, err)
			}
		}
		if w := e.call(t, e.owner, "POST", api.PathAdminUsers, api.AdminUserCreate{Email: "admin3@x.example", Name: "Admin 3", Role: "admin", Password: "initial-Pa55word"}); w.Code != 201 {
			t.Errorf("a different address: %d %s", w.Code, w.Body)
		}
	})
}
