package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/store"
)

// The account menu's "Admin console…" opens one console per account,
// brings it forward when asked again, and locking the vault closes it and
// ends its session. The console itself is tested in ui/admin.
func TestAdminConsoleOpensOnceAndEndsOnLock(t *testing.T) {
	e := newEnv(t, recoverEpoch)
	clk := newPortalClock(e)
	p := newTestPortal(t, clk.now, "", nil)
	acme := p.tenant("Acme MSP", 0)
	p.user(acme.ID, "ada@acme.example", "Ada Admin", store.RoleAdmin, adaSecret)
	a := linkedAccount("me", "ada@acme.example", adaSecret, p.URL)
	w := e.withAccounts(a).open()

	w.showAdminConsole(a)
	c := w.portal.consoles["me"]
	if c == nil {
		t.Fatal("no console opened")
	}
	for _, en := range findAll[*widget.Entry](t, c.Window().Content()) {
		if en.Password {
			test.Type(en, portalPassword)
		}
	}
	test.Tap(buttonIn(t, "Sign in", c.Window().Content()))
	if len(w.companion().Sessions()) != 1 {
		t.Fatalf("no session kept after signing in: %q", texts(t, c.Window().Content()))
	}
	w.showAdminConsole(a)
	if len(w.portal.consoles) != 1 || w.portal.consoles["me"] != c {
		t.Fatal("asking again opened a second console")
	}

	w.Lock()
	if len(w.portal.consoles) != 0 || len(w.portal.open) != 0 {
		t.Fatal("the console survived the lock")
	}
	for _, a := range e.vaultAccounts() {
		if a.Portal != nil && a.Portal.SessionToken != "" {
			t.Error("the portal session is still kept after the lock")
		}
	}
	w.showAdminConsole(a)
	if len(w.portal.consoles) != 0 {
		t.Error("a console opened while the vault is locked")
	}
}
