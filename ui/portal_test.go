package ui

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/admin"
	"github.com/latchkey/latchkey/vault"
)

// selfSignedPortal is a TLS server with httptest's certificate, which no
// CA of the system vouches for; the link dialog only reads it.
func selfSignedPortal(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok","schema_version":1}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(srv.Certificate().Raw)
	return srv, fmt.Sprintf("SHA256:%x", sum[:])
}

// entryWithPlaceholder finds an entry of the open dialogs by its hint.
func entryWithPlaceholder(t *testing.T, w *Window, hint string) *widget.Entry {
	t.Helper()
	for _, o := range overlays(w) {
		for _, e := range findAll[*widget.Entry](t, o) {
			if strings.HasPrefix(e.PlaceHolder, hint) {
				return e
			}
		}
	}
	t.Fatalf("no entry %q; the dialogs show %q", hint, texts(t, overlays(w)...))
	return nil
}

func TestPortalLinkTrustsSelfSignedOnce(t *testing.T) {
	srv, fp := selfSignedPortal(t)
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret), acct("bob", "Acme", "bob", bobSecret))
	w := e.open()
	w.list.showLinkPortal(w.list.shown[0])
	if got := entryWithPlaceholder(t, w, "you@").Text; got != "ann@acme.example" {
		t.Errorf("the e-mail is not taken from the account's name: %q", got)
	}
	test.Type(entryWithPlaceholder(t, w, "https://"), srv.URL)
	test.Tap(button(t, w, "Link"))
	if !hasText(t, w, "no authority on this computer vouches for") || !hasText(t, w, groupFingerprint(mustFingerprint(t, fp))) {
		t.Fatalf("the certificate is not shown for a decision: %q", texts(t, overlays(w)...))
	}
	if got := e.vaultAccounts()[0]; got.Portal != nil {
		t.Fatal("linked before the certificate was trusted")
	}
	// A fingerprint the admin gave that differs stops it.
	test.Type(entryWithPlaceholder(t, w, "SHA256:"), "SHA256:"+strings.Repeat("ab", 32))
	test.Tap(button(t, w, "Trust this certificate"))
	if !hasText(t, w, "The fingerprints differ") || e.vaultAccounts()[0].Portal != nil {
		t.Fatal("a different fingerprint was not refused")
	}
	entryWithPlaceholder(t, w, "SHA256:").SetText(strings.ToUpper(fp))
	test.Tap(button(t, w, "Trust this certificate"))
	got := e.vaultAccounts()[0]
	if got.Portal == nil || got.Portal.URL != srv.URL || got.Portal.Email != "ann@acme.example" || got.Portal.LinkedBy != vault.LinkedByHand {
		t.Fatalf("not linked after trusting: %+v", got.Portal)
	}
	s := e.vaultSettings()
	if len(s.PortalTrust) != 1 || s.PortalTrust[0].SHA256 != fp {
		t.Fatalf("the trust decision is not remembered: %+v", s.PortalTrust)
	}
	if len(overlays(w)) != 0 {
		t.Error("the dialogs stay open after linking")
	}

	// The decision is remembered: the next account links without asking.
	w.list.showLinkPortal(w.list.shown[1])
	test.Type(entryWithPlaceholder(t, w, "https://"), srv.URL)
	test.Type(entryWithPlaceholder(t, w, "you@"), "bob@acme.example")
	test.Tap(button(t, w, "Link"))
	if hasText(t, w, "Trust this portal") {
		t.Fatal("asked again for a certificate already trusted")
	}
	if p := e.vaultAccounts()[1].Portal; p == nil || p.Email != "bob@acme.example" {
		t.Fatalf("the second account was not linked: %+v", p)
	}
}

func TestPortalLinkCertificateNotTrusted(t *testing.T) {
	srv, _ := selfSignedPortal(t)
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret))
	w := e.open()
	w.list.showLinkPortal(w.list.shown[0])
	test.Type(entryWithPlaceholder(t, w, "https://"), srv.URL)
	test.Tap(button(t, w, "Link"))
	test.Tap(button(t, w, "Don't trust"))
	if e.vaultAccounts()[0].Portal != nil || len(e.vaultSettings().PortalTrust) != 0 {
		t.Fatal("linked or trusted although the user said no")
	}
	if !hasText(t, w, "Nothing was linked: the portal's certificate was not trusted.") {
		t.Fatalf("the link dialog does not say why: %q", texts(t, overlays(w)...))
	}
}

func TestPortalLinkBadInput(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann", annSecret))
	w := e.open()
	for _, c := range []struct{ url, email, want string }{
		{"ftp://portal.example", "ann@acme.example", "https"},
		{"http://portal.example", "ann@acme.example", "only a portal on this computer"},
		{"https://portal.example", "", "The e-mail address is missing."},
		{"https://portal.example", "ann at acme", "is not an address"},
	} {
		w.list.showLinkPortal(w.list.shown[0])
		entryWithPlaceholder(t, w, "https://").SetText(c.url)
		entryWithPlaceholder(t, w, "you@").SetText(c.email)
		test.Tap(button(t, w, "Link"))
		if !hasText(t, w, c.want) || e.vaultAccounts()[0].Portal != nil {
			t.Errorf("%s %q: want %q, the dialog shows %q", c.url, c.email, c.want, texts(t, overlays(w)...))
		}
		test.Tap(button(t, w, "Cancel"))
	}
}

func TestPortalLatchkeyLinkAsksFirst(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret))
	w := e.open()
	w.OpenLink("latchkey://link?portal=http://127.0.0.1:8443&email=ann@acme.example&issuer=Acme")
	if e.vaultAccounts()[0].Portal != nil {
		t.Fatal("a latchkey link bound an account without asking")
	}
	if !hasText(t, w, "A web page asks Latchkey to link") || !hasText(t, w, "Acme: ann@acme.example") || !hasText(t, w, "http://127.0.0.1:8443") {
		t.Fatalf("the confirmation does not say what it would do: %q", texts(t, overlays(w)...))
	}
	test.Tap(button(t, w, "Link"))
	p := e.vaultAccounts()[0].Portal
	if p == nil || p.URL != "http://127.0.0.1:8443" || p.LinkedBy != vault.LinkedByLink {
		t.Fatalf("after confirming: %+v", p)
	}
	// The same link again changes nothing, and says so.
	w.OpenLink("latchkey://link?portal=http://127.0.0.1:8443&email=ann@acme.example")
	if !hasText(t, w, "is already linked") {
		t.Error("a repeated link is not reported as done")
	}
}

func TestPortalLatchkeyLinkRefusals(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret))
	w := e.open()
	for link, want := range map[string]string{
		"latchkey://link?portal=http://127.0.0.1:1&email=ann@acme.example&extra=1": "not one latchkey://link takes",
		"latchkey://link?portal=http://evil.example&email=ann@acme.example":        "Not a valid portal link",
		"latchkey://link?portal=http://127.0.0.1:1&email=zed@acme.example":         "no account for",
	} {
		w.OpenLink(link)
		if !showsText(t, want, overlays(w)...) && !strings.Contains(strings.ToLower(strings.Join(texts(t, overlays(w)...), " ")), strings.ToLower(want)) {
			t.Errorf("%s: want %q, shown %q", link, want, texts(t, overlays(w)...))
		}
		for _, o := range overlays(w) {
			w.win.Canvas().Overlays().Remove(o)
		}
		if e.vaultAccounts()[0].Portal != nil {
			t.Fatalf("%s bound the account", link)
		}
	}
}

func TestPortalLatchkeyLinkWaitsForUnlock(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret))
	e.cfg.Keyring = vault.NoKeyring{}
	w := e.open()
	w.OpenLink("latchkey://link?portal=http://127.0.0.1:8443&email=ann@acme.example")
	if len(overlays(w)) != 0 {
		t.Fatal("the link was handled before unlocking")
	}
	test.Type(passwordEntries(t, w)[0], testPass)
	test.Tap(button(t, w, "Unlock"))
	if !hasText(t, w, "A web page asks Latchkey to link") {
		t.Fatal("the pending latchkey link was not shown after unlocking")
	}
}

func TestPortalAccountMenu(t *testing.T) {
	plain := acct("plain", "Acme", "ann@acme.example", annSecret)
	bound := linkedAccount("bound", "bob@acme.example", bobSecret, "http://127.0.0.1:1")
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(plain, bound)
	w := e.open()
	labels := func(a vault.Account) string {
		var out []string
		for _, it := range w.list.accountMenu(a).Items {
			out = append(out, it.Label)
		}
		return strings.Join(out, "|")
	}
	for _, c := range []struct {
		a          vault.Account
		role       string
		want, none []string
	}{
		{plain, "", []string{"Link to portal…"}, []string{"Ask admin for recovery link…", "Admin console…"}},
		{bound, "", []string{"Link to portal…", "Ask admin for recovery link…", "Admin console…"}, nil},
		{bound, "admin", []string{"Admin console…"}, nil},
		{bound, "technician", []string{"Ask admin for recovery link…"}, []string{"Admin console…"}},
	} {
		w.app.Preferences().SetString(admin.RolePreference(c.a.ID), c.role)
		got := labels(c.a)
		for _, want := range c.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s (role %q): the menu lacks %q: %s", c.a.ID, c.role, want, got)
			}
		}
		for _, none := range c.none {
			if strings.Contains(got, none) {
				t.Errorf("%s (role %q): the menu offers %q: %s", c.a.ID, c.role, none, got)
			}
		}
	}
}

func mustFingerprint(t *testing.T, s string) lksync.Fingerprint {
	t.Helper()
	fp, err := lksync.ParseFingerprint(s)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func (e *env) vaultSettings() vault.Settings {
	e.t.Helper()
	v, err := vault.Open(e.cfg.Home, vault.Options{Keyring: e.kr})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Settings()
}

// A portal that cannot be reached is linked all the same (requests then
// queue), and the user is told its certificate is checked later.
func TestPortalLinkOffline(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("ann", "Acme", "ann@acme.example", annSecret))
	w := e.open()
	w.portal.client = lksync.Options{Timeout: 2 * time.Second, MaxAttempts: 1}
	w.list.showLinkPortal(w.list.shown[0])
	test.Type(entryWithPlaceholder(t, w, "https://"), "https://"+freeAddr(t))
	test.Tap(button(t, w, "Link"))
	if p := e.vaultAccounts()[0].Portal; p == nil || !hasText(t, w, "certificate is not checked yet") {
		t.Fatalf("offline: linked %v, shown %q", p != nil, texts(t, overlays(w)...))
	}
}
