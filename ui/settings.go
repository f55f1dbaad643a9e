package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/vault"
)

// Device preferences, kept in Fyne's preferences (plain JSON, no secrets);
// vault settings travel with the vault instead.
const (
	prefTheme      = "theme"        // "system", "light" or "dark"
	prefLockOnHide = "lock.on-hide" // lock when the window is hidden
)

var (
	autoLockChoices = []kit.Choice[int]{
		{Label: "1 minute", Value: 60}, {Label: "5 minutes", Value: 300}, {Label: "15 minutes", Value: 900},
		{Label: "1 hour", Value: 3600}, {Label: "Never", Value: -1},
	}
	clearChoices = []kit.Choice[int]{
		{Label: "10 seconds", Value: 10}, {Label: "30 seconds", Value: 30}, {Label: "1 minute", Value: 60},
		{Label: "2 minutes", Value: 120},
	}
	themeChoices = []string{"Follow the system", "Light", "Dark"}
	themeKeys    = []string{"system", "light", "dark"}
)

// selectFor returns the label of the choice matching seconds (0: def), or
// the first.
func selectFor(cs []kit.Choice[int], seconds int, def time.Duration) string {
	for _, c := range cs {
		if c.Value == seconds || (seconds == 0 && c.Value == int(def.Seconds())) {
			return c.Label
		}
	}
	return cs[0].Label
}

func (w *Window) showSettings() {
	if w.vault == nil {
		return
	}
	s := w.vault.Settings()
	autoLock := widget.NewSelect(kit.ChoiceLabels(autoLockChoices), nil)
	autoLock.SetSelected(selectFor(autoLockChoices, s.AutoLockSeconds, app.DefaultAutoLock))
	clear := widget.NewSelect(kit.ChoiceLabels(clearChoices), nil)
	clear.SetSelected(selectFor(clearChoices, s.ClipboardClearSeconds, app.DefaultClipboardClear))
	lockOnHide := widget.NewCheck("Lock when the window is hidden or minimised", nil)
	lockOnHide.SetChecked(w.app.Preferences().Bool(prefLockOnHide))
	themeSel := widget.NewSelect(themeChoices, nil)
	themeSel.SetSelectedIndex(indexOf(themeKeys, w.app.Preferences().StringWithFallback(prefTheme, "system")))
	st := w.vault.Status()
	keyring := widget.NewCheck("Keep the key in the OS keyring (unlock without typing)", nil)
	keyring.SetChecked(st.Keyring)
	passwd := widget.NewButton("Change passphrase…", w.changePassphrase)
	items := w.cfg.loginItems()
	atLogin := widget.NewCheck("Start Latchkey at login, in the tray", nil)
	atLogin.SetChecked(items.Enabled())
	links := widget.NewCheck("Open otpauth:// links with Latchkey", nil)
	links.SetChecked(items.LinksRegistered())

	form := widget.NewForm(
		widget.NewFormItem("Lock after", autoLock),
		widget.NewFormItem("Clear copied codes after", clear),
		widget.NewFormItem("", lockOnHide),
		widget.NewFormItem("Appearance", themeSel),
		widget.NewFormItem("", keyring),
		widget.NewFormItem("", atLogin),
	)
	if items.Links() { // elsewhere the package declares the handler
		form.Append("", links)
	}
	form.Append("", passwd)
	d := dialog.NewCustomConfirm("Settings", "Save", "Cancel", form, func(ok bool) {
		if !ok {
			return
		}
		w.app.Preferences().SetBool(prefLockOnHide, lockOnHide.Checked)
		w.app.Preferences().SetString(prefTheme, themeKeys[max(0, themeSel.SelectedIndex())])
		applyTheme(w.app)
		lockSecs, clearSecs := kit.ChoiceValue(autoLockChoices, autoLock.Selected), kit.ChoiceValue(clearChoices, clear.Selected)
		w.update(func(d *vault.Document) error {
			d.Settings.AutoLockSeconds, d.Settings.ClipboardClearSeconds = lockSecs, clearSecs
			return nil
		}, nil)
		if keyring.Checked != st.Keyring {
			w.setKeyring(keyring.Checked)
		}
		w.applyLoginItems(items, atLogin.Checked, items.Links() && links.Checked != items.LinksRegistered(), links.Checked)
	}, w.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

// applyLoginItems turns start-at-login and the link handler on or off.
func (w *Window) applyLoginItems(items LoginItems, atLogin, changeLinks, links bool) {
	if atLogin != items.Enabled() {
		if err := items.SetEnabled(atLogin); err != nil {
			dialog.ShowError(err, w.win)
		}
	}
	if changeLinks {
		if err := items.SetLinks(links); err != nil {
			dialog.ShowError(fmt.Errorf("the link handler was not changed: %w", err), w.win)
		}
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}

func (w *Window) setKeyring(on bool) {
	v := w.vault
	var err error
	w.cfg.scheduler().Go(func() { err = v.SetKeyring(on) }, func() {
		if err != nil {
			dialog.ShowError(fmt.Errorf("the keyring setting was not changed: %w", err), w.win)
		}
	})
}

func (w *Window) changePassphrase() {
	p1, p2 := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem("New passphrase", p1), widget.NewFormItem("Repeat it", p2)}
	d := dialog.NewForm("Change passphrase", "Change", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if p1.Text != p2.Text {
			dialog.ShowInformation("Passphrase not changed", "The two passphrases differ.", w.win)
			return
		}
		if err := app.CheckPassphrase(p1.Text); err != nil {
			dialog.ShowInformation("Passphrase not changed", fmt.Sprintf("Use at least %d characters.", app.MinPassphraseLen), w.win)
			return
		}
		v, pass := w.vault, p1.Text
		var err error
		w.cfg.scheduler().Go(func() { err = v.ChangePassphrase(pass) }, func() {
			if err != nil {
				dialog.ShowError(err, w.win)
				return
			}
			if w.list != nil {
				w.list.toast.show("Passphrase changed")
			}
		})
	}, w.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

// applyTheme follows the system, or forces light or dark.
func applyTheme(a fyne.App) {
	switch a.Preferences().StringWithFallback(prefTheme, "system") {
	case "light":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// variantTheme is the default theme held to one variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// idle locks the window after the configured time without activity.
type idle struct {
	last time.Time
}

func (w *Window) touch() { w.idle.last = w.now() }

// checkIdle runs on every tick of the account list.
func (w *Window) checkIdle() {
	if w.vault == nil {
		return
	}
	after := app.AutoLockAfter(w.vault.Settings())
	if after > 0 && w.now().Sub(w.idle.last) >= after {
		w.Lock()
	}
}
