package ui

import (
	"errors"
	"fmt"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/assets"
	"github.com/latchkey/latchkey/vault"
)

// unlockScreen asks for the passphrase when the keyring cannot open the vault.
type unlockScreen struct {
	w      *Window
	entry  *widget.Entry
	button *widget.Button
	status *widget.Label
	form   fyne.CanvasObject
}

func newUnlockScreen(w *Window, msg string) fyne.CanvasObject {
	s := &unlockScreen{w: w}
	s.entry = widget.NewPasswordEntry()
	s.entry.SetPlaceHolder("Passphrase")
	s.entry.OnSubmitted = func(string) { s.submit() }
	s.button = widget.NewButton("Unlock", s.submit)
	s.button.Importance = widget.HighImportance
	s.status = widget.NewLabel(msg)
	s.status.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle("Latchkey is locked", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(72, 72))
	form := container.NewVBox(container.NewCenter(icon), title, s.entry, s.button, s.status)
	s.form = form
	w.win.Canvas().Focus(s.entry)
	return container.NewPadded(container.NewCenter(container.NewGridWrap(fyne.NewSize(320, 300), form)))
}

func (s *unlockScreen) submit() {
	pass := s.entry.Text
	s.entry.Disable()
	s.button.Disable()
	s.status.SetText("Unlocking…")
	cfg := s.w.cfg
	// scrypt takes about a second on purpose: never on the UI goroutine.
	var v *vault.Vault
	var err error
	cfg.scheduler().Go(func() {
		opts := s.w.options()
		opts.Passphrase = func() (string, error) { return pass, nil }
		v, err = vault.Open(cfg.Home, opts)
	}, func() { s.done(v, err) })
}

func (s *unlockScreen) done(v *vault.Vault, err error) {
	if err == nil {
		s.w.unlocked(v)
		return
	}
	s.entry.Enable()
	s.button.Enable()
	if errors.Is(err, vault.ErrWrongPassphrase) {
		s.status.SetText("Wrong passphrase.")
		s.entry.SetText("")
		s.w.win.Canvas().Focus(s.entry)
		shake(s.form)
		return
	}
	s.w.show(errorScreen(err))
}

// welcomeScreen creates the vault on first run.
type welcomeScreen struct {
	w          *Window
	pass       *widget.Entry
	repeat     *widget.Entry
	strength   *widget.Label
	useKeyring *widget.Check
	noPass     *widget.Check
	noPassMsg  *widget.Label
	keyringMsg *widget.Label
	create     *widget.Button
	status     *widget.Label
}

func newWelcomeScreen(w *Window) fyne.CanvasObject {
	s := &welcomeScreen{w: w}
	intro := widget.NewLabel(fmt.Sprintf("Latchkey keeps your two-factor accounts in an encrypted vault in %s. "+
		"Choose a passphrase: it opens the vault wherever the OS keyring cannot, and it is the key to your "+
		"break-glass copy. Latchkey cannot recover a forgotten passphrase.", w.cfg.Home))
	intro.Wrapping = fyne.TextWrapWord
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(fmt.Sprintf("Passphrase (at least %d characters)", app.MinPassphraseLen))
	s.repeat = widget.NewPasswordEntry()
	s.repeat.SetPlaceHolder("Repeat the passphrase")
	s.repeat.OnSubmitted = func(string) { s.submit() }
	s.strength = widget.NewLabel("")
	s.pass.OnChanged = s.showStrength
	s.useKeyring = widget.NewCheck("Keep the key in the OS keyring (unlock without typing)", func(on bool) {
		if !on {
			s.noPass.SetChecked(false)
		}
		s.updateNoPass()
	})
	s.useKeyring.Disable()
	s.noPass = widget.NewCheck("No passphrase: the OS keyring alone opens the vault", func(bool) { s.updateNoPass() })
	s.noPass.Disable()
	s.noPassMsg = widget.NewLabel("Without a passphrase the vault opens only through this computer's keyring. " +
		"If the keyring is reset, or you move to another computer without a backup, every account is lost. " +
		"You can set a passphrase later in Settings.")
	s.noPassMsg.Wrapping = fyne.TextWrapWord
	s.noPassMsg.Importance = widget.WarningImportance
	s.noPassMsg.Hide()
	s.keyringMsg = widget.NewLabel("Checking the OS keyring…")
	s.keyringMsg.Wrapping = fyne.TextWrapWord
	s.create = widget.NewButton("Create vault", s.submit)
	s.create.Importance = widget.HighImportance
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.probeKeyring()

	title := widget.NewLabelWithStyle("Welcome to Latchkey", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewPadded(container.NewVScroll(container.NewVBox(
		title, intro, s.pass, s.strength, s.repeat, s.useKeyring, s.keyringMsg, s.noPass, s.noPassMsg, s.create, s.status)))
}

// showStrength rates the passphrase as it is typed.
func (s *welcomeScreen) showStrength(p string) {
	st := app.PassphraseStrength(p)
	if p == "" {
		s.strength.SetText("")
		return
	}
	s.strength.Importance = []widget.Importance{widget.DangerImportance, widget.DangerImportance,
		widget.WarningImportance, widget.SuccessImportance, widget.SuccessImportance}[st.Score]
	s.strength.SetText("Strength: " + st.Label)
}

// updateNoPass offers going without a passphrase only with a working
// keyring, and says plainly what it costs.
func (s *welcomeScreen) updateNoPass() {
	if s.useKeyring.Checked && !s.useKeyring.Disabled() {
		s.noPass.Enable()
	} else {
		s.noPass.SetChecked(false)
		s.noPass.Disable()
	}
	skip := s.noPass.Checked
	for _, e := range []*widget.Entry{s.pass, s.repeat} {
		if skip {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if skip {
		s.noPassMsg.Show()
	} else {
		s.noPassMsg.Hide()
	}
}

// probeKeyring checks, off the UI goroutine, whether the keyring answers.
func (s *welcomeScreen) probeKeyring() {
	kr := s.w.cfg.Keyring
	var err error
	s.w.cfg.scheduler().Go(func() { err = app.ProbeKeyring(kr) }, func() {
		if err != nil {
			s.useKeyring.SetChecked(false)
			s.keyringMsg.SetText("The OS keyring is not available here, so the vault will open with your passphrase.")
			return
		}
		s.useKeyring.Enable()
		s.useKeyring.SetChecked(true)
		s.keyringMsg.SetText("")
	})
}

func (s *welcomeScreen) submit() {
	pass := s.pass.Text
	useKeyring := s.useKeyring.Checked
	switch {
	case s.noPass.Checked && useKeyring:
		pass = "" // keyring only, as chosen with the warning in view
	case pass != s.repeat.Text:
		s.status.SetText("The two passphrases differ.")
		return
	case app.CheckPassphrase(pass) != nil:
		s.status.SetText(fmt.Sprintf("Use at least %d characters.", app.MinPassphraseLen))
		return
	}
	s.create.Disable()
	s.status.SetText("Creating the vault…")
	cfg := s.w.cfg
	var v *vault.Vault
	var err error
	cfg.scheduler().Go(func() {
		v, err = vault.Create(cfg.Home, vault.CreateOptions{
			Options:    vault.Options{Keyring: cfg.Keyring, WorkFactor: cfg.WorkFactor},
			Passphrase: pass,
			UseKeyring: useKeyring,
		})
	}, func() {
		if err != nil {
			s.create.Enable()
			s.status.SetText(err.Error())
			return
		}
		s.w.unlocked(v)
	})
}

// shake moves o from side to side and back, the way a login box says no.
func shake(o fyne.CanvasObject) {
	home := o.Position()
	a := fyne.NewAnimation(450*time.Millisecond, func(f float32) {
		dx := float32(math.Sin(float64(f)*6*math.Pi)) * 12 * (1 - f)
		o.Move(fyne.NewPos(home.X+dx, home.Y))
	})
	a.Curve = fyne.AnimationLinear
	a.Start()
}
