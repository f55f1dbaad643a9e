package companion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

func bound(portalURL string) vault.Account {
	return account("a1", "Acme RMM", "ann@acme.example", &vault.Portal{URL: portalURL, Email: "ann@acme.example"})
}

// The offline queue end to end: portal down → queued and persisted; the
// app restarts; portal up → flushed once, phrase stored; flushing again
// sends nothing.
func TestRecoveryQueuedWhilePortalDown(t *testing.T) {
	ctx := context.Background()
	addr := downAddress(t)
	v, vopts := testVault(t, bound("https://"+addr))
	c := New(v, quickOptions(t, true))

	out, err := c.RequestRecovery(ctx, "a1", RequestOptions{Message: "lost my phone\r\nplease call"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Queued == nil || !Offline(out.Queued) || out.Request.State != vault.RecoveryQueued {
		t.Fatalf("outcome %+v", out)
	}
	w := reopen(t, v, vopts) // a restart
	got, _ := w.Document().Account("a1")
	r := got.Portal.Recovery
	if r == nil || r.State != vault.RecoveryQueued || r.Message != "lost my phone\nplease call" || r.Attempts != 1 ||
		!r.RequestedAt.Equal(testEpoch) || !r.NextAttemptAt.Equal(testEpoch.Add(time.Minute)) || !strings.Contains(r.LastError, "refused") {
		t.Fatalf("stored request %+v", r)
	}

	c = New(w, quickOptions(t, true))
	// Not due yet: a plain flush leaves it alone.
	if res, err := c.Flush(ctx, FlushOptions{}); err != nil || len(res) != 0 {
		t.Fatalf("early flush: %+v, %v", res, err)
	}
	if next, ok := c.NextAttempt(); !ok || !next.Equal(testEpoch.Add(time.Minute)) {
		t.Errorf("next attempt %v %v", next, ok)
	}
	// Still down, forced: rescheduled with a longer wait.
	res, err := c.Flush(ctx, FlushOptions{Force: true})
	if err != nil || len(res) != 1 || res[0].Err == nil || res[0].Request.Attempts != 2 ||
		!res[0].Request.NextAttemptAt.Equal(testEpoch.Add(2*time.Minute)) {
		t.Fatalf("flush while down: %+v, %v", res, err)
	}

	f := startFakePortalAt(t, addr)
	c.opts.Now = func() time.Time { return testEpoch.Add(3 * time.Minute) } // now due
	res, err = c.Flush(ctx, FlushOptions{})
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Request.State != vault.RecoverySent {
		t.Fatalf("flush: %+v, %v", res, err)
	}
	if f.hits.Load() != 1 || f.bodies[0].Email != "ann@acme.example" || f.bodies[0].Message != "lost my phone\nplease call" {
		t.Fatalf("portal got %d requests: %+v", f.hits.Load(), f.bodies)
	}
	got, _ = reopen(t, w, vopts).Document().Account("a1")
	r = got.Portal.Recovery
	if r.State != vault.RecoverySent || r.Phrase != "amber falcon river 1" || r.PollToken != pollToken ||
		!r.SentAt.Equal(testEpoch.Add(3*time.Minute)) || !r.ExpiresAt.Equal(testEpoch.Add(24*time.Hour)) || r.LastError != "" {
		t.Fatalf("stored after flush: %v", r)
	}
	if res, err := c.Flush(ctx, FlushOptions{Force: true}); err != nil || len(res) != 0 || f.hits.Load() != 1 {
		t.Fatalf("second flush sent again: %+v, %v, %d requests", res, err, f.hits.Load())
	}
	for _, o := range res {
		noSecret(t, "flush result", fmt.Sprintf("%v %+v", o.Request, o.Err))
	}
}

func TestRequestRecoveryAnswers(t *testing.T) {
	tests := []struct {
		name    string
		fail    []int
		state   vault.RecoveryState // "" when nothing may be stored
		err     string
		queued  bool
		portal  int32 // requests the portal saw
		message string
	}{
		{"sent", nil, vault.RecoverySent, "", false, 1, "hi"},
		// The request names itself (its poll token), so the client retries a
		// 503 within the call, then queues it.
		{"503 after retries queues", []int{503, 503, 503}, vault.RecoveryQueued, "", true, 3, ""},
		{"503 then sent", []int{503}, vault.RecoverySent, "", false, 2, ""},
		{"500 queues", []int{500}, vault.RecoveryQueued, "", true, 1, ""},
		{"429 after retries queues", []int{429, 429, 429}, vault.RecoveryQueued, "", true, 3, ""},
		{"400 is reported, not retried", []int{400}, "", "portal answered 400 c400: refused 400", false, 1, ""},
		{"404 is reported", []int{404}, "", "portal answered 404", false, 1, ""},
		{"bad message: nothing sent", nil, "", "control character at character 2", false, 0, "a\x1bb"},
		{"long message: nothing sent", nil, "", "the limit is 1000", false, 0, strings.Repeat("x", 1001)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePortal(t)
			f.failWith(tt.fail...)
			v, _ := testVault(t, bound(f.srv.URL))
			c := New(v, quickOptions(t, true))
			before := v.Document()
			out, err := c.RequestRecovery(context.Background(), "a1", RequestOptions{Message: tt.message})
			if f.hits.Load() != tt.portal {
				t.Errorf("the portal saw %d requests, want %d", f.hits.Load(), tt.portal)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				if got := v.Document(); !reflect.DeepEqual(got.Accounts, before.Accounts) {
					t.Error("a refused request changed the vault")
				}
				return
			}
			if err != nil || (out.Queued != nil) != tt.queued || out.Request.State != tt.state {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			got, _ := v.Document().Account("a1")
			if got.Portal.Recovery == nil || got.Portal.Recovery.State != tt.state {
				t.Fatalf("stored %+v", got.Portal.Recovery)
			}
			noSecret(t, "outcome", fmt.Sprintf("%v %v", out.Request, out.Queued))
		})
	}
}

// A queued request the portal then refuses is marked failed and never
// sent again.
func TestFlushRefusedIsNotRetried(t *testing.T) {
	f := newFakePortal(t)
	f.failWith(503, 503, 503, 422) // the client's three attempts, then the flush
	v, _ := testVault(t, bound(f.srv.URL))
	c := New(v, quickOptions(t, true))
	ctx := context.Background()
	if out, err := c.RequestRecovery(ctx, "a1", RequestOptions{}); err != nil || out.Queued == nil {
		t.Fatalf("%+v %v", out, err)
	}
	res, err := c.Flush(ctx, FlushOptions{Force: true})
	var apiErr *api.APIError
	if err != nil || len(res) != 1 || !errors.As(res[0].Err, &apiErr) || apiErr.Status != 422 || res[0].Request.State != vault.RecoveryFailed {
		t.Fatalf("flush: %+v, %v", res, err)
	}
	if res, err := c.Flush(ctx, FlushOptions{Force: true}); err != nil || len(res) != 0 || f.hits.Load() != 4 {
		t.Fatalf("a failed request was sent again: %+v %v, %d requests", res, err, f.hits.Load())
	}
	p := c.Outstanding()
	if len(p) != 1 || p[0].State != vault.RecoveryFailed || !strings.Contains(p[0].Request.LastError, "422") {
		t.Fatalf("outstanding %+v", p)
	}
	// A failed request does not block a new one.
	if out, err := c.RequestRecovery(ctx, "a1", RequestOptions{}); err != nil || out.Request.State != vault.RecoverySent {
		t.Fatalf("new request after a failed one: %+v, %v", out, err)
	}
}

func TestRequestRecoveryPreconditions(t *testing.T) {
	f := newFakePortal(t)
	pending := &vault.RecoveryRequest{State: vault.RecoverySent, Phrase: "old phrase", PollToken: pollToken,
		RequestedAt: testEpoch.Add(-time.Hour), ExpiresAt: testEpoch.Add(time.Hour)}
	expired := &vault.RecoveryRequest{State: vault.RecoverySent, Phrase: "old phrase", PollToken: pollToken,
		RequestedAt: testEpoch.Add(-48 * time.Hour), ExpiresAt: testEpoch.Add(-time.Hour)}
	v, _ := testVault(t,
		account("none", "A", "a@x.example", nil),
		account("noemail", "B", "b", &vault.Portal{URL: f.srv.URL}),
		account("pending", "C", "c@x.example", &vault.Portal{URL: f.srv.URL, Email: "c@x.example", Recovery: pending}),
		account("expired", "D", "d@x.example", &vault.Portal{URL: f.srv.URL, Email: "d@x.example", Recovery: expired}),
	)
	c := New(v, quickOptions(t, true))
	ctx := context.Background()
	tests := []struct {
		id      string
		replace bool
		want    error
	}{
		{"none", false, ErrNotLinked},
		{"noemail", false, ErrNoEmail},
		{"missing", false, ErrNoAccount},
		{"pending", false, ErrOutstanding},
		{"pending", true, nil},
		{"expired", false, nil},
	}
	for _, tt := range tests {
		_, err := c.RequestRecovery(ctx, tt.id, RequestOptions{Replace: tt.replace})
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s (replace %v): %v, want %v", tt.id, tt.replace, err, tt.want)
		}
		if err != nil {
			noSecret(t, "error", err.Error())
		}
	}
	if f.hits.Load() != 2 {
		t.Errorf("the portal saw %d requests, want 2", f.hits.Load())
	}
	got, _ := v.Document().Account("pending")
	if got.Portal.Recovery.Phrase == "old phrase" {
		t.Error("replace kept the old request")
	}
}

// RunQueue sends a queued request once woken, and stops with its context.
func TestRunQueue(t *testing.T) {
	addr := downAddress(t)
	v, _ := testVault(t, bound("https://"+addr))
	c := New(v, quickOptions(t, true))
	if out, err := c.RequestRecovery(context.Background(), "a1", RequestOptions{}); err != nil || out.Queued == nil {
		t.Fatalf("%+v %v", out, err)
	}
	f := startFakePortalAt(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- c.RunQueue(ctx, wake) }()
	wake <- struct{}{} // the first round found it not yet due; the wake sends it
	// Wait for the saved outcome, not for the portal's hit: cancelling
	// between the two would abandon the answer (and rightly keep it queued).
	sent := func() bool {
		a, _ := v.Document().Account("a1")
		return a.Portal.Recovery.State == vault.RecoverySent
	}
	deadline := time.Now().Add(10 * time.Second)
	for !sent() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunQueue returned %v", err)
	}
	got, _ := v.Document().Account("a1")
	if f.hits.Load() != 1 || got.Portal.Recovery.State != vault.RecoverySent {
		t.Fatalf("%d requests, state %s", f.hits.Load(), got.Portal.Recovery.State)
	}
}

func TestOffline(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://p.example/v1/recovery-requests", Err: err}
	}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"refused", wrap(dial), true},
		{"reset", wrap(&net.OpError{Op: "read", Err: syscall.ECONNRESET}), true},
		{"no such host", wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "p.example", IsNotFound: true}}), true},
		{"attempt timeout", wrap(context.DeadlineExceeded), true},
		{"eof", wrap(io.EOF), true},
		{"caller gave up", wrap(context.Canceled), false},
		{"429", &api.APIError{Status: 429}, true},
		{"502", &api.APIError{Status: 502}, true},
		{"400", &api.APIError{Status: 400}, false},
		{"403", &api.APIError{Status: 403}, false},
		{"pin mismatch", wrap(&lksync.PinMismatchError{}), false},
		{"not JSON", errors.New("https://p.example/v1/recovery-requests: answer is \"text/html\", not JSON"), false},
	} {
		if got := Offline(tt.err); got != tt.want {
			t.Errorf("%s: Offline(%v) = %v", tt.name, tt.err, got)
		}
	}
}

func TestCheckMessage(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"  hello \r\n you ": "hello \n you",
		"tab\tok":           "tab\tok",
		"ünïcödé":           "ünïcödé",
	} {
		if got, err := CheckMessage(in); err != nil || got != want {
			t.Errorf("CheckMessage(%q) = %q, %v", in, got, err)
		}
	}
	for in, problem := range map[string]string{
		"a\x00b":                  "control character at character 2",
		"a\u202eb":                "control character at character 2",
		"\xff":                    "not valid UTF-8",
		strings.Repeat("é", 1001): "1001 characters long",
	} {
		if _, err := CheckMessage(in); err == nil || !strings.Contains(err.Error(), problem) {
			t.Errorf("CheckMessage(%q): %v, want %q", in, err, problem)
		}
	}
}

func TestState(t *testing.T) {
	sent := vault.RecoveryRequest{State: vault.RecoverySent, ExpiresAt: testEpoch}
	for _, tt := range []struct {
		r    vault.RecoveryRequest
		now  time.Time
		want vault.RecoveryState
	}{
		{sent, testEpoch.Add(-time.Second), vault.RecoverySent},
		{sent, testEpoch, StateExpired},
		{vault.RecoveryRequest{State: vault.RecoveryQueued}, testEpoch, vault.RecoveryQueued},
		{vault.RecoveryRequest{State: vault.RecoveryFailed}, testEpoch, vault.RecoveryFailed},
	} {
		if got := State(tt.r, tt.now); got != tt.want {
			t.Errorf("State(%v at %v) = %s, want %s", tt.r, tt.now, got, tt.want)
		}
	}
}
