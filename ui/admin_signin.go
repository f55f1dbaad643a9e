package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
)

// portalAdmin is a kept portal session as the console uses it: the
// companion's admin calls, who the session is, and signing out.
type portalAdmin struct {
	*companion.Admin
	comp *companion.Companion
	info api.SessionInfo
}

func (p portalAdmin) Info() api.SessionInfo { return p.info }

// SignOut ends the session at the portal and drops it from the vault.
func (p portalAdmin) SignOut(ctx context.Context) error {
	_, err := p.comp.SignOut(ctx, p.Session().Portal)
	return err
}

// showSignIn shows the sign-in screen: it asks for the account's portal
// password; the second step takes the account's code from the vault, so
// nothing else is typed. note, when set, says why the screen shows (signed
// out, session ended); without one a session the vault keeps for this
// account is used without asking.
func (c *adminConsole) showSignIn(note string) {
	a := c.acct
	title := widget.NewLabelWithStyle("Sign in to "+portalHost(a.Portal.URL), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who := wrapped("as " + a.Portal.Email + ". The second step uses the code of " + display(a) + " from Latchkey, so only the password is asked.")
	password := widget.NewPasswordEntry()
	password.SetPlaceHolder("Portal password")
	status := newDialogLine()
	if note != "" {
		setNote(status.label, note)
	}
	var signIn *widget.Button
	signIn = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() {
		pw := password.Text
		password.SetText("") // never kept on screen after an attempt
		if pw == "" {
			status.fail("Type the portal password first.")
			return
		}
		signIn.Disable()
		status.note("Signing in…")
		c.signIn(pw, func(msg string) {
			signIn.Enable()
			status.fail(msg)
		})
	})
	signIn.Importance = widget.HighImportance
	password.OnSubmitted = func(string) {
		if !signIn.Disabled() {
			signIn.OnTapped()
		}
	}
	form := container.NewVBox(title, who, widget.NewForm(widget.NewFormItem("Password", password)), status.label,
		container.NewHBox(layout.NewSpacer(), signIn))
	status.refit = form.Refresh
	c.win.SetContent(container.NewCenter(container.New(fixedWidth(460), container.NewPadded(form))))
	c.win.Canvas().Focus(password)
	if note == "" {
		c.resume(status)
	}
}

// resume uses a live session the vault keeps for this account, so an
// admin who signed in a moment ago (here or with the CLI) is not asked
// again.
func (c *adminConsole) resume(status *dialogLine) {
	comp := c.w.companion()
	if comp == nil {
		return
	}
	s, err := comp.SessionFor(c.acct.Portal.URL)
	if err != nil || s.AccountID != c.acct.ID {
		return
	}
	status.note("Resuming your session…")
	var pa portalAdmin
	c.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, portalBudget)
		defer cancel()
		pa, err = c.adminFor(ctx, comp, api.SessionInfo{})
	}, func() {
		if c.closed || c.sess != nil {
			return
		}
		if err != nil {
			status.note("Sign in with your portal password.")
			return
		}
		c.signedIn(pa)
	})
}

// signIn signs the account in with password, off the UI goroutine.
func (c *adminConsole) signIn(password string, fail func(string)) {
	comp := c.w.companion()
	if comp == nil {
		fail("The vault is locked.")
		return
	}
	var pa portalAdmin
	var err error
	c.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, portalBudget)
		defer cancel()
		var in companion.SignedIn
		if in, err = comp.SignIn(ctx, c.acct.ID, password); err != nil {
			return
		}
		pa, err = c.adminFor(ctx, comp, in.Who)
	}, func() {
		if c.closed {
			return
		}
		if err != nil {
			fail(c.signInError(err))
			return
		}
		c.signedIn(pa)
	})
}

// adminFor is the console's session over the session kept for the
// account's portal; who is the portal's "who am I", asked again when zero.
func (c *adminConsole) adminFor(ctx context.Context, comp *companion.Companion, who api.SessionInfo) (portalAdmin, error) {
	adm, err := comp.Admin(c.acct.Portal.URL)
	if err != nil {
		return portalAdmin{}, err
	}
	if who.User.ID == 0 {
		if who, err = adm.Who(ctx); err != nil {
			return portalAdmin{}, err
		}
	}
	return portalAdmin{Admin: adm, comp: comp, info: who}, nil
}

// signInError is a failed sign-in in one sentence.
func (c *adminConsole) signInError(err error) string {
	email := c.acct.Portal.Email
	switch {
	case errors.Is(err, companion.ErrWrongPassword):
		return "The portal did not accept that password for " + email + "."
	case errors.Is(err, companion.ErrVerifyAddress):
		return "The portal e-mailed " + email + " a link to confirm a sign-in from this network: open it, then sign in again."
	case errors.Is(err, companion.ErrVerifyEmail):
		return "The portal e-mailed " + email + " a link to confirm the address: open it, then sign in again."
	case errors.Is(err, companion.ErrEnrolFirst):
		return "This account has no authenticator at the portal yet: set it up in the browser first."
	case errors.Is(err, companion.ErrCodeNotAccepted):
		return "The portal did not accept this account's code: check the computer's clock (\"Locked out?\" checks it)."
	case errors.Is(err, companion.ErrSessionEnded):
		return "The portal ended the session at once: sign in again."
	}
	return errorSentence(err)
}

// fixedWidth stacks its objects at one width, as tall as they need there:
// a form that keeps its width when a wrapped line appears.
type fixedWidth float32

func (f fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(f), h)
}

func (f fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
