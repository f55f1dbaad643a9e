package cli

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
)

// linkedHarness is a vault with ann's account linked to the portal at
// portalURL.
func linkedHarness(t *testing.T, portalURL string) *harness {
	t.Helper()
	h := withVault(t)
	h.run("add", annEmailURI).assert(t, 0, "", "")
	h.run("portal", "link", "acme", portalURL).assert(t, 0, "", "")
	return h
}

// statusJSON is `recover status --offline --json`: the fake portal of
// these tests does not answer polls (see recover_portal_test.go for them).
func (h *harness) statusJSON(args ...string) []map[string]any {
	h.t.Helper()
	r := h.run(append([]string{"recover", "status", "--offline", "--json"}, args...)...)
	r.assert(h.t, 0, "", "")
	noPollToken(h.t, r)
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		h.t.Fatalf("%v: %s", err, r.stdout)
	}
	return out
}

func noPollToken(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, cliPollToken) {
		t.Errorf("output shows the poll token:\n%s%s", r.stdout, r.stderr)
	}
}

func TestRecoverRequestAndStatus(t *testing.T) {
	quickPortalClients(t, false)
	p := newTestPortal(t, nil)
	h := linkedHarness(t, p.srv.URL)
	h.run("recover", "status").assert(t, 0, "No recovery request.", "")
	h.run("recover", "status", "--json").assert(t, 0, "[]", "")

	// Self-signed and not trusted yet: refused, with what to do.
	r := h.run("recover", "request", "acme")
	r.assert(t, 1, "", "'latchkey portal trust "+p.srv.URL+"'")
	if p.hits.Load() != 0 || len(h.statusJSON()) != 0 {
		t.Fatal("an untrusted portal got the request, or it was stored")
	}
	h.run("portal", "trust", p.srv.URL, "--fingerprint", p.fingerprint()).assert(t, 0, "", "")

	r = h.run("recover", "request", "acme", "--message", "lost my phone")
	r.assert(t, 0, "Verification phrase: copper lantern meadow 1", "")
	noPollToken(t, r)
	for _, want := range []string{`Recovery request for "Acme: ann@acme.example" sent to ` + p.srv.URL + " as ann@acme.example.",
		"lapses at 2026-11-23 09:00 UTC", "latchkey recover status acme"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	st := h.statusJSON("acme")
	if len(st) != 1 || st[0]["state"] != "sent" || st[0]["phrase"] != "copper lantern meadow 1" || st[0]["expires_at"] != "2026-11-23T09:00:00Z" ||
		st[0]["requested_at"] != "2026-11-22T09:00:00Z" || st[0]["next_attempt_at"] != nil || st[0]["portal"] != p.srv.URL {
		t.Fatalf("status: %v", st)
	}
	var keys []string
	for k := range st[0] {
		keys = append(keys, k)
	}
	if want := "attempts,check_error,checked_at,email,expires_at,id,issuer,last_error,link_expires_at,name,next_attempt_at,phrase,portal,portal_status,requested_at,sent_at,state"; strings.Join(sorted(keys), ",") != want {
		t.Errorf("status --json keys %v, want %s", sorted(keys), want)
	}
	r = h.run("recover", "status", "--offline")
	r.assert(t, 0, `"Acme: ann@acme.example": sent`, "")
	noPollToken(t, r)

	h.run("recover", "request", "acme").assert(t, 1, "", "a recovery request is already pending (sent since")
	r = h.run("recover", "request", "acme", "--new", "--json")
	r.assert(t, 0, `"phrase": "copper lantern meadow 2"`, "")
	noPollToken(t, r)
	if p.hits.Load() != 2 {
		t.Errorf("the portal got %d requests", p.hits.Load())
	}

	// A refusal is reported and not stored.
	p.failWith(422)
	h.run("recover", "request", "acme", "--new").assert(t, 1, "", "portal answered 422 invalid: refused with 422")
	if st := h.statusJSON(); st[0]["phrase"] != "copper lantern meadow 2" {
		t.Errorf("a refused request replaced the stored one: %v", st)
	}
}

func TestRecoverQueuedOffline(t *testing.T) {
	quickPortalClients(t, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := linkedHarness(t, "https://"+addr)

	r := h.run("recover", "request", "acme", "--message", "new phone")
	r.assert(t, 0, "The request is queued in the vault", "")
	if !strings.Contains(r.stdout, "latchkey recover request --flush") || !strings.Contains(r.stdout, "cannot be reached now") {
		t.Errorf("queued output:\n%s", r.stdout)
	}
	st := h.statusJSON("acme")
	if len(st) != 1 || st[0]["state"] != "queued" || st[0]["phrase"] != "" || st[0]["attempts"] != 1.0 ||
		st[0]["next_attempt_at"] != "2026-11-22T09:00:30Z" || !strings.Contains(st[0]["last_error"].(string), "refused") {
		t.Fatalf("status: %v", st)
	}
	h.run("recover", "status", "acme").assert(t, 0, "queued", "") // nothing to ask a portal about
	h.run("recover", "request", "acme").assert(t, 1, "", "already pending (queued since")

	h.run("recover", "request", "--flush").assert(t, 1, "Still queued for", "1 of 1 queued recovery requests not sent")
	if st := h.statusJSON(); st[0]["attempts"] != 2.0 {
		t.Errorf("after a failed flush: %v", st)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	p := newTestPortal(t, ln)
	r = h.run("recover", "request", "--flush", "acme")
	r.assert(t, 0, "Verification phrase: copper lantern meadow 1", "")
	noPollToken(t, r)
	h.run("recover", "request", "--flush", "--json").assert(t, 0, "[]", "")
	h.run("recover", "request", "--flush").assert(t, 0, "No queued recovery request.", "")
	if p.hits.Load() != 1 {
		t.Errorf("the portal got %d requests, want 1", p.hits.Load())
	}
	if st := h.statusJSON(); st[0]["state"] != "sent" || st[0]["phrase"] != "copper lantern meadow 1" {
		t.Errorf("after flush: %v", st)
	}
}

func TestRecoverQueuedThenRefused(t *testing.T) {
	quickPortalClients(t, true)
	p := newTestPortal(t, nil)
	p.failWith(503, 503, 503, 400) // the client's three attempts, then the flush
	h := linkedHarness(t, p.srv.URL)
	h.run("recover", "request", "acme").assert(t, 0, "queued", "")
	h.run("recover", "request", "--flush").assert(t, 1, "The portal refused the request", "1 of 1 queued recovery requests not sent")
	h.run("recover", "status").assert(t, 0, "failed", "")
	h.run("recover", "request", "--flush").assert(t, 0, "No queued recovery request.", "")
	if p.hits.Load() != 4 { // three attempts, one flush, no more
		t.Errorf("the portal got %d requests, want 4", p.hits.Load())
	}
}

func TestRecoverUsage(t *testing.T) {
	h := withVault(t)
	h.run("add", annEmailURI).assert(t, 0, "", "")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"recover"}, 2, "needs an action"},
		{[]string{"recover", "later"}, 2, `unknown action "later"`},
		{[]string{"recover", "request"}, 2, "needs a QUERY"},
		{[]string{"recover", "request", "a", "b"}, 2, "one QUERY"},
		{[]string{"recover", "request", "--flush", "--message", "m"}, 2, "--message and --new are for a new request"},
		{[]string{"recover", "status", "--new"}, 2, "takes only --offline and --json"},
		{[]string{"recover", "complete"}, 2, "needs one QUERY"},
		{[]string{"recover", "complete", "acme", "--new"}, 2, "takes only --link and --json"},
		{[]string{"recover", "request", "acme", "--link", "x"}, 2, "--link is for complete"},
		{[]string{"recover", "request", "acme", "--offline"}, 2, "--offline is for status"},
		{[]string{"recover", "complete", "acme", "--link", "-"}, 2, "stdin held no link"},
		{[]string{"recover", "complete", "acme"}, 1, "is not linked to a portal"},
		{[]string{"recover", "request", "nobody"}, 1, `no account matches "nobody"`},
		{[]string{"recover", "request", "acme"}, 1, "is not linked to a portal: link it with 'latchkey portal link acme URL'"},
		{[]string{"recover", "request", "acme", "--message", "a\x1bb"}, 1, "control character"},
	} {
		h.run(tt.args...).assert(t, tt.code, "", tt.want)
	}
}
