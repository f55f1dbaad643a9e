// Package ui is Latchkey's desktop interface, built with Fyne. It owns
// windows, screens, widgets and their bindings; it computes no codes, parses
// no formats and touches no files itself, but calls app and vault for that.
// Every constructor takes a fyne.App, so tests run it on Fyne's test driver.
// The team portal's admin console is ui/admin, which the account menu
// opens; both share ui/kit's building blocks and ui/schedule's threading.
package ui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/assets"
	"github.com/latchkey/latchkey/ui/schedule"
	"github.com/latchkey/latchkey/vault"
)

// Config is what the window needs from its surroundings.
type Config struct {
	// Home is the vault directory.
	Home string
	// Keyring is the OS keyring (vault.NoKeyring{} when switched off).
	Keyring vault.Keyring
	// Passphrase, when set, is tried before asking (LATCHKEY_PASSPHRASE_FILE,
	// for kiosks and the smoke test).
	Passphrase func() (string, error)
	// WorkFactor is the scrypt work factor for new passphrases; 0 is age's default.
	WorkFactor int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Scheduler runs slow work and timers; nil means schedule.Goroutines.
	Scheduler schedule.Scheduler
	// ClockCheck measures the clock; nil means NTP and HTTPS Date as the
	// vault's settings say. WallClock is watched for jumps (sleep, manual
	// changes); nil means the system's.
	ClockCheck ClockCheck
	WallClock  clock.Clock
	// LoginItems starts Latchkey at login; nil means the system's.
	LoginItems LoginItems
}

func (c Config) scheduler() schedule.Scheduler {
	if c.Scheduler == nil {
		return schedule.Goroutines{}
	}
	return c.Scheduler
}

// Window is Latchkey's main window and the state behind it.
type Window struct {
	app fyne.App
	win fyne.Window
	cfg Config

	vault  *vault.Vault
	list   *accountList // nil unless unlocked
	adding *addDialog   // the open Add dialog, if any
	clock  *clockView   // nil unless unlocked
	// pendingLink is a clicked otpauth link waiting for the vault to unlock.
	pendingLink string
	// background is true while another app has the focus: the list then
	// redraws less often (see accountList.tick).
	background bool
	idle       idle
	tray       desktop.App // nil without a system tray
	portal     portalState // the team portals' companion and open views
}

// Preference keys (Fyne preferences are plain JSON: never secrets).
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
)

// NewWindow builds the main window and shows the screen the vault's state
// calls for: welcome (no vault yet), unlock, or the accounts.
func NewWindow(a fyne.App, cfg Config) *Window {
	w := &Window{app: a, win: a.NewWindow("Latchkey"), cfg: cfg}
	w.win.SetIcon(assets.Icon)
	p := a.Preferences()
	w.win.Resize(fyne.NewSize(float32(p.FloatWithFallback(prefWidth, 460)), float32(p.FloatWithFallback(prefHeight, 640))))
	w.win.SetOnClosed(w.closed)
	// Also on the canvas, for when nothing has focus (and for tests).
	w.win.Canvas().AddShortcut(&lockShortcut, func(fyne.Shortcut) { w.Lock() })
	w.win.Canvas().AddShortcut(&addShortcut, func(fyne.Shortcut) { w.showAdd() })
	w.win.Canvas().AddShortcut(&searchShortcut, func(fyne.Shortcut) { w.focusSearch() })
	w.win.SetOnDropped(w.dropped)
	w.win.SetMainMenu(w.menuBar())
	w.win.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) { w.touch() })
	a.Lifecycle().SetOnExitedForeground(func() {
		w.background = true
		if a.Preferences().Bool(prefLockOnHide) {
			w.Lock()
		}
	})
	a.Lifecycle().SetOnEnteredForeground(func() {
		w.background = false
		if w.list != nil {
			w.list.tick() // catch up at once
		}
	})
	applyTheme(a)
	w.setupTray()
	w.start()
	return w
}

// lockShortcut is Ctrl+L (Cmd+L on macOS).
var lockShortcut = desktopShortcut(fyne.KeyL)

// Window returns the Fyne window.
func (w *Window) Window() fyne.Window { return w.win }

func (w *Window) now() time.Time {
	if w.cfg.Now == nil {
		return time.Now()
	}
	return w.cfg.Now()
}

// codeTime is the time codes are made for: now, or corrected by the
// measured clock offset when the user chose so.
func (w *Window) codeTime() time.Time {
	if w.clock == nil {
		return w.now()
	}
	t, _ := w.clock.codeTime(w.now())
	return t
}

func (w *Window) options() vault.Options {
	return vault.Options{Keyring: w.cfg.Keyring, WorkFactor: w.cfg.WorkFactor, Passphrase: w.cfg.Passphrase}
}

// start opens the vault from the keyring when it can, off the UI goroutine:
// a Secret Service call may wait on an unlock prompt.
func (w *Window) start() {
	if _, err := vault.Inspect(w.cfg.Home); errors.Is(err, vault.ErrNotFound) {
		w.show(newWelcomeScreen(w))
		return
	}
	w.show(busyScreen("Opening your vault…"))
	var v *vault.Vault
	var err error
	w.cfg.scheduler().Go(func() {
		v, err = vault.Open(w.cfg.Home, w.options())
	}, func() {
		switch {
		case err == nil:
			w.unlocked(v)
		case errors.Is(err, vault.ErrPassphraseRequired):
			w.show(newUnlockScreen(w, ""))
		case errors.Is(err, vault.ErrWrongPassphrase):
			w.show(newUnlockScreen(w, "The passphrase file holds the wrong passphrase."))
		default:
			w.show(errorScreen(err))
		}
	})
}

// unlocked shows the accounts of an open vault.
func (w *Window) unlocked(v *vault.Vault) {
	w.vault = v
	w.touch()
	w.clock = newClockView(w)
	w.list = newAccountList(w)
	w.show(w.list.content())
	w.list.start()
	w.refreshTray()
	w.startPortal()
	if link := w.pendingLink; link != "" {
		w.pendingLink = ""
		w.OpenLink(link)
	}
}

// Lock forgets the open vault and shows the unlock screen.
func (w *Window) Lock() {
	if w.vault == nil {
		return
	}
	w.stopList()
	w.closePortal()
	w.vault = nil
	w.clock = nil
	// Dialogs may show secrets (a QR code, an edit form): none survives a lock.
	overlays := w.win.Canvas().Overlays()
	for _, o := range overlays.List() {
		overlays.Remove(o)
	}
	w.adding = nil
	w.show(newUnlockScreen(w, ""))
	w.refreshTray()
}

func (w *Window) stopList() {
	if w.list != nil {
		w.list.stop()
		w.list = nil
	}
}

func (w *Window) closed() {
	size := w.win.Canvas().Size()
	p := w.app.Preferences()
	p.SetFloat(prefWidth, float64(size.Width))
	p.SetFloat(prefHeight, float64(size.Height))
	w.stopList()
	w.closePortal()
}

func (w *Window) show(c fyne.CanvasObject) {
	w.win.SetContent(c)
}

// update changes the vault off the UI goroutine (a save fsyncs), then
// refreshes the list and runs done. Errors are shown, and change nothing.
func (w *Window) update(fn func(*vault.Document) error, done func()) {
	v := w.vault
	if v == nil {
		return
	}
	var err error
	w.cfg.scheduler().Go(func() { err = v.Update(fn) }, func() {
		if w.list != nil && w.vault == v {
			w.list.reload()
		}
		if err != nil {
			dialog.ShowError(err, w.win)
			return
		}
		if done != nil {
			done()
		}
	})
}

// mainMenu is the menu behind the ☰ button.
func (w *Window) mainMenu() *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItem("Add account…", w.showAdd),
		fyne.NewMenuItem("Settings…", w.showSettings),
		fyne.NewMenuItem("Lock now", w.Lock),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Keyboard shortcuts", w.showShortcuts),
	)
}

// menuBar is the window's menu bar (the macOS global menu). Its items
// carry the keyboard shortcuts: Fyne gives a shortcut to the focused widget
// (the search field, nearly always) and only main-menu shortcuts come first.
func (w *Window) menuBar() *fyne.MainMenu {
	item := func(label string, sc fyne.Shortcut, fn func()) *fyne.MenuItem {
		i := fyne.NewMenuItem(label, fn)
		i.Shortcut = sc
		return i
	}
	return fyne.NewMainMenu(
		fyne.NewMenu("Vault",
			item("Add account…", &addShortcut, w.showAdd),
			item("Search", &searchShortcut, w.focusSearch),
			fyne.NewMenuItem("Settings…", w.showSettings),
			item("Lock now", &lockShortcut, w.Lock)),
		fyne.NewMenu("Help", fyne.NewMenuItem("Keyboard shortcuts", w.showShortcuts)),
	)
}

func (w *Window) focusSearch() {
	if w.list != nil {
		w.win.Canvas().Focus(w.list.search)
	}
}

func (w *Window) showShortcuts() {
	grid := container.NewGridWithColumns(2,
		widget.NewLabel("Ctrl+F (⌘F)"), widget.NewLabel("Search"),
		widget.NewLabel("Typing"), widget.NewLabel("Search for what you type"),
		widget.NewLabel("Enter in search"), widget.NewLabel("Copy the first account's code"),
		widget.NewLabel("↑ ↓ then Space"), widget.NewLabel("Choose an account and copy its code"),
		widget.NewLabel("Ctrl+N (⌘N)"), widget.NewLabel("Add an account"),
		widget.NewLabel("Ctrl+L (⌘L)"), widget.NewLabel("Lock now"),
	)
	dialog.ShowCustom("Keyboard shortcuts", "Close", grid, w.win)
}

func busyScreen(msg string) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	return container.NewCenter(container.NewVBox(widget.NewLabel(msg), bar))
}

func errorScreen(err error) fyne.CanvasObject {
	icon := widget.NewIcon(theme.ErrorIcon())
	msg := widget.NewLabel(err.Error())
	msg.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel("Nothing was changed. 'latchkey vault status' in a terminal shows the vault's files and kept generations.")
	help.Wrapping = fyne.TextWrapWord
	return container.NewPadded(container.NewVBox(container.NewHBox(icon, widget.NewLabelWithStyle("The vault could not be opened", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})), msg, help))
}
