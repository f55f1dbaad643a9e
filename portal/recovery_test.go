package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth/phrase"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

// testClock is a settable clock shared by the portal and its store (the
// store's clock decides rate-limit windows).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type recoveryEnv struct {
	h     *Handler
	logs  *syncBuffer
	st    store.Store
	dir   string
	clock *testClock
	user  store.User
}

const knownEmail = "Ada.Lovelace@Example.com"

func newRecoveryEnv(t *testing.T, mod func(*Options)) *recoveryEnv {
	t.Helper()
	ctx := context.Background()
	clk := &testClock{t: fixedNow}
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "portal.db"), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.NewTenant{Name: "Analytical Engines"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{TenantID: tn.ID, Email: knownEmail, Name: "Ada", Role: store.RoleTechnician})
	if err != nil {
		t.Fatal(err)
	}
	h, logs := newTestHandler(t, func(o *Options) {
		o.Store = st
		o.Now = clk.Now
		if mod != nil {
			mod(o)
		}
	})
	return &recoveryEnv{h: h, logs: logs, st: st, dir: dir, clock: clk, user: u}
}

func (e *recoveryEnv) post(contentType, body, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", api.PathRecoveryRequests, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if remote != "" {
		req.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func recoveryBody(t testing.TB, email, message string) string {
	t.Helper()
	b, err := json.Marshal(api.RecoveryRequestCreate{Email: email, Message: message})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *recoveryEnv) requests(t *testing.T) []store.RecoveryRequest {
	t.Helper()
	l, err := e.st.ListRecoveryRequests(context.Background(), store.RequestFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *recoveryEnv) audits(t *testing.T) []store.AuditEntry {
	t.Helper()
	l, err := e.st.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// dbBytes is everything SQLite wrote to disk (database, WAL, journal).
func (e *recoveryEnv) dbBytes(t *testing.T) []byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(e.dir, "portal.db*"))
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func decodeTicket(t *testing.T, w *httptest.ResponseRecorder) api.RecoveryTicket {
	t.Helper()
	var out api.RecoveryRequestCreated
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("202 body %s: %v", w.Body, err)
	}
	return out.Request
}

// answerHeaders are the header names of an answer, without the ones whose
// values legitimately differ per request.
func answerHeaders(w *httptest.ResponseRecorder) map[string]string {
	out := map[string]string{}
	for k := range w.Header() {
		switch k {
		case "X-Request-Id", "Date":
			out[k] = "*"
		default:
			out[k] = w.Header().Get(k)
		}
	}
	return out
}

func TestRecoveryRequestKnownAndUnknownLookAlike(t *testing.T) {
	e := newRecoveryEnv(t, nil)
	const message = "Lost my phone in the lake.\nCall me on 555-0100\tplease."
	const unknown = "nobody-here@example.org"
	cases := []struct {
		name, email string
		known       bool
	}{
		{"known, as typed with spaces and other case", "  ada.lovelace@EXAMPLE.com ", true},
		{"unknown", unknown, false},
	}
	var skeletons []string
	var headers []map[string]string
	tickets := map[string]api.RecoveryTicket{}
	for _, tc := range cases {
		w := e.post("application/json", recoveryBody(t, tc.email, message), "192.0.2.7:5555")
		if w.Code != http.StatusAccepted {
			t.Fatalf("%s: status %d: %s", tc.name, w.Code, w.Body)
		}
		tk := decodeTicket(t, w)
		if _, err := phrase.Parse(tk.Phrase); err != nil || strings.Count(tk.Phrase, " ") != phrase.Words-1 {
			t.Errorf("%s: phrase %q is not %d list words", tc.name, tk.Phrase, phrase.Words)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tk.PollToken) {
			t.Errorf("%s: poll token %q", tc.name, tk.PollToken)
		}
		if want := fixedNow.Truncate(time.Microsecond).Add(DefaultRecoveryRequestTTL); !tk.ExpiresAt.Equal(want) {
			t.Errorf("%s: expires_at %v, want %v", tc.name, tk.ExpiresAt, want)
		}
		// The body with the random values blanked is byte for byte the same.
		sk := strings.Replace(w.Body.String(), tk.Phrase, "PHRASE", 1)
		sk = strings.Replace(sk, tk.PollToken, "TOKEN", 1)
		skeletons = append(skeletons, sk)
		headers = append(headers, answerHeaders(w))
		tickets[tc.name] = tk
	}
	if skeletons[0] != skeletons[1] {
		t.Errorf("known and unknown answers differ:\n%s\n%s", skeletons[0], skeletons[1])
	}
	if fmt.Sprint(headers[0]) != fmt.Sprint(headers[1]) {
		t.Errorf("known and unknown headers differ:\n%v\n%v", headers[0], headers[1])
	}
	if skeletons[0] != `{"request":{"phrase":"PHRASE","poll_token":"TOKEN","expires_at":"2026-11-23T09:00:00.123456Z","link_to":"email"}}`+"\n" {
		t.Errorf("answer %s", skeletons[0])
	}

	// Both requests are stored, the known one with its user and tenant;
	// the phrase is there as text for the admin to read back.
	reqs := e.requests(t)
	if len(reqs) != 2 {
		t.Fatalf("%d requests stored, want 2", len(reqs))
	}
	byEmail := map[string]store.RecoveryRequest{}
	for _, r := range reqs {
		byEmail[store.NormalizeEmail(r.Email)] = r
	}
	k, u := byEmail[store.NormalizeEmail(knownEmail)], byEmail[unknown]
	ktk, utk := tickets[cases[0].name], tickets[cases[1].name]
	if k.UserID != e.user.ID || k.TenantID != e.user.TenantID || k.Status != store.RequestPending {
		t.Errorf("known request %+v, want user %d tenant %d pending", k, e.user.ID, e.user.TenantID)
	}
	if u.UserID != 0 || u.TenantID != 0 || u.Status != store.RequestPending {
		t.Errorf("unknown request %+v, want no user, pending", u)
	}
	if k.Email != "ada.lovelace@EXAMPLE.com" || k.Message != message || k.SourceAddr != "192.0.2.7" {
		t.Errorf("known request email %q message %q addr %q", k.Email, k.Message, k.SourceAddr)
	}
	if !phrase.Equal(k.Phrase, ktk.Phrase) || k.Phrase != ktk.Phrase || u.Phrase != utk.Phrase {
		t.Errorf("stored phrases %q %q, shown %q %q", k.Phrase, u.Phrase, ktk.Phrase, utk.Phrase)
	}
	// An admin's view: the pending requests of the user's tenant.
	pending, err := e.st.ListRecoveryRequests(context.Background(), store.RequestFilter{TenantID: e.user.TenantID, Status: store.RequestPending})
	if err != nil || len(pending) != 1 || pending[0].Phrase != ktk.Phrase {
		t.Errorf("tenant queue %+v, %v", pending, err)
	}

	// The poll token is stored as its SHA-256 only.
	for _, tc := range []struct {
		tk api.RecoveryTicket
		r  store.RecoveryRequest
	}{{ktk, k}, {utk, u}} {
		raw, err := base64.RawURLEncoding.Strict().DecodeString(tc.tk.PollToken)
		if err != nil || len(raw) != 32 {
			t.Fatalf("poll token does not decode to 32 bytes: %v", err)
		}
		sum := sha256.Sum256(raw)
		if tc.r.RequesterTokenHash != store.TokenHash(sum) {
			t.Errorf("request %d: stored token hash is not SHA-256 of the token", tc.r.ID)
		}
		got, err := e.st.GetRecoveryRequestByToken(context.Background(), store.TokenHash(sum))
		if err != nil || got.ID != tc.r.ID {
			t.Errorf("look-up by token hash: %+v, %v", got, err)
		}
		db := e.dbBytes(t)
		if bytes.Contains(db, []byte(tc.tk.PollToken)) || bytes.Contains(db, raw) {
			t.Errorf("request %d: the poll token is on disk in clear", tc.r.ID)
		}
		if !bytes.Contains(db, sum[:]) {
			t.Errorf("request %d: the token hash is not on disk (test cannot see the database?)", tc.r.ID)
		}
	}

	// One audit entry per request: anonymous actor, target when known, the
	// source address, and no address, message, phrase or token.
	audits := e.audits(t)
	if len(audits) != 2 {
		t.Fatalf("%d audit entries, want 2", len(audits))
	}
	byReq := map[int64]store.AuditEntry{}
	for _, a := range audits {
		var d struct {
			RequestID      int64 `json:"request_id"`
			PasswordProven bool  `json:"password_proven"`
		}
		dec := json.NewDecoder(bytes.NewReader(a.Details))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Errorf("audit details %s: %v", a.Details, err)
		}
		byReq[d.RequestID] = a
	}
	for _, tc := range []struct {
		r      store.RecoveryRequest
		target int64
		tenant int64
	}{{k, e.user.ID, e.user.TenantID}, {u, 0, 0}} {
		a, ok := byReq[tc.r.ID]
		if !ok {
			t.Errorf("no audit entry for request %d", tc.r.ID)
			continue
		}
		if a.Action != "recovery.requested" || a.ActorID != 0 || a.TargetUserID != tc.target || a.TenantID != tc.tenant || a.SourceAddr != "192.0.2.7" {
			t.Errorf("audit entry %+v", a)
		}
	}
	secrets := []string{ktk.Phrase, utk.Phrase, ktk.PollToken, utk.PollToken, "ada.lovelace", "Ada.Lovelace", unknown, "lake", "555-0100"}
	for _, a := range audits {
		for _, s := range secrets {
			if strings.Contains(string(a.Details), s) || strings.Contains(a.Action, s) {
				t.Errorf("audit entry %d holds %q", a.ID, s)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("log holds %q:\n%s", s, e.logs)
		}
	}
	if !strings.Contains(e.logs.String(), `route="POST /v1/recovery-requests"`) || !strings.Contains(e.logs.String(), "status=202") {
		t.Errorf("access log lacks the requests:\n%s", e.logs)
	}
}

func TestRecoveryRequestRateLimits(t *testing.T) {
	type hit struct{ email, remote string }
	tests := []struct {
		name  string
		limit int
		next  func(i int, email string) hit // the i-th request of a run
		other hit                           // a request the exhausted limit does not cover
	}{
		{
			name: "per account", limit: DefaultRecoveryPerAccount,
			next:  func(i int, email string) hit { return hit{email, fmt.Sprintf("198.51.100.%d:1000", i+1)} },
			other: hit{"someone-else@example.com", "198.51.100.200:1000"},
		},
		{
			name: "per account, spelling varies", limit: DefaultRecoveryPerAccount,
			next: func(i int, email string) hit {
				return hit{[]string{email, " " + strings.ToUpper(email), strings.ToLower(email) + "\t"}[i%3], fmt.Sprintf("198.51.100.%d:1000", i+1)}
			},
			other: hit{"someone-else@example.com", "198.51.100.200:1000"},
		},
		{
			name: "per address", limit: DefaultRecoveryPerAddress,
			next:  func(i int, email string) hit { return hit{fmt.Sprintf("user%d-%s", i, email), "203.0.113.9:4000"} },
			other: hit{"fresh@example.com", "203.0.113.10:4000"},
		},
		{
			name: "per IPv6 /64", limit: DefaultRecoveryPerAddress,
			next: func(i int, email string) hit {
				return hit{fmt.Sprintf("user%d-%s", i, email), fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)}
			},
			other: hit{"fresh@example.com", "[2001:db8:1:3::1]:4000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refusals []string
			for _, email := range []string{knownEmail, "ghost@example.net"} {
				e := newRecoveryEnv(t, nil)
				for i := range tt.limit {
					hh := tt.next(i, email)
					if w := e.post("application/json", recoveryBody(t, hh.email, ""), hh.remote); w.Code != http.StatusAccepted {
						t.Fatalf("%s: request %d: status %d: %s", email, i+1, w.Code, w.Body)
					}
				}
				stored := len(e.requests(t))
				hh := tt.next(tt.limit, email)
				w := e.post("application/json", recoveryBody(t, hh.email, "let me in"), hh.remote)
				if w.Code != http.StatusTooManyRequests {
					t.Fatalf("%s: request %d: status %d, want 429", email, tt.limit+1, w.Code)
				}
				if got := w.Header().Get("Retry-After"); got != "3600" {
					t.Errorf("%s: Retry-After %q, want 3600", email, got)
				}
				body := w.Body.String()
				var er api.ErrorResponse
				if err := json.Unmarshal([]byte(body), &er); err != nil || er.Error.Code != api.CodeRateLimited {
					t.Errorf("%s: 429 body %s", email, body)
				}
				if strings.Contains(strings.ToLower(body), strings.ToLower(email)) || strings.Contains(body, "let me in") {
					t.Errorf("%s: 429 body quotes the request: %s", email, body)
				}
				refusals = append(refusals, fmt.Sprint(w.Code, answerHeaders(w), body))
				if n := len(e.requests(t)); n != stored {
					t.Errorf("%s: a refused request was stored (%d → %d)", email, stored, n)
				}
				if n := len(e.audits(t)); n != stored {
					t.Errorf("%s: %d audit entries for %d accepted requests", email, n, stored)
				}
				// Other accounts and addresses are not affected.
				if w := e.post("application/json", recoveryBody(t, tt.other.email, ""), tt.other.remote); w.Code != http.StatusAccepted {
					t.Errorf("%s: an unrelated request was refused: %d", email, w.Code)
				}
				// The next window allows again.
				e.clock.Add(DefaultRecoveryWindow)
				hh = tt.next(tt.limit+1, email)
				if w := e.post("application/json", recoveryBody(t, hh.email, ""), hh.remote); w.Code != http.StatusAccepted {
					t.Errorf("%s: refused in the next window: %d %s", email, w.Code, w.Body)
				}
				if strings.Contains(e.logs.String(), strings.ToLower(email)) || strings.Contains(e.logs.String(), email) {
					t.Errorf("%s: the address reached the log", email)
				}
			}
			if refusals[0] != refusals[1] {
				t.Errorf("429 for a known and an unknown account differ:\n%s\n%s", refusals[0], refusals[1])
			}
		})
	}
}

func TestRecoveryRequestLimitOptions(t *testing.T) {
	e := newRecoveryEnv(t, func(o *Options) {
		o.RecoveryPerAccount = 1
		o.RecoveryWindow = 10 * time.Minute
	})
	if w := e.post("application/json", recoveryBody(t, knownEmail, ""), "192.0.2.1:1"); w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	w := e.post("application/json", recoveryBody(t, knownEmail, ""), "192.0.2.2:1")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "600" {
		t.Errorf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestRecoveryRequestBadInput(t *testing.T) {
	long := strings.Repeat("a", 243) + "@example.com" // 255 bytes
	tests := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"unknown member", "application/json", `{"email":"ada.lovelace@example.com","role":"owner"}`, 400, api.CodeUnknownField},
		{"malformed", "application/json", `{"email":"ada.lovelace@example.com",}`, 400, api.CodeBadRequest},
		{"truncated", "application/json", `{"email":"ada.lovelace@example.com"`, 400, api.CodeBadRequest},
		{"trailing data", "application/json", `{"email":"ada.lovelace@example.com"} {}`, 400, api.CodeBadRequest},
		{"array", "application/json", `["ada.lovelace@example.com"]`, 400, api.CodeBadRequest},
		{"email not a string", "application/json", `{"email":42}`, 400, api.CodeInvalid},
		{"not JSON", "text/plain", `{"email":"ada.lovelace@example.com"}`, 415, api.CodeUnsupportedMedia},
		{"oversized", "application/json", `{"email":"ada.lovelace@example.com","message":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`, 413, api.CodeTooLarge},
		{"no email", "application/json", `{"message":"help"}`, 400, api.CodeInvalid},
		{"blank email", "application/json", `{"email":" \t "}`, 400, api.CodeInvalid},
		{"email too long", "application/json", recoveryBody(t, long, ""), 400, api.CodeInvalid},
		{"email without @", "application/json", recoveryBody(t, "ada.lovelace.example.com", ""), 400, api.CodeInvalid},
		{"email with a space", "application/json", recoveryBody(t, "ada lovelace@example.com", ""), 400, api.CodeInvalid},
		{"email with a control character", "application/json", recoveryBody(t, "ada\x00@example.com", ""), 400, api.CodeInvalid},
		{"message too long", "application/json", recoveryBody(t, knownEmail, strings.Repeat("é", 1001)), 400, api.CodeInvalid},
		{"message with NUL", "application/json", recoveryBody(t, knownEmail, "help\x00me"), 400, api.CodeInvalid},
		{"message with escape", "application/json", recoveryBody(t, knownEmail, "help \x1b[31mme"), 400, api.CodeInvalid},
		{"message with lone CR", "application/json", recoveryBody(t, knownEmail, "help\rme"), 400, api.CodeInvalid},
		{"message with DEL", "application/json", recoveryBody(t, knownEmail, "help\x7fme"), 400, api.CodeInvalid},
		{"message with C1 control", "application/json", recoveryBody(t, knownEmail, "help\u0085me"), 400, api.CodeInvalid},
		{"message with bidi override", "application/json", recoveryBody(t, knownEmail, "approve \u202eno"), 400, api.CodeInvalid},
		{"message not a string", "application/json", `{"email":"ada.lovelace@example.com","message":["x"]}`, 400, api.CodeInvalid},
	}
	e := newRecoveryEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.post(tt.contentType, tt.body, "")
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			body := w.Body.String()
			eb := errorBody(t, w)
			if eb.Code != tt.code {
				t.Errorf("code %q, want %q (%s)", eb.Code, tt.code, eb.Message)
			}
			for _, s := range []string{"ada", "lovelace", "help", "approve", "owner"} {
				if strings.Contains(strings.ToLower(body), s) {
					t.Errorf("error body quotes the request (%q): %s", s, body)
				}
			}
		})
	}
	if n := len(e.requests(t)); n != 0 {
		t.Errorf("%d requests stored from bad input", n)
	}
	if n := len(e.audits(t)); n != 0 {
		t.Errorf("%d audit entries from bad input", n)
	}
	for _, s := range []string{"lovelace", "help", "approve"} {
		if strings.Contains(strings.ToLower(e.logs.String()), s) {
			t.Errorf("the log quotes a request body (%q):\n%s", s, e.logs)
		}
	}
	// Bad input spends no rate-limit allowance: the account's three
	// requests are all still there.
	for i := range DefaultRecoveryPerAccount {
		if w := e.post("application/json", recoveryBody(t, knownEmail, ""), fmt.Sprintf("192.0.2.%d:1", i+1)); w.Code != http.StatusAccepted {
			t.Fatalf("request %d after bad input: %d", i+1, w.Code)
		}
	}
}

func TestRecoveryRequestEdgesAccepted(t *testing.T) {
	email254 := strings.Repeat("a", 242) + "@example.com"
	tests := []struct{ name, email, message, wantMessage string }{
		{"254-byte email", email254, "", ""},
		{"1000 two-byte characters", knownEmail, strings.Repeat("é", 1000), strings.Repeat("é", 1000)},
		{"CRLF folded, surrounding space trimmed", knownEmail, "  line one\r\nline two\t \n", "line one\nline two"},
		{"no message", knownEmail, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRecoveryEnv(t, nil)
			w := e.post("application/json; charset=utf-8", recoveryBody(t, tt.email, tt.message), "")
			if w.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			reqs := e.requests(t)
			if len(reqs) != 1 || reqs[0].Message != tt.wantMessage || reqs[0].Email != tt.email {
				t.Errorf("stored %+v", reqs)
			}
		})
	}
}

// A broken store fails closed (the limiter cannot count) and says nothing
// about the account.
func TestRecoveryRequestStoreDown(t *testing.T) {
	e := newRecoveryEnv(t, nil)
	_ = e.st.Close()
	var bodies []string
	for _, email := range []string{knownEmail, "ghost@example.net"} {
		w := e.post("application/json", recoveryBody(t, email, "x"), "")
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", w.Code)
		}
		bodies = append(bodies, w.Body.String())
	}
	if bodies[0] != bodies[1] || strings.Contains(bodies[0], "ghost") {
		t.Errorf("answers %q %q", bodies[0], bodies[1])
	}
}

// The real answers of the endpoint validate against openapi.yaml,
// documented headers included.
func TestOpenAPIRecoveryResponsesValidate(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newRecoveryEnv(t, func(o *Options) { o.RecoveryPerAccount = 1 })
	const path = "/v1/recovery-requests"
	check := func(w *httptest.ResponseRecorder, want int) {
		t.Helper()
		if w.Code != want {
			t.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
		}
		schema, headers := doc.responseSchema(t, "POST", path, want)
		dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, p := range validate(t, doc, schema, v, "body") {
			t.Errorf("%d: %s", want, p)
		}
		var names []string
		for name, hv := range headers {
			names = append(names, name)
			got := w.Header().Get(name)
			if got == "" {
				t.Errorf("%d: documented header %s missing", want, name)
				continue
			}
			hs := doc.resolve(t, doc.resolve(t, hv)["schema"])
			for _, p := range validate(t, doc, hs, got, "header "+name) {
				t.Errorf("%d: %s", want, p)
			}
		}
		if want == http.StatusTooManyRequests && !slices.Contains(names, "Retry-After") {
			t.Error("429 does not document Retry-After")
		}
	}
	check(e.post("application/json", recoveryBody(t, knownEmail, "hi"), ""), 202)
	check(e.post("application/json", recoveryBody(t, "ghost@example.net", ""), ""), 202)
	check(e.post("application/json", recoveryBody(t, knownEmail, ""), ""), 429)
	check(e.post("application/json", `{"email":""}`, ""), 400)
	check(e.post("application/json", `{"mail":"x@y"}`, ""), 400)
	check(e.post("text/plain", `{}`, ""), 415)
	check(e.post("application/json", `{"email":"`+strings.Repeat("a", DefaultMaxBodyBytes)+`"}`, ""), 413)
	_ = e.st.Close()
	check(e.post("application/json", recoveryBody(t, knownEmail, ""), ""), 503)
}

// The wire types keep their secrets out of fmt and log/slog.
func TestRecoveryWireTypesRedact(t *testing.T) {
	tk := api.RecoveryTicket{Phrase: "river candle orbit mango", PollToken: "tok3n-tok3n", ExpiresAt: fixedNow}
	in := api.RecoveryRequestCreate{Email: "ada@example.com", Message: "secret note"}
	var buf bytes.Buffer
	for _, s := range []string{fmt.Sprint(tk), fmt.Sprintf("%v %+v", tk, in), fmt.Sprint(in)} {
		buf.WriteString(s)
	}
	if out := buf.String(); strings.Contains(out, "river") || strings.Contains(out, "tok3n") || strings.Contains(out, "ada@") || strings.Contains(out, "secret note") {
		t.Errorf("formatting leaks: %s", out)
	}
}

// A client that chose its poll token may resend after a lost answer: the
// same ticket comes back and no second request reaches the admins, not
// even from two resends racing each other; the same token for another
// address is refused; a malformed one is named.
func TestRecoveryRequestResendWithClientToken(t *testing.T) {
	h, logs := newTestHandler(t, func(o *Options) { o.RecoveryPerAccount = 2 })
	tn := seedTenant(t, h, "Acme", 0, store.TenantPolicy{Require2FA: true})
	seedUser(t, h, tn.ID, "ann@acme.example", store.RoleReadOnly, "correct horse battery staple")
	tok := api.NewPollToken()
	send := func(email, token string) *httptest.ResponseRecorder {
		return callAPI(t, h, http.MethodPost, api.PathRecoveryRequests, "",
			api.RecoveryRequestCreate{Email: email, Message: "new phone", PollToken: token})
	}
	var first api.RecoveryRequestCreated
	w := send("ann@acme.example", tok)
	if w.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", w.Code, w.Body)
	}
	decodeAnswer(t, w, &first)
	if first.Request.PollToken != tok {
		t.Fatal("the portal did not keep the client's token")
	}

	// Resends, sequential and concurrent: more than the account's limit of 2.
	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 5)
	for i := range answers {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = send("ANN@acme.example ", tok) }()
	}
	wg.Wait()
	for i, w := range answers {
		var again api.RecoveryRequestCreated
		if w.Code != http.StatusAccepted {
			t.Fatalf("resend %d: %d %s", i, w.Code, w.Body)
		}
		decodeAnswer(t, w, &again)
		if again.Request != first.Request {
			t.Errorf("resend %d: another ticket", i)
		}
	}
	ctx := context.Background()
	reqs, _ := h.opts.Store.ListRecoveryRequests(ctx, store.RequestFilter{})
	audits, _ := h.opts.Store.ListAudit(ctx, store.AuditFilter{Action: auditRecoveryRequested})
	if len(reqs) != 1 || len(audits) != 1 {
		t.Fatalf("%d requests, %d audit entries after resends, want 1 and 1", len(reqs), len(audits))
	}

	if w := send("bob@acme.example", tok); w.Code != http.StatusConflict || errorBody(t, w).Code != api.CodeConflict {
		t.Errorf("same token, another address: %d %s", w.Code, w.Body)
	}
	if w := send("ann@acme.example", tok[:20]); w.Code != http.StatusBadRequest || !strings.Contains(errorBody(t, w).Message, "poll_token") {
		t.Errorf("truncated token: %d %s", w.Code, w.Body)
	}
	// A new token is a new request (within the limits).
	if w := send("ann@acme.example", api.NewPollToken()); w.Code != http.StatusAccepted {
		t.Errorf("a second request: %d", w.Code)
	}
	if strings.Contains(logs.String(), tok) {
		t.Error("the poll token reached the log")
	}
}
