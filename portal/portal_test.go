package portal

import (
	"bytes"
	"encoding/json"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
)

// syncBuffer is a log destination safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixedNow is the clock of most tests.
var fixedNow = time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.UTC)

func newTestHandler(t testing.TB, mod func(*Options)) (*Handler, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts := Options{
		Store:     portaltest.Store(t, nil),
		Keyring:   portaltest.Keyring(t),
		Now:       func() time.Time { return fixedNow },
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Passwords: portaltest.Passwords(t),
		Mailer:    &mail.Outbox{},
	}
	if mod != nil {
		mod(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h, logs
}

// withEndpoints serves eps through the real middleware, for testing it
// with handlers the portal does not have.
func withEndpoints(t *testing.T, eps ...endpoint) (http.Handler, *syncBuffer) {
	t.Helper()
	base, logs := newTestHandler(t, func(o *Options) { o.MaxBodyBytes = 1024 })
	h := &Handler{opts: base.opts, log: base.log, now: base.now}
	mux := http.NewServeMux()
	h.register(mux, eps)
	return h.middleware(mux), logs
}

func do(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func errorBody(t *testing.T, w *httptest.ResponseRecorder) api.ErrorBody {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var er api.ErrorResponse
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&er); err != nil {
		t.Fatalf("error body is not the error shape: %v", err)
	}
	if er.Error.Code == "" || er.Error.Message == "" {
		t.Fatalf("error body lacks code or message: %+v", er)
	}
	return er.Error
}

func TestNewRequiresStoreAndKeyring(t *testing.T) {
	if _, err := New(Options{Keyring: portaltest.Keyring(t)}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Options{Store: portaltest.Store(t, nil)}); err == nil {
		t.Error("New without a keyring succeeded")
	}
}

func TestTime(t *testing.T) {
	h, _ := newTestHandler(t, nil)
	w := do(h, "GET", "/v1/time", "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := `{"time":"2026-11-22T09:00:00.123456789Z","unix_ms":1795338000123}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if got := w.Header().Get("Date"); got != "Sun, 22 Nov 2026 09:00:00 GMT" {
		t.Errorf("Date = %q", got)
	}
	for k, v := range map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent without Options.HSTS")
	}
	var tr api.TimeResponse
	if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil || tr.Check() != nil || !tr.Time.Equal(fixedNow) {
		t.Errorf("decoded %+v, %v", tr, err)
	}

	// HEAD answers like GET without a body.
	w = do(h, "HEAD", "/v1/time", "", "")
	if w.Code != http.StatusOK || w.Header().Get("Date") == "" {
		t.Errorf("HEAD: %d %v", w.Code, w.Header())
	}
}

func TestHSTS(t *testing.T) {
	h, _ := newTestHandler(t, func(o *Options) { o.HSTS = true })
	w := do(h, "GET", "/v1/time", "", "")
	if got := w.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
}

func TestHealth(t *testing.T) {
	st := portaltest.Store(t, nil)
	h, logs := newTestHandler(t, func(o *Options) { o.Store = st })
	w := do(h, "GET", "/healthz", "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var hr api.HealthResponse
	if err := json.Unmarshal(w.Body.Bytes(), &hr); err != nil || hr.Status != "ok" || hr.SchemaVersion < 1 {
		t.Errorf("body %s: %+v %v", w.Body, hr, err)
	}
	if w.Header().Get("Date") == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", w.Header())
	}

	_ = st.Close() // the store is gone
	w = do(h, "GET", "/healthz", "", "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d after closing the store", w.Code)
	}
	if e := errorBody(t, w); e.Code != api.CodeUnavailable {
		t.Errorf("code %q", e.Code)
	}
	if !strings.Contains(logs.String(), "store unreachable") {
		t.Errorf("no log line for the failed health check:\n%s", logs)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	h, _ := newTestHandler(t, nil)
	for _, target := range []string{"/", "/v1", "/v1/time/", "/v1/times", "/nope?x=1"} {
		w := do(h, "GET", target, "", "")
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", target, w.Code)
			continue
		}
		if e := errorBody(t, w); e.Code != api.CodeNotFound {
			t.Errorf("GET %s: code %q", target, e.Code)
		}
		if w.Header().Get("Date") == "" || w.Header().Get("X-Request-Id") == "" {
			t.Errorf("GET %s: missing Date or X-Request-Id", target)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		w := do(h, m, "/v1/time", "", "")
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /v1/time: %d", m, w.Code)
			continue
		}
		if got := w.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s /v1/time: Allow %q", m, got)
		}
		if e := errorBody(t, w); e.Code != api.CodeMethodNotAllowed {
			t.Errorf("%s: code %q", m, e.Code)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	h, _ := newTestHandler(t, nil)
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for range 20 {
		req := httptest.NewRequest("GET", "/v1/time", nil)
		req.Header.Set("X-Request-Id", "client-chosen")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		id := w.Header().Get("X-Request-Id")
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("request id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

type echoBody struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	var b echoBody
	if !decodeJSON(w, r, &b) {
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func TestDecodeJSON(t *testing.T) {
	h, logs := withEndpoints(t, endpoint{method: "POST", path: "/echo", handler: echo})
	big := `{"name":"` + strings.Repeat("a", 2000) + `"}`
	tests := []struct {
		name, contentType, body string
		status                  int
		code, message           string
	}{
		{"ok", "application/json", `{"name":"a","count":2}`, 200, "", ""},
		{"ok with charset and spaces", "application/json; charset=utf-8", " \n{\"name\":\"a\"}\n ", 200, "", ""},
		{"unknown member", "application/json", `{"name":"a","admin":true}`, 400, api.CodeUnknownField, `unknown member "admin"`},
		{"malformed", "application/json", `{"name":"a",}`, 400, api.CodeBadRequest, "malformed JSON at byte"},
		{"truncated", "application/json", `{"name":"a"`, 400, api.CodeBadRequest, "ends early"},
		{"trailing object", "application/json", `{"name":"a"}{"name":"b"}`, 400, api.CodeBadRequest, "data after the JSON object"},
		{"trailing garbage", "application/json", `{"name":"a"} x`, 400, api.CodeBadRequest, "data after the JSON object"},
		{"empty", "application/json", ``, 400, api.CodeBadRequest, "empty"},
		{"null", "application/json", `null`, 400, api.CodeBadRequest, "must be a JSON object"},
		{"array", "application/json", `[1]`, 400, api.CodeBadRequest, "must be a JSON object"},
		{"wrong type", "application/json", `{"count":"2"}`, 400, api.CodeInvalid, `member "count" must be a number`},
		{"not JSON media type", "text/plain", `{"name":"a"}`, 415, api.CodeUnsupportedMedia, "application/json"},
		{"no media type", "", `{"name":"a"}`, 415, api.CodeUnsupportedMedia, "application/json"},
		{"oversized", "application/json", big, 413, api.CodeTooLarge, "larger than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "POST", "/echo", tt.contentType, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 {
				return
			}
			e := errorBody(t, w)
			if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error %+v, want code %q and message containing %q", e, tt.code, tt.message)
			}
		})
	}
	if strings.Contains(logs.String(), "admin") {
		t.Errorf("a request body member reached the log:\n%s", logs)
	}
}

// An oversized body without Content-Length (chunked) is cut off while
// decoding, also when the excess comes after a complete object.
func TestBodyLimitWithoutContentLength(t *testing.T) {
	h, _ := withEndpoints(t, endpoint{method: "POST", path: "/echo", handler: echo})
	for _, body := range []string{
		`{"name":"` + strings.Repeat("a", 4000) + `"}`,
		`{"name":"a"}` + strings.Repeat(" ", 4000),
	} {
		req := httptest.NewRequest("POST", "/echo", io.MultiReader(strings.NewReader(body)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413: %s", w.Code, w.Body)
		}
		if e := errorBody(t, w); e.Code != api.CodeTooLarge {
			t.Errorf("code %q", e.Code)
		}
	}
}

// A declared oversized body is refused before the handler runs.
func TestBodyLimitBeforeHandler(t *testing.T) {
	ran := false
	h, _ := withEndpoints(t, endpoint{method: "POST", path: "/x", handler: func(http.ResponseWriter, *http.Request) { ran = true }})
	w := do(h, "POST", "/x", "application/json", strings.Repeat("x", 1025))
	if w.Code != http.StatusRequestEntityTooLarge || ran {
		t.Errorf("status %d, handler ran: %v", w.Code, ran)
	}
}

func TestPanicRecovery(t *testing.T) {
	const secret = "password=hunter2hunter2"
	h, logs := withEndpoints(t,
		endpoint{method: "GET", path: "/panic", handler: func(http.ResponseWriter, *http.Request) { panic("boom " + secret) }},
		endpoint{method: "GET", path: "/abort", handler: func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }},
		endpoint{method: "GET", path: "/late", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("partial"))
			panic("late")
		}},
	)
	w := do(h, "GET", "/panic", "", "")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	e := errorBody(t, w)
	if e.Code != api.CodeInternal || strings.Contains(e.Message, "boom") || strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("500 leaks details: %s", w.Body)
	}
	id := w.Header().Get("X-Request-Id")
	if !strings.Contains(e.Message, id) {
		t.Errorf("message %q does not name the request id %s", e.Message, id)
	}
	out := logs.String()
	if !strings.Contains(out, "msg=panic") || !strings.Contains(out, "boom") || !strings.Contains(out, "id="+id) {
		t.Errorf("panic not logged with its request id:\n%s", out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the panic's secret reached the log:\n%s", out)
	}
	if !strings.Contains(out, "status=500") {
		t.Errorf("access log lacks the 500:\n%s", out)
	}

	for _, path := range []string{"/abort", "/late"} {
		func() {
			defer func() {
				if v := recover(); v != http.ErrAbortHandler {
					t.Errorf("%s: recovered %v, want http.ErrAbortHandler", path, v)
				}
			}()
			do(h, "GET", path, "", "")
		}()
	}
}

func TestAccessLogRedacts(t *testing.T) {
	h, logs := newTestHandler(t, nil)
	tok := auth.NewToken().Encode()
	do(h, "GET", "/v1/links/"+tok+"?token="+tok+"&code=123456", "", "")
	do(h, "GET", "/v1/time", "", "")
	out := logs.String()
	if strings.Contains(out, tok) || strings.Contains(out, "123456") {
		t.Errorf("a token reached the access log:\n%s", out)
	}
	if !strings.Contains(out, auth.Redacted) || !strings.Contains(out, "status=404") {
		t.Errorf("access log lacks the redacted request:\n%s", out)
	}
	if !strings.Contains(out, `route="GET /v1/time"`) || !strings.Contains(out, "status=200") {
		t.Errorf("access log lacks the route:\n%s", out)
	}
}
