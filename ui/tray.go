package ui

import (
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/latchkey/latchkey/assets"
)

// trayHostPossible reports whether a system tray can exist. On Linux the
// tray speaks D-Bus, and without a session bus Fyne's app.Quit panics in
// godbus (fyne#6403): no bus, no tray.
func trayHostPossible(getenv func(string) string) bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return true
	}
	return getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// setupTray adds the tray menu where it can exist; closing the window then
// hides it to the tray instead of quitting.
func (w *Window) setupTray() {
	desk, ok := w.app.(desktop.App)
	if !ok || !trayHostPossible(os.Getenv) {
		return
	}
	w.tray = desk
	desk.SetSystemTrayIcon(assets.Icon)
	w.win.SetCloseIntercept(w.win.Hide)
	w.refreshTray()
}

// refreshTray rebuilds the tray menu: favourites' codes appear only while
// the vault is unlocked.
func (w *Window) refreshTray() {
	if w.tray == nil {
		return
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem("Show Latchkey", w.Show)}
	if w.list != nil {
		var favs []*fyne.MenuItem
		for _, a := range w.list.all {
			if a.Favourite {
				a := a
				favs = append(favs, fyne.NewMenuItem("Copy code: "+a.Label(), func() { w.list.copy(a) }))
			}
		}
		if len(favs) > 0 {
			items = append(append(items, fyne.NewMenuItemSeparator()), favs...)
		}
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Lock now", w.Lock))
	}
	// Fyne appends its own Quit item to a tray menu.
	w.tray.SetSystemTrayMenu(fyne.NewMenu("Latchkey", items...))
}

// HasTray reports whether the window can hide to a system tray (so a
// start at login may begin hidden).
func (w *Window) HasTray() bool { return w.tray != nil }

// Show brings the window back, for the tray and for a second launch.
func (w *Window) Show() {
	w.win.Show()
	w.win.RequestFocus()
}
