package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/clock/clocktest"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

const (
	annEmailURI = "otpauth://totp/Acme:ann@acme.example?secret=JBSWY3DPEHPK3PXP&issuer=Acme"
	// cliPollToken is what the fake portal hands out; no output may hold it.
	cliPollToken = "lkp_CLIPOLLTOKENSENTINEL012345"
)

// testPortal is a fake team portal over TLS with httptest's self-signed
// certificate: recovery requests (failing first with the queued statuses)
// and its clock.
type testPortal struct {
	srv      *httptest.Server
	hits     atomic.Int32
	mu       sync.Mutex
	fail     []int
	clockOff time.Duration
}

func newTestPortal(t *testing.T, listener net.Listener) *testPortal {
	t.Helper()
	p := &testPortal{}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	if listener != nil {
		p.srv.Listener.Close()
		p.srv.Listener = listener
	}
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testPortal) failWith(statuses ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = append(p.fail, statuses...)
}

func (p *testPortal) fingerprint() string {
	return lksync.CertFingerprint(p.srv.Certificate()).String()
}

func (p *testPortal) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	p.mu.Lock()
	off := p.clockOff
	var status int
	if r.URL.Path == api.PathRecoveryRequests && len(p.fail) > 0 {
		status, p.fail = p.fail[0], p.fail[1:]
	}
	p.mu.Unlock()
	switch {
	case r.URL.Path == api.PathTime:
		_ = json.NewEncoder(w).Encode(api.NewTimeResponse(time.Now().Add(off)))
	case r.URL.Path != api.PathRecoveryRequests || r.Method != http.MethodPost:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"not_found","message":"no such endpoint"}}`)
	case status != 0:
		p.hits.Add(1)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":"invalid","message":"refused with %d"}}`, status)
	default:
		n := p.hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(api.RecoveryRequestCreated{Request: api.RecoveryTicket{
			Phrase: fmt.Sprintf("copper lantern meadow %d", n), PollToken: cliPollToken,
			ExpiresAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		}})
	}
}

// quickPortalClients makes portal calls fail fast in tests; trust adds
// httptest's certificate as a CA, for portals that cannot be pinned
// (they are down when the test starts).
func quickPortalClients(t *testing.T, trust bool) {
	t.Helper()
	old := portalClientOptions
	t.Cleanup(func() { portalClientOptions = old })
	var tlsConfig *tls.Config
	if trust {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		srv.Close()
		tlsConfig = &tls.Config{RootCAs: pool}
	}
	portalClientOptions = func() lksync.Options {
		return lksync.Options{Timeout: 2 * time.Second, Backoff: time.Millisecond, TLSConfig: tlsConfig}
	}
}

func (h *harness) document() *vault.Document {
	h.t.Helper()
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		h.t.Fatal(err)
	}
	return v.Document()
}

func (h *harness) showJSON() []map[string]any {
	h.t.Helper()
	r := h.run("portal", "show", "--json")
	r.assert(h.t, 0, "", "")
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		h.t.Fatalf("%v: %s", err, r.stdout)
	}
	return out
}

func TestPortalLinkShowUnlink(t *testing.T) {
	quickPortalClients(t, false)
	h := withVault(t)
	h.run("add", annEmailURI).assert(t, 0, "", "")
	h.run("add", "otpauth://totp/Beta:bob?secret=KRSXG5CTMVRXEZLU&issuer=Beta").assert(t, 0, "", "")
	h.run("portal", "show").assert(t, 0, "No account is linked", "")
	h.run("portal", "show", "--json").assert(t, 0, "[]", "")

	h.run("portal", "link", "acme", "https://Portal.Acme.Example/").
		assert(t, 0, `Linked "Acme: ann@acme.example" to https://portal.acme.example as ann@acme.example.`, "")
	got := h.showJSON()
	want := map[string]any{"issuer": "Acme", "name": "ann@acme.example", "portal": "https://portal.acme.example",
		"email": "ann@acme.example", "tenant": "", "user_id": "", "linked_at": "2026-11-22T09:00:00Z",
		"linked_by": "manual", "certificate": "", "recovery": ""}
	if len(got) != 1 {
		t.Fatalf("show: %v", got)
	}
	delete(got[0], "id")
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("show --json:\n got %v\nwant %v", got[0], want)
	}
	h.run("portal", "show", "acme").assert(t, 0, "https://portal.acme.example", "")
	h.run("portal", "show", "beta").assert(t, 1, "", `"Beta: bob" is not linked to a portal`)

	// Linking elsewhere replaces the binding: confirmed first.
	h.run("portal", "link", "acme", "https://other.example").assert(t, 2, "", "is linked to https://portal.acme.example now; confirm with --yes")
	h.terminal = &fakeTerminal{answers: []string{"n"}}
	h.run("portal", "link", "acme", "https://other.example").assert(t, 1, "", "not confirmed")
	h.terminal = nil
	h.run("portal", "link", "acme", "https://other.example", "--yes").assert(t, 0, "to https://other.example", "")

	h.run("portal", "link", "beta", "https://p.example").assert(t, 2, "", `"Beta: bob" is not named by an e-mail address: give the address on the portal with --email`)
	h.run("portal", "link", "beta", "https://p.example", "--email", "bob@beta.example").assert(t, 0, "as bob@beta.example", "")

	before := h.document().Accounts
	for _, bad := range []struct{ url, want string }{
		{"javascript:alert(1)", `portal URL "javascript:alert(1)" has scheme "javascript"`},
		{"http://p.example", "plain http:// for p.example"},
		{"https://admin:hunter2@p.example", "credentials"},
		{"https://p.example/#frag", "fragment"},
	} {
		r := h.run("portal", "link", "acme", bad.url, "--yes")
		r.assert(t, 1, "", bad.want)
		if strings.Contains(r.stderr, "hunter2") {
			t.Errorf("error shows the password: %s", r.stderr)
		}
	}
	h.run("portal", "link", "beta", "https://p.example", "--email", "not an address").assert(t, 1, "", "is not an address")
	if after := h.document().Accounts; !reflect.DeepEqual(after, before) {
		t.Error("bad input changed the vault")
	}

	h.run("portal", "unlink", "acme").assert(t, 0, `Unlinked "Acme: ann@acme.example" from https://other.example.`, "")
	h.run("portal", "unlink", "acme").assert(t, 1, "", "not linked to a portal")
	if got := h.showJSON(); len(got) != 1 || got[0]["name"] != "bob" {
		t.Errorf("after unlink: %v", got)
	}
}

func TestPortalUsage(t *testing.T) {
	h := withVault(t)
	h.run("add", annEmailURI).assert(t, 0, "", "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"portal"}, "needs an action"},
		{[]string{"portal", "sideways"}, `unknown action "sideways"`},
		{[]string{"portal", "link", "acme"}, "needs a QUERY and the portal's URL"},
		{[]string{"portal", "unlink"}, "one QUERY"},
		{[]string{"portal", "show", "a", "b"}, "at most one QUERY"},
		{[]string{"portal", "trust"}, "the portal's URL"},
		{[]string{"portal", "show", "--email", "a@b"}, "--email is for link"},
		{[]string{"portal", "link", "acme", "https://p.example", "--json"}, "--json for show"},
		{[]string{"portal", "trust", "https://p.example", "--fingerprint", "SHA256:abc"}, "not a SHA-256 fingerprint"},
		{[]string{"portal", "show", "--frobnicate"}, "frobnicate"},
		{[]string{"portal", "trust", "https://p.example", "--yes"}, "--yes for link and unlink"},
	} {
		h.run(tt.args...).assert(t, 2, "", tt.want)
	}
}

// The enrolment QR's otpauth link carries the portal: adding it links the
// account; a hostile portal value adds nothing.
func TestAddWithPortalParameter(t *testing.T) {
	h := withVault(t)
	h.run("add", annEmailURI+"&portal="+url.QueryEscape("https://portal.acme.example")).assert(t, 0, "Added Acme: ann@acme.example.", "")
	got := h.showJSON()
	if len(got) != 1 || got[0]["portal"] != "https://portal.acme.example" || got[0]["email"] != "ann@acme.example" || got[0]["linked_by"] != "enrolment" {
		t.Fatalf("show: %v", got)
	}
	for _, hostile := range []string{"javascript:alert(1)", "file:///etc/passwd", "http://portal.acme.example", "https://u:p@x.example", strings.Repeat("a", 5000)} {
		r := h.run("add", "otpauth://totp/Other:zoe@x.example?secret=KRSXG5CTMVRXEZLU&portal="+url.QueryEscape(hostile))
		r.assert(t, 1, "", `parameter "portal"`)
	}
	if n := len(h.document().Accounts); n != 1 {
		t.Errorf("%d accounts after hostile links", n)
	}
	// The 2FA set up again: the new link's portal binds the unbound account.
	h.run("add", "otpauth://totp/Beta:bob@beta.example?secret=GEZDGNBVGY3TQOJQ&issuer=Beta").assert(t, 0, "", "")
	h.run("add", "--replace", "otpauth://totp/Beta:bob@beta.example?secret=MFRGGZDFMZTWQ2LK&issuer=Beta&portal=https%3A%2F%2Fp.beta.example").
		assert(t, 0, "Replaced Beta: bob@beta.example.", "")
	if got := h.showJSON(); len(got) != 2 || got[1]["portal"] != "https://p.beta.example" {
		t.Errorf("reconfigured account's binding: %v", got)
	}
}

func TestOpenLatchkeyLink(t *testing.T) {
	h := withVault(t)
	h.run("add", annEmailURI).assert(t, 0, "", "")
	link := "latchkey://link?portal=" + url.QueryEscape("https://portal.acme.example") + "&email=ann%40acme.example&issuer=Acme"
	before := h.document().Accounts

	r := h.run("open", link)
	r.assert(t, 2, `This link asks to link "Acme: ann@acme.example"`, "confirmed: run it again with --yes")
	h.terminal = &fakeTerminal{answers: []string{""}}
	h.run("open", link).assert(t, 1, "to the portal https://portal.acme.example", "not confirmed")
	if !reflect.DeepEqual(h.document().Accounts, before) {
		t.Fatal("an unconfirmed link changed the vault")
	}
	h.terminal = &fakeTerminal{answers: []string{"y"}}
	h.run("open", link).assert(t, 0, `Linked "Acme: ann@acme.example" to https://portal.acme.example as ann@acme.example.`, "")
	if got := h.showJSON(); len(got) != 1 || got[0]["linked_by"] != "link" {
		t.Fatalf("show: %v", got)
	}
	h.terminal = nil
	h.run("open", link).assert(t, 0, "already linked", "")
	h.run("open", "--yes", strings.Replace(link, "portal.acme", "new.acme", 1)).
		assert(t, 0, "It is linked to https://portal.acme.example now; that link would go.", "")

	// Clicked in a browser (no terminal, a desktop app to hand it to): the
	// app confirms; a hostile link is refused before it gets there.
	var handed []string
	h.openLink = func(_ context.Context, l string) error { handed = append(handed, l); return nil }
	other := strings.Replace(link, "portal.acme", "other.acme", 1)
	before = h.document().Accounts
	h.run("open", other).assert(t, 0, "", "")
	h.run("open", "latchkey://link?portal=javascript:alert(1)&email=ann@acme.example").assert(t, 1, "", `scheme "javascript"`)
	if len(handed) != 1 || handed[0] != other {
		t.Errorf("handed to the app: %q", handed)
	}
	if !reflect.DeepEqual(h.document().Accounts, before) {
		t.Error("a link handed to the app changed the vault by itself")
	}
	h.openLink = nil

	for _, bad := range []struct{ link, want string }{
		{"latchkey://link?portal=javascript:alert(1)&email=ann@acme.example", `scheme "javascript"`},
		{"latchkey://link?portal=https://p.example&email=ann@acme.example&token=x", `parameter "token"`},
		{"latchkey://delete?all=1", "only latchkey://link"},
		{"latchkey://link?portal=https://p.example&email=zoe@acme.example", `no account for "zoe@acme.example"`},
	} {
		h.run("open", "--yes", bad.link).assert(t, 1, "", bad.want)
	}
}

func TestPortalTrust(t *testing.T) {
	quickPortalClients(t, false)
	p := newTestPortal(t, nil)
	h := withVault(t)
	fp := p.fingerprint()

	r := h.run("portal", "trust", p.srv.URL)
	r.assert(t, 2, "Fingerprint: "+fp, "confirm with --fingerprint "+fp)
	for _, want := range []string{"Certificate of " + p.srv.URL, "Subject:", "Issuer:", "Valid:", "127.0.0.1", "Not trusted by this system"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	wrong := "SHA256:" + strings.Repeat("ab", 32)
	h.run("portal", "trust", p.srv.URL, "--fingerprint", wrong).assert(t, 1, "", "presents the certificate "+fp+", not the expected "+wrong)
	h.terminal = &fakeTerminal{answers: []string{"no"}}
	h.run("portal", "trust", p.srv.URL).assert(t, 1, "", "nothing was trusted")
	if got := h.document().Settings.PortalTrust; len(got) != 0 {
		t.Fatalf("trusted without confirmation: %v", got)
	}
	h.terminal = &fakeTerminal{answers: []string{"yes"}}
	h.run("portal", "trust", p.srv.URL).assert(t, 0, "Trusted "+fp+" for "+p.srv.URL, "")
	h.terminal = nil
	h.run("portal", "trust", p.srv.URL, "--fingerprint", strings.ToUpper(strings.TrimPrefix(fp, "SHA256:"))).assert(t, 0, "Trusted", "")
	trust := h.document().Settings.PortalTrust
	if len(trust) != 1 || trust[0].Origin != p.srv.URL || trust[0].SHA256 != fp || trust[0].Subject == "" {
		t.Fatalf("stored trust %+v", trust)
	}

	h.run("add", annEmailURI).assert(t, 0, "", "")
	h.run("portal", "link", "acme", p.srv.URL+"/").assert(t, 0, "Linked", "")
	if got := h.showJSON(); got[0]["certificate"] != fp {
		t.Errorf("show: %v", got)
	}
	h.run("portal", "show").assert(t, 0, "trusted "+fp[:len("SHA256:")+16]+"…", "")
	h.run("portal", "untrust", p.srv.URL).assert(t, 0, "Forgot the trusted certificate "+fp, "")
	h.run("portal", "untrust", p.srv.URL).assert(t, 1, "", "no certificate is trusted for")
	h.run("portal", "trust", "http://127.0.0.1:1").assert(t, 1, "", "plain http://, which has no certificate")
	h.run("portal", "trust", "https://127.0.0.1:1").assert(t, 1, "", "reading the certificate of https://127.0.0.1:1")
}

// `clock --account` asks the account's portal first; the contract of
// `clock --json` is unchanged.
func TestClockAccount(t *testing.T) {
	quickPortalClients(t, false)
	ntp := clocktest.NewNTPServer(t, -47*time.Second)
	fakeClockSources(t, []string{ntp.Addr}, nil)
	p := newTestPortal(t, nil)
	p.mu.Lock()
	p.clockOff = 3 * time.Minute
	p.mu.Unlock()
	h := withVault(t)
	h.run("add", annEmailURI+"&period=60").assert(t, 0, "", "")
	h.run("add", "otpauth://totp/Beta:bob?secret=KRSXG5CTMVRXEZLU&issuer=Beta").assert(t, 0, "", "")
	h.run("portal", "link", "acme", p.srv.URL).assert(t, 0, "", "")

	clockJSON := func(args ...string) map[string]any {
		t.Helper()
		r := h.run(append([]string{"clock", "--json"}, args...)...)
		r.assert(t, 0, "", "")
		var out map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		return out
	}
	// Not trusted yet: the portal fails, NTP answers.
	out := clockJSON("--account", "acme")
	failed, _ := out["failed"].([]any)
	if out["source_kind"] != string(clock.KindNTP) || len(failed) != 1 || !strings.Contains(fmt.Sprint(failed[0]), "portal "+p.srv.URL) {
		t.Fatalf("untrusted portal: %v", out)
	}
	h.run("portal", "trust", p.srv.URL, "--fingerprint", p.fingerprint()).assert(t, 0, "", "")
	out = clockJSON("--account", "acme")
	off, _ := out["offset_seconds"].(float64)
	if out["source_kind"] != string(clock.KindPortal) || out["source"] != "portal "+p.srv.URL || off < 175 || off > 185 || out["period_seconds"] != 60.0 {
		t.Fatalf("portal clock: %v", out)
	}
	// An account without a portal: the usual sources, its period.
	out = clockJSON("--account", "beta")
	if out["source_kind"] != string(clock.KindNTP) || out["period_seconds"] != 30.0 {
		t.Fatalf("unlinked account: %v", out)
	}
	// Without --account: as before.
	if out = clockJSON(); out["source_kind"] != string(clock.KindNTP) {
		t.Fatalf("plain clock: %v", out)
	}
	h.run("clock", "--account", "nobody").assert(t, 1, "", `no account matches "nobody"`)
	r := h.run("clock", "--account", "acme")
	r.assert(t, 0, "portal "+p.srv.URL, "")
}
