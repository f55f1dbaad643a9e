// Package ui is Latchkey's desktop interface, built with Fyne. It owns
// windows, screens, widgets and their bindings; it computes no codes, parses
// no formats and touches no files itself, but calls app and vault for that.
// Every constructor takes a fyne.App, so tests run it on Fyne's test driver.
package ui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/assets"
	"github.com/latchkey/latchkey/vault"
)

// Config is what the window needs from its surroundings.
type Config struct {
	// Home is the vault directory.
	Home string
	// Keyring is the OS keyring (vault.NoKeyring{} when switched off).
	Keyring vault.Keyring
	// WorkFactor is the scrypt work factor for new passphrases; 0 is age's default.
	WorkFactor int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Scheduler runs slow work and the ticker; nil means goroutines.
	Scheduler Scheduler
}

func (c Config) scheduler() Scheduler {
	if c.Scheduler == nil {
		return goroutineScheduler{}
	}
	return c.Scheduler
}

func (c Config) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Window is Latchkey's main window and the state behind it.
type Window struct {
	app fyne.App
	win fyne.Window
	cfg Config

	vault *vault.Vault
	list  *accountList // nil unless unlocked
}

// NewWindow builds the main window and shows the screen the vault's state
// calls for: welcome (no vault yet), unlock, or the accounts.
func NewWindow(a fyne.App, cfg Config) *Window {
	w := &Window{app: a, win: a.NewWindow("Latchkey"), cfg: cfg}
	w.win.SetIcon(assets.Icon)
	w.win.Resize(fyne.NewSize(460, 640))
	w.win.SetOnClosed(w.stop)
	w.win.Canvas().AddShortcut(&lockShortcut, func(fyne.Shortcut) { w.Lock() })
	w.start()
	return w
}

// lockShortcut is Ctrl+L (Cmd+L on macOS).
var lockShortcut = desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}

// Window returns the Fyne window.
func (w *Window) Window() fyne.Window { return w.win }

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
		v, err = vault.Open(w.cfg.Home, vault.Options{Keyring: w.cfg.Keyring, WorkFactor: w.cfg.WorkFactor})
	}, func() {
		switch {
		case err == nil:
			w.unlocked(v)
		case errors.Is(err, vault.ErrPassphraseRequired):
			w.show(newUnlockScreen(w, ""))
		default:
			w.show(errorScreen(err))
		}
	})
}

// unlocked shows the accounts of an open vault.
func (w *Window) unlocked(v *vault.Vault) {
	w.vault = v
	w.list = newAccountList(w, v)
	w.show(w.list.content())
	w.list.start()
}

// Lock forgets the open vault and shows the unlock screen.
func (w *Window) Lock() {
	if w.vault == nil {
		return
	}
	w.stop()
	w.vault = nil
	w.show(newUnlockScreen(w, ""))
}

func (w *Window) stop() {
	if w.list != nil {
		w.list.stop()
		w.list = nil
	}
}

func (w *Window) show(c fyne.CanvasObject) {
	w.win.SetContent(c)
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
