package admin

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
	"github.com/latchkey/latchkey/ui/kit"
)

// portalAdmin is a kept portal session as the console uses it: the
// companion's admin calls, who the session is, and signing out.
type portalAdmin struct {
	*companion.Admin
	comp Companion
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
func (c *Console) showSignIn(note string) {
	a := c.acct
	title := widget.NewLabelWithStyle("Sign in to "+kit.PortalHost(a.Portal), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who := kit.Wrapped("as " + a.Email + ". The second step uses the code of " + a.Label + " from Latchkey, so only the password is asked.")
	password := widget.NewPasswordEntry()
	password.SetPlaceHolder("Portal password")
	status := kit.ErrorLabel()
	if note != "" {
		kit.SetNote(status, note)
	}
	var form *fyne.Container // refreshed when the status line changes
	fail := func(msg string) { kit.SetError(status, msg); form.Refresh() }
	say := func(msg string) { kit.SetNote(status, msg); form.Refresh() }
	var signIn *widget.Button
	signIn = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() {
		pw := password.Text
		password.SetText("") // never kept on screen after an attempt
		if pw == "" {
			fail("Type the portal password first.")
			return
		}
		signIn.Disable()
		say("Signing in…")
		c.signIn(pw, func(msg string) {
			signIn.Enable()
			fail(msg)
		})
	})
	signIn.Importance = widget.HighImportance
	password.OnSubmitted = func(string) {
		if !signIn.Disabled() {
			signIn.OnTapped()
		}
	}
	form = container.NewVBox(title, who, widget.NewForm(widget.NewFormItem("Password", password)), status,
		container.NewHBox(layout.NewSpacer(), signIn))
	c.win.SetContent(container.NewCenter(container.New(fixedWidth(460), container.NewPadded(form))))
	c.win.Canvas().Focus(password)
	if note == "" {
		c.resume(say)
	}
}

// resume uses a live session the vault keeps for this account, so an
// admin who signed in a moment ago (here or with the CLI) is not asked
// again.
func (c *Console) resume(say func(string)) {
	s, err := c.comp.SessionFor(c.acct.Portal)
	if err != nil || s.AccountID != c.acct.ID {
		return
	}
	say("Resuming your session…")
	var pa portalAdmin
	c.sched.Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, kit.PortalBudget)
		defer cancel()
		pa, err = c.adminFor(ctx, api.SessionInfo{})
	}, func() {
		if c.closed || c.sess != nil {
			return
		}
		if err != nil {
			say("Sign in with your portal password.")
			return
		}
		c.signedIn(pa)
	})
}

// signIn signs the account in with password, off the UI goroutine.
func (c *Console) signIn(password string, fail func(string)) {
	var pa portalAdmin
	var err error
	c.sched.Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, kit.PortalBudget)
		defer cancel()
		var in companion.SignedIn
		if in, err = c.comp.SignIn(ctx, c.acct.ID, password); err != nil {
			return
		}
		pa, err = c.adminFor(ctx, in.Who)
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
func (c *Console) adminFor(ctx context.Context, who api.SessionInfo) (portalAdmin, error) {
	adm, err := c.comp.Admin(c.acct.Portal)
	if err != nil {
		return portalAdmin{}, err
	}
	if who.User.ID == 0 {
		if who, err = adm.Who(ctx); err != nil {
			return portalAdmin{}, err
		}
	}
	return portalAdmin{Admin: adm, comp: c.comp, info: who}, nil
}

// signInError is a failed sign-in in one sentence.
func (c *Console) signInError(err error) string {
	email := c.acct.Email
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
	return kit.ErrorSentence(err)
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
