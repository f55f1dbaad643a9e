package portal

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// browserless drives the pages like a browser would: it keeps the cookies
// the portal sets and sends Sec-Fetch-Site with its form posts.
type browserless struct {
	e       *signinEnv
	addr    string
	cookies map[string]*http.Cookie
	site    string // Sec-Fetch-Site of POSTs
}

func (e *signinEnv) browser(addr string) *browserless {
	return &browserless{e: e, addr: addr, cookies: map[string]*http.Cookie{}, site: "same-origin"}
}

func (b *browserless) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.e.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if method == http.MethodPost && b.site != "" {
		req.Header.Set("Sec-Fetch-Site", b.site)
	}
	req.RemoteAddr = b.addr + ":50000"
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.e.h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
			b.e.keep(c.Value)
		}
	}
	return w
}

var hiddenField = regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`)

// field is the value of the hidden input name on the page.
func field(t *testing.T, w *httptest.ResponseRecorder, name string) string {
	t.Helper()
	for _, m := range hiddenField.FindAllStringSubmatch(w.Body.String(), -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("no field %s on the page (%d)", name, w.Code)
	return ""
}

func wantPage(t *testing.T, w *httptest.ResponseRecorder, status int, contains string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, shown(w))
	}
	if ct := w.Header().Get("Content-Type"); w.Code != http.StatusSeeOther && !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q", ct)
	}
	if contains != "" && !strings.Contains(w.Body.String(), contains) {
		t.Fatalf("page lacks %q: %s", contains, shown(w))
	}
}

func TestSignInPages(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	b := e.browser(homeAddr)

	w := b.do("GET", pathSignIn, nil)
	wantPage(t, w, 200, `action="/sign-in"`)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "script") {
		t.Errorf("CSP %q", csp)
	}
	creds := url.Values{"email": {u.Email}, "password": {testPassword}}

	// Login CSRF: a form posted from another site, or by a browser that
	// says nothing, is refused before anything is checked.
	for _, site := range []string{"cross-site", "same-site", ""} {
		b.site = site
		wantPage(t, b.do("POST", pathSignIn, creds), http.StatusForbidden, "other sites")
	}
	b.site = "same-origin"

	w = b.do("POST", pathSignIn, url.Values{"email": {u.Email}, "password": {"wrong"}})
	wantPage(t, w, http.StatusUnauthorized, "The e-mail address or the password is wrong.")
	if strings.Contains(w.Body.String(), "wrong\"") {
		t.Error("the typed password is echoed")
	}

	w = b.do("POST", pathSignIn, creds)
	wantPage(t, w, 200, `action="/sign-in/second-factor"`)
	ch := field(t, w, "challenge")
	// A wrong code keeps the form, with the error.
	w = b.do("POST", pathSignInFactor, url.Values{"challenge": {ch}, "method": {"totp"}, "code": {"000000"}})
	wantPage(t, w, http.StatusUnauthorized, "The code is wrong")
	if field(t, w, "challenge") != ch {
		t.Error("the form lost its challenge")
	}
	w = b.do("POST", pathSignInFactor, url.Values{"challenge": {ch}, "method": {"totp"}, "code": {e.code(u.Secret)}})
	wantPage(t, w, http.StatusSeeOther, "")
	if loc := w.Header().Get("Location"); loc != pathAccount {
		t.Fatalf("redirect to %q", loc)
	}
	c := b.cookies[HostSessionCookie]
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != int(DefaultSessionTTL/time.Second) {
		t.Fatalf("session cookie %+v", c)
	}
	wantPage(t, b.do("GET", pathAccount, nil), 200, u.Email)

	// A cookie-authenticated POST from another site is refused.
	b.site = "cross-site"
	wantPage(t, b.do("POST", pathSignOut, url.Values{}), http.StatusForbidden, "")
	b.site = "same-origin"
	wantPage(t, b.do("POST", pathSignOut, url.Values{}), 200, "You are signed out.")
	if _, ok := b.cookies[HostSessionCookie]; ok {
		t.Error("the cookie survived sign-out")
	}
	// Without a session the account page sends to the sign-in page.
	w = b.do("GET", pathAccount, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pathSignIn {
		t.Errorf("signed out: %d %s", w.Code, w.Header().Get("Location"))
	}
	// The revoked token in an old cookie is no better.
	b.cookies[HostSessionCookie] = c
	if w := b.do("GET", pathAccount, nil); w.Code != http.StatusSeeOther {
		t.Errorf("revoked cookie: %d", w.Code)
	}
	e.checkLogs()
}

func TestForcedEnrolmentPages(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, nil)
	u := e.user("grace@example.com", noFactor, unverified, unknownAddr)
	b := e.browser(homeAddr)

	w := b.do("POST", pathSignIn, url.Values{"email": {u.Email}, "password": {testPassword}})
	wantPage(t, w, 200, "Confirm your e-mail address")
	ch := field(t, w, "challenge")
	wantPage(t, b.do("POST", pathSignInComplete, url.Values{"challenge": {ch}}), 200, "not seen your confirmation yet")

	// The link, opened in another browser (the phone).
	path, token := e.link(u.Email, "confirm your e-mail")
	phone := e.browser(otherAddr)
	wantPage(t, phone.do("GET", path+"?token="+token[:30], nil), http.StatusBadRequest, "incomplete")
	w = phone.do("GET", path+"?token="+token, nil)
	wantPage(t, w, 200, `action="/verify-email"`)
	wantPage(t, phone.do("POST", path, url.Values{"token": {field(t, w, "token")}}), 200, "Your e-mail address is confirmed.")
	wantPage(t, phone.do("POST", path, url.Values{"token": {token}}), http.StatusGone, "already used")

	w = b.do("POST", pathSignInComplete, url.Values{"challenge": {ch}})
	wantPage(t, w, http.StatusSeeOther, "")
	if loc := w.Header().Get("Location"); loc != pathEnrol {
		t.Fatalf("redirect to %q", loc)
	}
	// The enrol session cannot see the account page.
	if w := b.do("GET", pathAccount, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != pathEnrol {
		t.Errorf("account with an enrol session: %d %s", w.Code, w.Header().Get("Location"))
	}
	wantPage(t, b.do("GET", pathEnrol, nil), 200, "requires two-factor authentication")
	w = b.do("POST", pathEnrol, url.Values{})
	wantPage(t, w, 200, `src="data:image/png;base64,`)
	secret := strings.ReplaceAll(regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(w.Body.String())[1], " ", "")
	e.keep(secret)
	if !strings.Contains(w.Body.String(), "portal=https%3a%2f%2fportal.example.com%2f") && !strings.Contains(w.Body.String(), "portal=https%3A%2F%2Fportal.example.com%2F") {
		t.Error("the page's otpauth URI lacks the portal parameter")
	}
	src := html.UnescapeString(regexp.MustCompile(`id="qr" src="([^"]+)"`).FindStringSubmatch(w.Body.String())[1])
	if got := decodeQR(t, src); !strings.Contains(got, "secret="+secret) || !strings.HasPrefix(got, "otpauth://totp/") {
		t.Errorf("the QR code holds another URI (%d characters)", len(got))
	}
	factor := field(t, w, "factor_id")
	w = b.do("POST", pathEnrolConfirm, url.Values{"factor_id": {factor}, "code": {"000000"}})
	wantPage(t, w, http.StatusBadRequest, "The code does not match")
	if !strings.Contains(w.Body.String(), "data:image/png") {
		t.Error("a wrong code lost the QR code")
	}
	w = b.do("POST", pathEnrolConfirm, url.Values{"factor_id": {factor}, "code": {e.code(secret)}})
	wantPage(t, w, 200, "I have saved them")
	codes := regexp.MustCompile(`<li>([0-9A-Z]{5}-[0-9A-Z]{5})</li>`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(codes) != 10 {
		t.Fatalf("%d backup codes on the page", len(codes))
	}
	for _, c := range codes {
		e.keep(c[1])
	}
	enrolCookie := b.cookies[HostSessionCookie]
	w = b.do("POST", pathEnrolSaved, url.Values{})
	wantPage(t, w, http.StatusSeeOther, "")
	if loc := w.Header().Get("Location"); loc != pathAccount {
		t.Fatalf("redirect to %q", loc)
	}
	if b.cookies[HostSessionCookie].Value == enrolCookie.Value {
		t.Fatal("the session cookie was not replaced")
	}
	wantPage(t, b.do("GET", pathAccount, nil), 200, "grace@example.com")
	e.checkLogs()
}

func TestEmailCodePages(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{AllowEmailCodes: true}, nil)
	u := e.user("ada@example.com")
	b := e.browser(homeAddr)
	w := b.do("POST", pathSignIn, url.Values{"email": {u.Email}, "password": {testPassword}})
	wantPage(t, w, 200, `action="/sign-in/email-code"`)
	ch := field(t, w, "challenge")
	w = b.do("POST", pathSignInCode, url.Values{"challenge": {ch}})
	wantPage(t, w, 200, "We e-mailed you a sign-in code")
	if !strings.Contains(w.Body.String(), `value="email_code" selected`) {
		t.Error("the e-mailed code is not preselected")
	}
	m, _ := outbox(t, e.h).Last(u.Email, "sign-in code")
	code := regexp.MustCompile(`\d{4} \d{4}`).FindString(m.Text)
	e.keep(code)
	w = b.do("POST", pathSignInFactor, url.Values{"challenge": {ch}, "method": {"email_code"}, "code": {code}})
	wantPage(t, w, http.StatusSeeOther, "")
}

func TestRecoveryCodePage(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("ada@example.com")
	b := e.browser(homeAddr)
	ch := field(t, b.do("POST", pathSignIn, url.Values{"email": {u.Email}, "password": {testPassword}}), "challenge")
	w := b.do("POST", pathSignInFactor, url.Values{"challenge": {ch}, "method": {"recovery_code"}, "code": {u.Recovery}})
	wantPage(t, w, 200, "Your new recovery code")
	got := regexp.MustCompile(`id="new-recovery-code">([0-9A-Z-]{29})<`).FindStringSubmatch(w.Body.String())
	if got == nil || got[1] == u.Recovery {
		t.Fatal("no new recovery code on the page")
	}
	e.keep(got[1])
	if b.cookies[HostSessionCookie] == nil {
		t.Error("no session cookie with the new code")
	}
	// An expired challenge sends the user back to the sign-in form.
	e.clock.Add(ChallengeTTL)
	w = b.do("POST", pathSignInFactor, url.Values{"challenge": {ch}, "method": {"totp"}, "code": {"123456"}})
	wantPage(t, w, http.StatusUnauthorized, `action="/sign-in"`)
}
