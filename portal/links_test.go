package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// rlEnv is a portal with a platform tenant, a reseller under it and a
// customer of the reseller, sharing one settable clock with its store.
type rlEnv struct {
	h     *Handler
	logs  *syncBuffer
	st    store.Store
	clock *testClock
	out   *mail.Outbox

	platform, reseller, customer, stranger store.Tenant
}

func newRLEnv(t *testing.T, mod func(*Options)) *rlEnv {
	t.Helper()
	ctx := context.Background()
	clk := &testClock{t: fixedNow}
	st := portaltest.Store(t, clk.Now)
	mk := func(name string, parent int64) store.Tenant {
		tn, err := st.CreateTenant(ctx, store.NewTenant{Name: name, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return tn
	}
	e := &rlEnv{st: st, clock: clk}
	e.platform = mk("Platform", 0)
	e.reseller = mk("Reseller", e.platform.ID)
	e.customer = mk("Customer", e.reseller.ID)
	e.stranger = mk("Stranger", 0)
	base, _ := url.Parse("https://portal.example.com/")
	e.h, e.logs = newTestHandler(t, func(o *Options) {
		o.Store = st
		o.Now = clk.Now
		o.PlatformTenantID = e.platform.ID
		o.BaseURL = base
		o.RecoveryPerAddress = 1000
		if mod != nil {
			mod(o)
		}
	})
	if ob, ok := e.h.opts.Mailer.(*mail.Outbox); ok {
		e.out = ob
	}
	return e
}

// rlUser is a seeded user with a full session.
type rlUser struct {
	store.User
	session string
}

func (e *rlEnv) user(t *testing.T, tn store.Tenant, name string, role store.Role) rlUser {
	t.Helper()
	u := seedUser(t, e.h, tn.ID, name+"@"+strings.ToLower(tn.Name)+".example", role, rlPassword)
	return rlUser{User: u, session: sessionFor(t, e.h, u, store.ScopeFull)}
}

// rlPassword is every seeded user's password.
const rlPassword = "correct horse battery"

// request files a recovery request for email with the account's password,
// as the requester's app does, so its link comes to the app.
func (e *rlEnv) request(t *testing.T, email string) api.RecoveryTicket {
	t.Helper()
	return e.requestWith(t, api.RecoveryRequestCreate{Email: email, Message: "lost my phone <b>help</b>", Password: rlPassword})
}

// requestUnproven files a recovery request for email without a password:
// its link can only go by e-mail.
func (e *rlEnv) requestUnproven(t *testing.T, email string) api.RecoveryTicket {
	t.Helper()
	return e.requestWith(t, api.RecoveryRequestCreate{Email: email, Message: "lost my phone <b>help</b>"})
}

func (e *rlEnv) requestWith(t *testing.T, in api.RecoveryRequestCreate) api.RecoveryTicket {
	t.Helper()
	w := callAPI(t, e.h, "POST", api.PathRecoveryRequests, "", in)
	if w.Code != http.StatusAccepted {
		t.Fatalf("recovery request: %d %s", w.Code, w.Body)
	}
	var out api.RecoveryRequestCreated
	decodeAnswer(t, w, &out)
	return out.Request
}

// requestID finds the id of the request with ticket tk (the requester
// never learns it; the admin's queue shows it).
func (e *rlEnv) requestID(t *testing.T, tk api.RecoveryTicket) int64 {
	t.Helper()
	h, err := auth.HashEncodedToken(tk.PollToken)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.st.GetRecoveryRequestByToken(context.Background(), store.TokenHash(h))
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (e *rlEnv) poll(t *testing.T, pollToken string) api.RecoveryStatus {
	t.Helper()
	w := callAPI(t, e.h, "GET", api.PathRecoveryStatus, pollToken, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("poll: %d %s", w.Code, w.Body)
	}
	var out api.RecoveryStatus
	decodeAnswer(t, w, &out)
	return out
}

func (e *rlEnv) queue(t *testing.T, session, status string) []api.RecoveryQueueItem {
	t.Helper()
	path := api.PathAdminRecoveryRequests
	if status != "" {
		path += "?status=" + status
	}
	w := callAPI(t, e.h, "GET", path, session, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("queue: %d %s", w.Code, w.Body)
	}
	var out api.RecoveryQueue
	decodeAnswer(t, w, &out)
	return out.Requests
}

func rlItem(items []api.RecoveryQueueItem, id int64) (api.RecoveryQueueItem, bool) {
	for _, it := range items {
		if it.ID == id {
			return it, true
		}
	}
	return api.RecoveryQueueItem{}, false
}

func (e *rlEnv) status(t *testing.T, id int64) store.RequestStatus {
	t.Helper()
	r, err := e.st.GetRecoveryRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func (e *rlEnv) auditActions(t *testing.T) []string {
	t.Helper()
	l, err := e.st.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(l) - 1; i >= 0; i-- {
		out = append(out, l[i].Action)
	}
	return out
}

func rlCount(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

var rlLinkInMail = regexp.MustCompile(`https://portal\.example\.com/recover/link\?token=([A-Za-z0-9_-]{43})\n`)

// mailedLink is the token of the newest recovery link e-mailed to addr.
func (e *rlEnv) mailedLink(t *testing.T, addr string) string {
	t.Helper()
	m, ok := e.out.Last(addr, "recovery link")
	if !ok {
		t.Fatalf("no recovery link was mailed to %s", addr)
	}
	sub := rlLinkInMail.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("the recovery mail holds no link: %d bytes", len(m.Text))
	}
	return sub[1]
}

// page fetches the link page (GET) or presses its button (POST, from the
// portal's own origin unless origin says otherwise).
func (e *rlEnv) page(t *testing.T, method, token, origin string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		req = httptest.NewRequest(method, PathRecoverLink+"?token="+url.QueryEscape(token), nil)
	} else {
		req = httptest.NewRequest(method, PathRecoverLink, strings.NewReader(url.Values{"token": {token}, "password": {rlPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
	}
	req.RemoteAddr = "203.0.113.9:5000"
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func (e *rlEnv) linkRow(t *testing.T, token string) store.RecoveryLink {
	t.Helper()
	h, err := auth.HashEncodedToken(token)
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.st.GetRecoveryLink(context.Background(), store.TokenHash(h))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *rlEnv) approve(t *testing.T, session string, id int64, phrase string) *httptest.ResponseRecorder {
	t.Helper()
	return callAPI(t, e.h, "POST", api.PathApproveRecovery(id), session, api.RecoveryApprove{Phrase: phrase})
}

func rlWantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s: status %d, want %d: %s", what, w.Code, status, w.Body)
	}
}

// The issue's whole loop, step by step: request, queue, wrong phrase,
// approval, e-mail, one-time delivery to the app, a page that consumes
// nothing, redemption into an enrol-only session, and no second use.
func TestRecoveryLoop(t *testing.T) {
	e := newRLEnv(t, nil)
	ctx := context.Background()
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	// Ada's lost authenticator, and a session on another device.
	f, err := e.st.BeginTOTPEnrolment(ctx, ada.ID, store.EncryptedSecret{KeyID: "k", Ciphertext: []byte("sealed-totp")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmTOTPEnrolment(ctx, f.ID, 1); err != nil {
		t.Fatal(err)
	}

	tk := e.request(t, strings.ToUpper(ada.Email))
	id := e.requestID(t, tk)
	if got := e.poll(t, tk.PollToken); got.Status != api.RecoveryPending || got.Link != nil || !got.ExpiresAt.Equal(tk.ExpiresAt) {
		t.Fatalf("first poll: %+v (ticket expires %v)", got, tk.ExpiresAt)
	}

	// The queue shows the request with its phrase and the matched account.
	it, ok := rlItem(e.queue(t, admin.session, "pending"), id)
	if !ok {
		t.Fatal("the admin's queue lacks the request")
	}
	if it.Phrase != tk.Phrase || !it.Matched || it.User == nil || it.User.ID != ada.ID || it.Message != "lost my phone <b>help</b>" ||
		it.TenantName != "Reseller" || !slices.Equal(it.Actions, []string{"approve", "deny", "forward"}) {
		t.Fatalf("queue item: %+v", it)
	}

	// A wrong phrase changes nothing.
	w := e.approve(t, admin.session, id, "wrong words entirely here")
	rlWantStatus(t, "wrong phrase", w, http.StatusUnprocessableEntity)
	if st := e.status(t, id); st != store.RequestPending {
		t.Fatalf("after a wrong phrase the request is %s", st)
	}
	if len(e.out.To(ada.Email)) != 0 {
		t.Fatal("a wrong phrase sent mail")
	}

	// The right phrase, as read back on the phone.
	spoken := strings.ToUpper(strings.ReplaceAll(tk.Phrase, " ", " - "))
	w = e.approve(t, admin.session, id, spoken)
	rlWantStatus(t, "approve", w, http.StatusOK)
	var dec api.RecoveryDecision
	decodeAnswer(t, w, &dec)
	if dec.Request.Status != api.RecoveryLinkIssued || dec.Link == nil || dec.Link.Emailed || !dec.Link.ForApp ||
		!dec.Link.ExpiresAt.Equal(e.clock.Now().Add(DefaultLinkTTL).Truncate(time.Microsecond)) || dec.Request.DecidedBy != admin.ID {
		t.Fatalf("decision: %+v link %+v", dec.Request, dec.Link)
	}

	// The request proved the password, so the app gets the link on its
	// next poll, and never again; the mailbox is told where it went.
	got := e.poll(t, tk.PollToken)
	if got.Status != api.RecoveryLinkIssued || got.Link == nil || !got.Link.ExpiresAt.Equal(dec.Link.ExpiresAt) || got.LinkTo != api.LinkToApp {
		t.Fatalf("delivering poll: %+v", got)
	}
	token := got.Link.Token
	if strings.Contains(w.Body.String(), token) {
		t.Fatal("the approval answer holds the link")
	}
	mails := e.out.To(ada.Email)
	if len(mails) != 1 || strings.Contains(mails[0].Text, token) || !strings.Contains(mails[0].Text, "went to the Latchkey app") {
		t.Fatalf("the notice mail: %+v", mails)
	}
	if again := e.poll(t, tk.PollToken); again.Status != api.RecoveryLinkIssued || again.Link != nil {
		t.Fatalf("second poll: %+v", again)
	}
	if it, _ := rlItem(e.queue(t, admin.session, ""), id); it.DeliveredAt == nil || len(it.Actions) != 0 {
		t.Fatalf("queue after delivery: %+v", it)
	}

	// Opening the page (twice, as a mail scanner and then the user would)
	// consumes nothing.
	for i := 0; i < 2; i++ {
		w = e.page(t, "GET", token, "")
		rlWantStatus(t, "GET link page", w, http.StatusOK)
		body := w.Body.String()
		if !strings.Contains(body, `<form method="post" action="/recover/link">`) || !strings.Contains(body, `value="`+token+`"`) {
			t.Fatalf("the page has no form for the link:\n%s", body)
		}
		if ct := w.Header().Get("Content-Security-Policy"); !strings.Contains(ct, "form-action 'self'") {
			t.Errorf("page CSP %q", ct)
		}
	}
	if l := e.linkRow(t, token); !l.UsedAt.IsZero() {
		t.Fatal("GET consumed the link")
	}
	if _, err := e.st.ActiveTOTPFactor(ctx, ada.ID); err != nil {
		t.Fatalf("GET disabled the authenticator: %v", err)
	}

	// A cross-site form post is refused and consumes nothing.
	rlWantStatus(t, "cross-site POST", e.page(t, "POST", token, "https://evil.example"), http.StatusForbidden)
	if l := e.linkRow(t, token); !l.UsedAt.IsZero() {
		t.Fatal("a cross-site POST consumed the link")
	}

	// The button redeems it.
	w = e.page(t, "POST", token, "https://portal.example.com")
	rlWantStatus(t, "POST link page", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/enrol" {
		t.Fatalf("redirect to %q", loc)
	}
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == HostSessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Fatalf("session cookie %+v", cookie)
	}
	sh, err := auth.HashEncodedToken(cookie.Value)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.st.GetSession(ctx, store.TokenHash(sh))
	if err != nil || s.Scope != store.ScopeEnrol || s.UserID != ada.ID || !s.ExpiresAt.Equal(e.clock.Now().Add(EnrolSessionTTL).Truncate(time.Microsecond)) {
		t.Fatalf("granted session %+v, %v", s, err)
	}
	if _, err := e.st.ActiveTOTPFactor(ctx, ada.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old authenticator still works: %v", err)
	}
	if w := callAPI(t, e.h, "GET", api.PathAdminRecoveryRequests, ada.session, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("ada's earlier session still works: %d", w.Code)
	}
	// The enrol session is a session, but only for enrolling.
	if slices.Contains(e.h.Routes(), Route{Method: "GET", Path: "/v1/session"}) {
		if w := callAPI(t, e.h, "GET", "/v1/session", cookie.Value, nil); w.Code != http.StatusOK {
			t.Fatalf("GET /v1/session with the enrol session: %d %s", w.Code, w.Body)
		}
	}
	if w := callAPI(t, e.h, "GET", api.PathAdminRecoveryRequests, cookie.Value, nil); w.Code != http.StatusForbidden {
		t.Fatalf("the enrol session reached the admin queue: %d", w.Code)
	}
	if _, ok := e.out.Last(ada.Email, "two-factor authentication changed"); !ok {
		t.Error("ada was not told her 2FA changed")
	}
	if got := e.poll(t, tk.PollToken); got.Status != api.RecoveryCompleted || got.Link != nil {
		t.Fatalf("poll after use: %+v", got)
	}

	// A second use fails, on the page and through the API.
	w = e.page(t, "POST", token, "https://portal.example.com")
	rlWantStatus(t, "second POST", w, http.StatusGone)
	if !strings.Contains(w.Body.String(), "already used") {
		t.Errorf("second POST page: %s", w.Body)
	}
	rlWantStatus(t, "GET after use", e.page(t, "GET", token, ""), http.StatusGone)
	w = callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword})
	rlWantStatus(t, "API redeem after use", w, http.StatusGone)

	// Everything is in the audit log, in order, once.
	acts := e.auditActions(t)
	want := []string{auditRecoveryRequested, auditRecoveryPhraseMismatch, auditRecoveryApproved, auditLinkIssued, auditLinkDelivered,
		auditLinkOpened, auditLinkOpened, auditLinkUsed}
	if !slices.Equal(acts, want) {
		t.Errorf("audit %v, want %v", acts, want)
	}

	// No secret reached a log line or an audit entry.
	entries, _ := e.st.ListAudit(ctx, store.AuditFilter{Limit: 1000})
	var details strings.Builder
	for _, en := range entries {
		details.Write(en.Details)
	}
	secrets := map[string]string{"link token": token, "poll token": tk.PollToken, "session token": cookie.Value, "phrase": tk.Phrase,
		"first phrase word": strings.Fields(tk.Phrase)[0] + " "}
	for what, s := range secrets {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("the log holds the %s", what)
		}
		if strings.Contains(details.String(), s) {
			t.Errorf("the audit log holds the %s", what)
		}
	}
}

// The app's way in: the polled token redeemed through the API, and every
// broken token refused without changing anything.
func TestRecoveryRedeemAPI(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	tk := e.request(t, ada.Email)
	rlWantStatus(t, "approve", e.approve(t, admin.session, e.requestID(t, tk), tk.Phrase), http.StatusOK)
	link := e.poll(t, tk.PollToken).Link
	if link == nil {
		t.Fatal("no link delivered")
	}
	redeem := func(body string, ct string) *httptest.ResponseRecorder {
		return do(e.h, "POST", api.PathRecoveryLinkRedeem, ct, body)
	}
	unknown := auth.NewToken().Encode()
	for _, tc := range []struct {
		name, body, ct string
		status         int
		code           string
	}{
		{"truncated", `{"token":"` + link.Token[:30] + `"}`, "application/json", 400, api.CodeInvalid},
		{"standard base64", `{"token":"` + strings.ReplaceAll(link.Token[:42], "-", "+") + `+"}`, "application/json", 400, api.CodeInvalid},
		{"unknown", `{"token":"` + unknown + `"}`, "application/json", 404, api.CodeNotFound},
		{"empty token", `{"token":""}`, "application/json", 400, api.CodeInvalid},
		{"no token", `{}`, "application/json", 400, api.CodeInvalid},
		{"unknown member", `{"token":"` + link.Token + `","user":1}`, "application/json", 400, api.CodeUnknownField},
		{"malformed", `{"token":`, "application/json", 400, api.CodeBadRequest},
		{"wrong type", `{"token":7}`, "application/json", 400, api.CodeInvalid},
		{"trailing data", `{"token":"x"} {}`, "application/json", 400, api.CodeBadRequest},
		{"form", "token=" + link.Token, "application/x-www-form-urlencoded", 415, api.CodeUnsupportedMedia},
	} {
		w := redeem(tc.body, tc.ct)
		if w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
			continue
		}
		if got := errorBody(t, w); got.Code != tc.code {
			t.Errorf("%s: code %s, want %s", tc.name, got.Code, tc.code)
		}
	}
	if l := e.linkRow(t, link.Token); !l.UsedAt.IsZero() {
		t.Fatal("a refused redemption consumed the link")
	}

	w := redeem(`{"token":"`+link.Token+`","password":"`+rlPassword+`"}`, "application/json")
	rlWantStatus(t, "redeem", w, http.StatusOK)
	var got api.RecoveryLinkRedeemed
	decodeAnswer(t, w, &got)
	if got.Scope != "enrol" || !got.ExpiresAt.Equal(e.clock.Now().Add(EnrolSessionTTL).Truncate(time.Microsecond)) {
		t.Fatalf("redeemed: %v", got)
	}
	sh, _ := auth.HashEncodedToken(got.SessionToken)
	if s, err := e.st.GetSession(context.Background(), store.TokenHash(sh)); err != nil || s.Scope != store.ScopeEnrol || s.UserID != ada.ID {
		t.Fatalf("session %+v, %v", s, err)
	}
	rlWantStatus(t, "second redeem", redeem(`{"token":"`+link.Token+`","password":"`+rlPassword+`"}`, "application/json"), http.StatusGone)
}

// Who may decide what, and what everyone else gets.
func TestRecoveryDecisionPolicy(t *testing.T) {
	e := newRLEnv(t, nil)
	pAdmin := e.user(t, e.platform, "pat", store.RoleAdmin)
	pTech := e.user(t, e.platform, "pete", store.RoleTechnician)
	rOwner := e.user(t, e.reseller, "ruth", store.RoleOwner)
	rOwner2 := e.user(t, e.reseller, "rob", store.RoleOwner)
	rAdmin := e.user(t, e.reseller, "rita", store.RoleAdmin)
	rTech := e.user(t, e.reseller, "ray", store.RoleTechnician)
	rRO := e.user(t, e.reseller, "rhea", store.RoleReadOnly)
	cTech := e.user(t, e.customer, "carl", store.RoleTechnician)
	sAdmin := e.user(t, e.stranger, "sam", store.RoleAdmin)

	type req struct {
		tk api.RecoveryTicket
		id int64
	}
	file := func(email string) req {
		tk := e.request(t, email)
		return req{tk, e.requestID(t, tk)}
	}
	ghostTk := e.requestUnproven(t, "nobody@nowhere.example")
	self, owner, child, own, ghost := file(rAdmin.Email), file(rOwner.Email), file(cTech.Email), file(rTech.Email), req{ghostTk, e.requestID(t, ghostTk)}

	steps := []struct {
		name   string
		who    rlUser
		action string // approve, deny, forward
		r      *req
		phrase string // "" : the request's own
		status int
		msg    string // part of the error message
		after  store.RequestStatus
	}{
		{"self approval", rAdmin, "approve", &self, "", 403, "their own account", store.RequestPending},
		{"admin approves owner", rAdmin, "approve", &owner, "", 403, "only an owner", store.RequestPending},
		{"technician approves", rTech, "approve", &own, "", 403, "technician role", store.RequestPending},
		{"read-only denies", rRO, "deny", &own, "", 403, "read-only role", store.RequestPending},
		{"stranger approves", sAdmin, "approve", &own, "", 404, recoveryNotFound, store.RequestPending},
		{"platform approves unforwarded", pAdmin, "approve", &child, "", 404, recoveryNotFound, store.RequestPending},
		{"reseller approves child", rAdmin, "approve", &child, "", 403, "forward the request", store.RequestPending},
		{"reseller denies child", rOwner, "deny", &child, "", 403, "forward the request", store.RequestPending},
		{"reseller on ghost", rAdmin, "deny", &ghost, "", 404, recoveryNotFound, store.RequestPending},
		{"self forward", rTech, "forward", &own, "", 403, "their own", store.RequestPending},
		{"reseller forwards child", rAdmin, "forward", &child, "", 200, "", store.RequestForwarded},
		{"forward twice", rAdmin, "forward", &child, "", 409, "only a pending request", store.RequestForwarded},
		{"platform technician approves forwarded", pTech, "approve", &child, "", 404, recoveryNotFound, store.RequestForwarded},
		{"platform approves forwarded, wrong phrase", pAdmin, "approve", &child, "amber amber amber amber", 422, "does not match", store.RequestForwarded},
		{"platform approves forwarded", pAdmin, "approve", &child, "", 200, "", store.RequestLinkIssued},
		{"approve twice", pAdmin, "approve", &child, "", 404, recoveryNotFound, store.RequestLinkIssued},
		{"owner approves owner", rOwner2, "approve", &owner, "", 200, "", store.RequestLinkIssued},
		{"deny after approval", rOwner2, "deny", &owner, "", 409, "link issued", store.RequestLinkIssued},
		{"ghost approve", pAdmin, "approve", &ghost, "", 422, "matched no account", store.RequestPending},
		{"ghost forward", pAdmin, "forward", &ghost, "", 422, "matched no account", store.RequestPending},
		{"ghost deny", pAdmin, "deny", &ghost, "", 200, "", store.RequestDenied},
		{"other admin denies", rOwner, "deny", &self, "", 200, "", store.RequestDenied},
	}
	for _, s := range steps {
		var w *httptest.ResponseRecorder
		switch s.action {
		case "approve":
			p := s.phrase
			if p == "" {
				p = s.r.tk.Phrase
			}
			w = e.approve(t, s.who.session, s.r.id, p)
		case "deny":
			w = callAPI(t, e.h, "POST", api.PathDenyRecovery(s.r.id), s.who.session, api.RecoveryDeny{Reason: "call me from your desk phone"})
		case "forward":
			w = callAPI(t, e.h, "POST", api.PathForwardRecovery(s.r.id), s.who.session, nil)
		}
		if w.Code != s.status {
			t.Errorf("%s: %d %s, want %d", s.name, w.Code, w.Body, s.status)
		} else if s.msg != "" && !strings.Contains(errorBody(t, w).Message, s.msg) {
			t.Errorf("%s: message %q lacks %q", s.name, w.Body, s.msg)
		}
		if st := e.status(t, s.r.id); st != s.after {
			t.Errorf("%s: request is %s, want %s", s.name, st, s.after)
		}
	}

	// Mail: the forwarded request's link went to its user, the denial to
	// the matched user with the reason, and nothing to the unmatched address.
	if _, ok := e.out.Last(cTech.Email, "recovery link"); !ok {
		t.Error("the forwarded request's link was not mailed")
	}
	if m, ok := e.out.Last(rAdmin.Email, "declined"); !ok || !strings.Contains(m.Text, "call me from your desk phone") {
		t.Errorf("the denial notice: %v %v", m, ok)
	}
	if n := len(e.out.To("nobody@nowhere.example")); n != 0 {
		t.Errorf("%d mails to an address with no account", n)
	}

	// Who sees what in the queue.
	ids := func(u rlUser) []int64 {
		var out []int64
		for _, it := range e.queue(t, u.session, "") {
			out = append(out, it.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(v ...int64) []int64 { slices.Sort(v); return v }
	for _, tc := range []struct {
		name string
		u    rlUser
		want []int64
	}{
		{"reseller admin: own and customer's", rAdmin, sorted(self.id, owner.id, child.id, own.id)},
		// The reseller is the platform's customer; the customer's
		// request is no longer forwarded, so no longer platform support's.
		{"platform admin: its customer's and unmatched", pAdmin, sorted(self.id, owner.id, own.id, ghost.id)},
		{"stranger: nothing", sAdmin, nil},
	} {
		if got := ids(tc.u); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if w := callAPI(t, e.h, "GET", api.PathAdminRecoveryRequests, rRO.session, nil); w.Code != http.StatusForbidden {
		t.Errorf("read-only queue: %d", w.Code)
	}
	// A fresh child request: the reseller may only forward it, and the
	// platform sees it once forwarded.
	fresh := file(cTech.Email)
	it, _ := rlItem(e.queue(t, rAdmin.session, "pending"), fresh.id)
	if !slices.Equal(it.Actions, []string{"forward"}) {
		t.Errorf("reseller's actions on a customer request: %v", it.Actions)
	}
	if _, ok := rlItem(e.queue(t, pAdmin.session, ""), fresh.id); ok {
		t.Error("platform support sees an unforwarded customer request")
	}
	rlWantStatus(t, "forward", callAPI(t, e.h, "POST", api.PathForwardRecovery(fresh.id), rTech.session, nil), http.StatusOK)
	it, ok := rlItem(e.queue(t, pAdmin.session, "forwarded"), fresh.id)
	if !ok || !slices.Equal(it.Actions, []string{"approve", "deny"}) || it.Phrase != fresh.tk.Phrase {
		t.Errorf("platform's view of the forwarded request: %+v", it)
	}
	ghostItem, _ := rlItem(e.queue(t, pAdmin.session, "denied"), ghost.id)
	if ghostItem.Matched || ghostItem.User != nil || ghostItem.TenantID != 0 {
		t.Errorf("unmatched request shown as %+v", ghostItem)
	}
}

// Requests and links run out.
func TestRecoveryExpiry(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)

	old := e.request(t, ada.Email)
	oldID := e.requestID(t, old)
	e.clock.Add(DefaultRecoveryRequestTTL)
	admin.session = sessionFor(t, e.h, admin.User, store.ScopeFull)
	if got := e.poll(t, old.PollToken); got.Status != api.RecoveryPending {
		t.Fatalf("at exactly its expiry the request is %s", got.Status)
	}
	e.clock.Add(time.Second)
	if got := e.poll(t, old.PollToken); got.Status != api.RecoveryExpired {
		t.Fatalf("past its expiry the request is %s", got.Status)
	}
	if it, ok := rlItem(e.queue(t, admin.session, "expired"), oldID); !ok || len(it.Actions) != 0 {
		t.Fatalf("expired request in the queue: %+v %v", it, ok)
	}
	rlWantStatus(t, "approve expired", e.approve(t, admin.session, oldID, old.Phrase), http.StatusConflict)
	if n := rlCount(e.auditActions(t), auditRecoveryExpired); n != 1 {
		t.Errorf("%d expiry entries, want 1", n)
	}

	// A request swept by the queue, not by its poll.
	other := e.request(t, ada.Email)
	e.clock.Add(DefaultRecoveryRequestTTL + time.Minute)
	admin.session = sessionFor(t, e.h, admin.User, store.ScopeFull)
	if it, ok := rlItem(e.queue(t, admin.session, ""), e.requestID(t, other)); !ok || it.Status != api.RecoveryExpired {
		t.Fatalf("queue after expiry: %+v", it)
	}

	// A link unused for LinkTTL.
	tk := e.requestUnproven(t, ada.Email)
	rlWantStatus(t, "approve", e.approve(t, admin.session, e.requestID(t, tk), tk.Phrase), http.StatusOK)
	token := e.mailedLink(t, ada.Email)
	e.clock.Add(DefaultLinkTTL)
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("an expired link was delivered")
	}
	w := e.page(t, "GET", token, "")
	rlWantStatus(t, "GET expired link", w, http.StatusGone)
	if !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("expired page: %s", w.Body)
	}
	rlWantStatus(t, "POST expired link", e.page(t, "POST", token, "https://portal.example.com"), http.StatusGone)
	// Two refused attempts, one expiry.
	if n := rlCount(e.auditActions(t), auditLinkRefused); n != 2 {
		t.Errorf("%d link.refused entries, want 2", n)
	}
	if n := rlCount(e.auditActions(t), auditLinkExpired); n != 1 {
		t.Errorf("%d link.expired entries, want 1", n)
	}
}

// Issuing a link directly (e-mail only) revokes the older one, which the
// page then calls replaced; the admin never sees the token.
func TestRecoveryDirectLink(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	owner := e.user(t, e.reseller, "olga", store.RoleOwner)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	cTech := e.user(t, e.customer, "carl", store.RoleTechnician)

	tk := e.requestUnproven(t, ada.Email)
	rlWantStatus(t, "approve", e.approve(t, admin.session, e.requestID(t, tk), tk.Phrase), http.StatusOK)
	first := e.mailedLink(t, ada.Email)

	w := callAPI(t, e.h, "POST", api.PathUserRecoveryLink(ada.ID), admin.session, nil)
	rlWantStatus(t, "direct link", w, http.StatusOK)
	var got api.DirectLinkIssued
	decodeAnswer(t, w, &got)
	if !got.Link.Emailed || got.Link.ForApp || got.Link.UserID != ada.ID {
		t.Fatalf("answer %+v", got)
	}
	second := e.mailedLink(t, ada.Email)
	if second == first || strings.Contains(w.Body.String(), second) {
		t.Fatal("the answer holds the link, or no new link was mailed")
	}
	w = e.page(t, "GET", first, "")
	rlWantStatus(t, "older link", w, http.StatusGone)
	if !strings.Contains(w.Body.String(), "replaced") {
		t.Errorf("older link page: %s", w.Body)
	}
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("the app was handed the revoked link")
	}
	rlWantStatus(t, "redeem new", e.page(t, "POST", second, "https://portal.example.com"), http.StatusSeeOther)
	if n := rlCount(e.auditActions(t), auditLinkIssued); n != 2 {
		t.Errorf("%d link.issued entries", n)
	}

	for _, tc := range []struct {
		name   string
		who    rlUser
		target int64
		status int
	}{
		{"self", admin, admin.ID, 403},
		{"admin for owner", admin, owner.ID, 403},
		{"owner for admin", owner, admin.ID, 200},
		{"reseller for customer", owner, cTech.ID, 403},
		{"customer for reseller", rlUser{User: cTech.User, session: cTech.session}, ada.ID, 404},
		{"unknown user", admin, 999999, 404},
	} {
		if w := callAPI(t, e.h, "POST", api.PathUserRecoveryLink(tc.target), tc.who.session, nil); w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
		}
	}

	// A link that cannot be mailed is withdrawn.
	failing := newRLEnv(t, func(o *Options) { o.Mailer = rlFailingMailer{} })
	fAdmin := failing.user(t, failing.reseller, "grace", store.RoleAdmin)
	fAda := failing.user(t, failing.reseller, "ada", store.RoleTechnician)
	w = callAPI(t, failing.h, "POST", api.PathUserRecoveryLink(fAda.ID), fAdmin.session, nil)
	rlWantStatus(t, "unmailable link", w, http.StatusServiceUnavailable)
	if n, err := failing.st.RevokeRecoveryLinks(context.Background(), fAda.ID); err != nil || n != 0 {
		t.Errorf("an unmailable link stayed live (%d revoked now, %v)", n, err)
	}
}

type rlFailingMailer struct{}

func (rlFailingMailer) Send(context.Context, mail.Message) error {
	return errors.New("connection refused")
}

// 100 redemptions of one link at once: exactly one session.
func TestRecoveryLinkConcurrentRedeem(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	if w := callAPI(t, e.h, "POST", api.PathUserRecoveryLink(ada.ID), admin.session, nil); w.Code != http.StatusOK {
		t.Fatalf("issue: %d %s", w.Code, w.Body)
	}
	token := e.mailedLink(t, ada.Email)
	const n = 100
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword}).Code
		}()
	}
	close(start)
	wg.Wait()
	if ok, gone := rlCountInts(codes, 200), rlCountInts(codes, 410); ok != 1 || gone != n-1 {
		t.Fatalf("%d succeeded, %d gone, of %d (codes %v)", ok, gone, n, codes)
	}
	if used := rlCount(e.auditActions(t), auditLinkUsed); used != 1 {
		t.Fatalf("%d link.used entries", used)
	}
}

func rlCountInts(list []int, v int) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// Every endpoint with a body holds it to the strict rules; ids and
// filters name what is wrong.
func TestRecoveryBadInput(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	tk := e.request(t, ada.Email)
	id := e.requestID(t, tk)
	call := func(method, path, ct, body string) *httptest.ResponseRecorder {
		var rd *strings.Reader
		if body != "" {
			rd = strings.NewReader(body)
		} else {
			rd = strings.NewReader("")
		}
		req := httptest.NewRequest(method, path, rd)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+admin.session)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		return w
	}
	approve, deny, forward := api.PathApproveRecovery(id), api.PathDenyRecovery(id), api.PathForwardRecovery(id)
	link := api.PathUserRecoveryLink(ada.ID)
	const js = "application/json"
	for _, tc := range []struct {
		name, method, path, ct, body string
		status                       int
		code                         string
	}{
		{"approve unknown member", "POST", approve, js, `{"phrase":"x","user_id":1}`, 400, api.CodeUnknownField},
		{"approve malformed", "POST", approve, js, `{"phrase":`, 400, api.CodeBadRequest},
		{"approve array", "POST", approve, js, `["phrase"]`, 400, api.CodeBadRequest},
		{"approve no body", "POST", approve, js, ``, 400, api.CodeBadRequest},
		{"approve empty phrase", "POST", approve, js, `{"phrase":"  "}`, 400, api.CodeInvalid},
		{"approve phrase number", "POST", approve, js, `{"phrase":4}`, 400, api.CodeInvalid},
		{"approve text/plain", "POST", approve, "text/plain", `{"phrase":"x"}`, 415, api.CodeUnsupportedMedia},
		{"deny unknown member", "POST", deny, js, `{"why":"x"}`, 400, api.CodeUnknownField},
		{"deny trailing", "POST", deny, js, `{} x`, 400, api.CodeBadRequest},
		{"deny reason too long", "POST", deny, js, `{"reason":"` + strings.Repeat("é", api.MaxDenyReasonRunes+1) + `"}`, 400, api.CodeInvalid},
		{"deny reason control", "POST", deny, js, `{"reason":"a\u001bb"}`, 400, api.CodeInvalid},
		{"deny reason bidi", "POST", deny, js, `{"reason":"a\u202eb"}`, 400, api.CodeInvalid},
		{"forward unknown member", "POST", forward, js, `{"to":"platform"}`, 400, api.CodeUnknownField},
		{"forward text", "POST", forward, "text/plain", `x`, 415, api.CodeUnsupportedMedia},
		{"link unknown member", "POST", link, js, `{"send":true}`, 400, api.CodeUnknownField},
		{"id not a number", "POST", api.PathAdminRecoveryRequests + "/abc/deny", "", "", 400, api.CodeInvalid},
		{"id zero", "POST", api.PathAdminRecoveryRequests + "/0/forward", "", "", 400, api.CodeInvalid},
		{"id unknown", "POST", api.PathDenyRecovery(999999), "", "", 404, api.CodeNotFound},
		{"user id negative", "POST", "/v1/admin/users/-3/recovery-link", "", "", 400, api.CodeInvalid},
		{"bad status filter", "GET", api.PathAdminRecoveryRequests + "?status=open", "", "", 400, api.CodeInvalid},
		{"queue PUT", "PUT", api.PathAdminRecoveryRequests, "", "", 405, api.CodeMethodNotAllowed},
	} {
		w := call(tc.method, tc.path, tc.ct, tc.body)
		if w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
			continue
		}
		if got := errorBody(t, w); got.Code != tc.code {
			t.Errorf("%s: code %s (%s), want %s", tc.name, got.Code, got.Message, tc.code)
		}
	}
	if st := e.status(t, id); st != store.RequestPending {
		t.Fatalf("refused calls changed the request to %s", st)
	}
	if n := len(e.out.Messages()); n != 0 {
		t.Fatalf("refused calls sent %d mails", n)
	}
	// An empty JSON object is as good as no body.
	rlWantStatus(t, "forward {}", call("POST", forward, js, `{}`), http.StatusOK)
}

// Unknown, forged and truncated poll tokens get one and the same answer.
func TestRecoveryPollTokens(t *testing.T) {
	e := newRLEnv(t, nil)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	tk := e.request(t, ada.Email)
	var bodies []string
	for _, tok := range []string{auth.NewToken().Encode(), tk.PollToken[:40], tk.PollToken + "A", "not a token", strings.Repeat("x", 5000)} {
		w := callAPI(t, e.h, "GET", api.PathRecoveryStatus, tok, nil)
		if w.Code != http.StatusNotFound {
			t.Errorf("token of %d bytes: %d", len(tok), w.Code)
		}
		bodies = append(bodies, w.Body.String())
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answers differ: %q vs %q", b, bodies[0])
		}
	}
	w := callAPI(t, e.h, "GET", api.PathRecoveryStatus, "", nil)
	if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %v", w.Code, w.Header())
	}
	// An admin session is not a poll token.
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	if w := callAPI(t, e.h, "GET", api.PathRecoveryStatus, admin.session, nil); w.Code != http.StatusNotFound {
		t.Errorf("session as poll token: %d", w.Code)
	}
}

// The real answers of every recovery endpoint validate against openapi.yaml.
func TestOpenAPIRecoveryLoopValidates(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	check := func(method, docPath string, w *httptest.ResponseRecorder, want int) {
		t.Helper()
		if w.Code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, docPath, w.Code, w.Body, want)
		}
		schema, _ := doc.responseSchema(t, method, docPath, want)
		dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, p := range validate(t, doc, schema, v, "body") {
			t.Errorf("%s %s %d: %s", method, docPath, want, p)
		}
	}
	tk := e.request(t, ada.Email)
	id := e.requestID(t, tk)
	ghost := e.requestID(t, e.requestUnproven(t, "ghost@nowhere.example"))
	const (
		status  = "/v1/recovery-requests/status"
		queue   = "/v1/admin/recovery-requests"
		approve = "/v1/admin/recovery-requests/{id}/approve"
		deny    = "/v1/admin/recovery-requests/{id}/deny"
		forward = "/v1/admin/recovery-requests/{id}/forward"
		direct  = "/v1/admin/users/{id}/recovery-link"
		redeem  = "/v1/recovery-links/redeem"
	)
	check("GET", status, callAPI(t, e.h, "GET", status, tk.PollToken, nil), 200)
	check("GET", status, callAPI(t, e.h, "GET", status, "", nil), 401)
	check("GET", status, callAPI(t, e.h, "GET", status, "nope", nil), 404)
	check("GET", queue, callAPI(t, e.h, "GET", queue, admin.session, nil), 200)
	check("GET", queue, callAPI(t, e.h, "GET", queue+"?status=x", admin.session, nil), 400)
	check("GET", queue, callAPI(t, e.h, "GET", queue, "", nil), 401)
	check("POST", approve, e.approve(t, admin.session, id, "no"), 422)
	check("POST", approve, e.approve(t, ada.session, id, tk.Phrase), 403)
	check("POST", approve, e.approve(t, admin.session, ghost, tk.Phrase), 404)
	check("POST", approve, e.approve(t, admin.session, id, tk.Phrase), 200)
	check("POST", approve, e.approve(t, admin.session, id, tk.Phrase), 409)
	check("GET", status, callAPI(t, e.h, "GET", status, tk.PollToken, nil), 200)
	check("POST", forward, callAPI(t, e.h, "POST", api.PathForwardRecovery(id), admin.session, nil), 409)
	other := e.request(t, ada.Email)
	check("POST", forward, callAPI(t, e.h, "POST", api.PathForwardRecovery(e.requestID(t, other)), admin.session, nil), 200)
	check("POST", deny, callAPI(t, e.h, "POST", api.PathDenyRecovery(e.requestID(t, other)), admin.session, api.RecoveryDeny{Reason: "no"}), 200)
	check("POST", deny, callAPI(t, e.h, "POST", api.PathDenyRecovery(999999), admin.session, nil), 404)
	check("POST", direct, callAPI(t, e.h, "POST", api.PathUserRecoveryLink(ada.ID), admin.session, nil), 200)
	check("POST", direct, callAPI(t, e.h, "POST", api.PathUserRecoveryLink(admin.ID), admin.session, nil), 403)
	token := e.mailedLink(t, ada.Email)
	check("POST", redeem, callAPI(t, e.h, "POST", redeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword}), 200)
	check("POST", redeem, callAPI(t, e.h, "POST", redeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword}), 410)
	check("POST", redeem, callAPI(t, e.h, "POST", redeem, "", api.RecoveryLinkRedeem{Token: "short", Password: rlPassword}), 400)
	check("POST", redeem, do(e.h, "POST", redeem, "text/plain", "x"), 415)
	// Queues with every optional member, and without, validate too.
	support := e.user(t, e.platform, "pat", store.RoleAdmin)
	var all strings.Builder
	for _, session := range []string{admin.session, support.session} {
		w := callAPI(t, e.h, "GET", queue, session, nil)
		check("GET", queue, w, 200)
		all.Write(w.Body.Bytes())
	}
	for _, member := range []string{`"delivered_at"`, `"decided_at"`, `"matched":false`, `"matched":true`, `"user"`} {
		if !strings.Contains(all.String(), member) {
			t.Errorf("the queues lack %s, which this test meant to validate", member)
		}
	}
}

// The wire types keep their secrets out of fmt and log/slog.
func TestRecoveryLoopWireTypesRedact(t *testing.T) {
	const secret = "s3cr3t-value-XYZ"
	vals := []any{
		api.RecoveryStatus{Status: "link_issued", Link: &api.DeliveredLink{Token: secret}},
		api.DeliveredLink{Token: secret},
		api.RecoveryQueueItem{Phrase: secret, Email: secret, Message: secret},
		api.RecoveryApprove{Phrase: secret},
		api.RecoveryLinkRedeem{Token: secret, Password: secret},
		api.RecoveryRequestCreate{Email: "a@b.example", Password: secret},
		api.RecoveryLinkRedeemed{SessionToken: secret},
	}
	var buf bytes.Buffer
	for _, v := range vals {
		fmt.Fprintf(&buf, "%v %+v %#v %s\n", v, v, v, v)
	}
	if strings.Contains(buf.String(), secret) {
		t.Errorf("formatting leaks:\n%s", buf.String())
	}
}

// Maintain expires requests nobody polls, with an audit entry each.
func TestMaintainExpiresRequests(t *testing.T) {
	now := time.Now() // the store stamps rows with its own (real) clock
	h, _ := newTestHandler(t, func(o *Options) { o.Now = func() time.Time { return now } })
	w := callAPI(t, h, http.MethodPost, "/v1/recovery-requests", "", map[string]string{"email": "nobody@example.com"})
	if w.Code != http.StatusAccepted {
		t.Fatalf("create: %d", w.Code)
	}
	ctx := context.Background()
	if err := h.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs, _ := h.opts.Store.ListRecoveryRequests(ctx, store.RequestFilter{})
	if len(reqs) != 1 || reqs[0].Status != store.RequestPending {
		t.Fatalf("before the lifetime: %d requests", len(reqs))
	}
	now = now.Add(h.opts.RecoveryRequestTTL + time.Minute)
	if err := h.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs, _ = h.opts.Store.ListRecoveryRequests(ctx, store.RequestFilter{})
	if len(reqs) != 1 || reqs[0].Status != store.RequestExpired {
		t.Fatalf("after the lifetime: %d requests, first %s", len(reqs), reqs[0].Status)
	}
	entries, _ := h.opts.Store.ListAudit(ctx, store.AuditFilter{Action: auditRecoveryExpired})
	if len(entries) != 1 {
		t.Errorf("%d expiry audit entries", len(entries))
	}
}

// A link nobody opens gets its "link.expired" entry from maintenance,
// once, however often maintenance runs.
func TestMaintainLapsesLinks(t *testing.T) {
	now := time.Now() // the store checks a new link's expiry with its own (real) clock
	h, _ := newTestHandler(t, func(o *Options) { o.Now = func() time.Time { return now } })
	tn := seedTenant(t, h, "Acme", 0, store.TenantPolicy{Require2FA: true})
	u := seedUser(t, h, tn.ID, "ann@acme.example", store.RoleReadOnly, "correct horse battery staple")
	ctx := context.Background()
	if _, err := h.opts.Store.IssueRecoveryLink(ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA,
		TokenHash: store.TokenHash(auth.NewToken().Hash()), ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	expired := func() []store.AuditEntry {
		es, err := h.opts.Store.ListAudit(ctx, store.AuditFilter{Action: auditLinkExpired})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	if err := h.Maintain(ctx); err != nil || len(expired()) != 0 {
		t.Fatalf("before expiry: %v, %d entries", err, len(expired()))
	}
	now = now.Add(2 * time.Minute)
	for range 2 {
		if err := h.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es := expired()
	if len(es) != 1 || es[0].TargetUserID != u.ID || es[0].TenantID != tn.ID {
		t.Fatalf("after expiry: %+v", es)
	}
}
