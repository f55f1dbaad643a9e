package ui

import (
	"github.com/latchkey/latchkey/ui/admin"
	"github.com/latchkey/latchkey/vault"
)

// mayAdmin reports whether the account menu offers the admin console for
// a: linked, and not known to lack an admin's role.
func (w *Window) mayAdmin(a vault.Account) bool {
	return linked(a) && admin.Offered(w.app.Preferences(), a.ID)
}

// showAdminConsole opens the admin console (ui/admin) of account a, or
// brings its open console forward. The console is tracked as a portal
// view, so locking the vault closes it.
func (w *Window) showAdminConsole(a vault.Account) {
	if c, ok := w.portal.consoles[a.ID]; ok {
		c.Window().Show()
		c.Window().RequestFocus()
		return
	}
	comp := w.companion()
	if comp == nil || !linked(a) {
		return
	}
	c := admin.New(w.app, comp, w.cfg.scheduler(), admin.Account{
		ID: a.ID, Label: display(a), Portal: a.Portal.URL, Email: a.Portal.Email,
	})
	untrack := w.track(c, c.Close)
	c.SetOnClosed(func() {
		untrack()
		delete(w.portal.consoles, a.ID)
	})
	if w.portal.consoles == nil {
		w.portal.consoles = map[string]*admin.Console{}
	}
	w.portal.consoles[a.ID] = c
	c.Window().Show()
}
