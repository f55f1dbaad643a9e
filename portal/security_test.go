package portal

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
