package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/otpauth"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/vault"
)

// showLinkPortal asks for the portal address and the account's e-mail
// address there, checks the portal's certificate and binds the account.
func (l *accountList) showLinkPortal(a vault.Account) {
	w := l.w
	url, email := widget.NewEntry(), widget.NewEntry()
	url.SetPlaceHolder("https://portal.example.com")
	email.SetPlaceHolder("you@example.com")
	if linked(a) {
		url.SetText(a.Portal.URL)
		email.SetText(a.Portal.Email)
	}
	if email.Text == "" {
		if addr, err := companion.CheckEmail(a.Name); err == nil {
			email.SetText(addr)
		}
	}
	intro := kit.Wrapped("Link " + a.Label() + " to its team portal to ask its admins for a recovery link from here, and to check the clock against the portal's.")
	status := newDialogLine()
	form := widget.NewForm(widget.NewFormItem("Portal address", url), widget.NewFormItem("Your e-mail there", email))
	content := container.NewVBox(intro, form, status.label)
	if linked(a) && a.Portal.Recovery != nil {
		content.Add(kit.Wrapped("Linking it to another portal drops its recovery request."))
	}
	d := dialog.NewCustomWithoutButtons("Link to portal", content, w.win)
	var linkBtn *widget.Button
	busy := func(on bool) {
		if on {
			linkBtn.Disable()
			status.note("Checking the portal…")
		} else {
			linkBtn.Enable()
		}
	}
	linkBtn = widget.NewButton("Link", func() {
		canon, err := otpauth.ParsePortalURL(strings.TrimSpace(url.Text))
		if err != nil {
			status.fail(kit.SentenceOf(err.Error()))
			return
		}
		addr, err := companion.CheckEmail(email.Text)
		if err != nil {
			status.fail(kit.SentenceOf(err.Error()))
			return
		}
		busy(true)
		w.linkChecked(a.ID, canon, addr, vault.LinkedByHand, func(saved vault.Account, note string) {
			d.Hide()
			w.sayLinked(saved, note)
		}, func(msg string) {
			busy(false)
			status.fail(msg)
		})
	})
	linkBtn.Importance = widget.HighImportance
	url.OnSubmitted = func(string) { linkBtn.OnTapped() }
	email.OnSubmitted = func(string) { linkBtn.OnTapped() }
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", d.Hide), linkBtn})
	width := min(500, w.win.Canvas().Size().Width-20)
	status.fitTo(d, content, width)
	d.Resize(fyne.NewSize(width, 0))
	d.Show()
	w.win.Canvas().Focus(url)
}

// sayLinked reports a new binding: briefly in the list's status line, or
// in a dialog when there is more to say than fits there.
func (w *Window) sayLinked(a vault.Account, note string) {
	if note == "" && w.list != nil {
		w.list.toast.show("Linked to " + kit.PortalHost(a.Portal.URL))
		return
	}
	msg := a.Label() + " is linked to " + a.Portal.URL + "."
	if note != "" {
		msg += " " + note
	}
	dialog.ShowInformation("Linked", msg, w.win)
}

// linkChecked binds account id to the portal at canon (a canonical portal
// URL) as email, after making sure the app can talk to it: a certificate
// no CA vouches for is shown to the user, who decides once whether to
// trust it. done gets the saved account and a note for the user ("" or
// one sentence); fail gets one sentence, and nothing was linked. Both run
// on the UI goroutine.
func (w *Window) linkChecked(id, canon, email, by string, done func(vault.Account, string), fail func(string)) {
	comp := w.companion()
	if comp == nil {
		fail("The vault is locked.")
		return
	}
	save := func(note string) {
		var saved vault.Account
		var err error
		w.cfg.scheduler().Go(func() { saved, err = comp.Link(id, canon, email, by) }, func() {
			if w.list != nil {
				w.list.reload()
			}
			if err != nil {
				fail(kit.SentenceOf(err.Error()))
				return
			}
			done(saved, note)
		})
	}
	if !strings.HasPrefix(canon, "https://") {
		save("") // plain http:// on this computer: no certificate to check
		return
	}
	var ci *lksync.CertificateInfo
	var err error
	w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), kit.PortalBudget)
		defer cancel()
		ci, err = comp.Inspect(ctx, canon)
	}, func() {
		switch {
		case err != nil && companion.Offline(err):
			// The binding works offline (a request is queued); the
			// certificate is checked when the portal is first reached.
			save("The portal could not be reached, so its certificate is not checked yet.")
		case err != nil:
			fail(kit.ErrorSentence(err))
		case ci.Verified:
			save("")
		default:
			if t, ok := companion.TrustFor(w.vault.Settings(), canon); ok && t.SHA256 == ci.Fingerprint.String() {
				save("")
				return
			}
			w.askTrust(ci, func() { save("") }, fail)
		}
	})
}

// askTrust shows a certificate no CA vouches for and asks whether to
// trust it: an explicit decision, remembered in the vault for the portal's
// origin. A fingerprint the admin gave can be typed to compare.
func (w *Window) askTrust(ci *lksync.CertificateInfo, trusted func(), fail func(string)) {
	grid := container.New(&kit.FormLayout{},
		widget.NewLabel("Fingerprint"), fingerprintLabel(ci.Fingerprint),
		widget.NewLabel("Issued to"), kit.Wrapped(ci.Subject),
		widget.NewLabel("Issued by"), kit.Wrapped(ci.Issuer),
		widget.NewLabel("Valid"), widget.NewLabel(ci.NotBefore.Local().Format("2 Jan 2006")+" – "+ci.NotAfter.Local().Format("2 Jan 2006")),
	)
	if len(ci.Names) > 0 {
		grid.Add(widget.NewLabel("For"))
		grid.Add(kit.Wrapped(strings.Join(ci.Names, ", ")))
	}
	if !ci.Pinnable() {
		why := "it is not valid for " + ci.Host
		if ci.HostError == nil {
			why = "it is outside its validity period"
		}
		content := container.NewVBox(kit.Wrapped(ci.Origin+" presents a certificate that cannot be trusted: "+why+". Ask your admin to fix the portal's certificate."), grid)
		d := dialog.NewCustom("Certificate cannot be trusted", "Close", content, w.win)
		d.SetOnClosed(func() { fail("Nothing was linked: the portal's certificate cannot be trusted.") })
		d.Resize(fyne.NewSize(min(560, w.win.Canvas().Size().Width-20), 0))
		d.Show()
		return
	}
	intro := kit.Wrapped(ci.Origin + " presents a certificate that no authority on this computer vouches for: it is self-signed or from a private CA. " +
		"Trust it only if its fingerprint is the one your admin gave you.")
	content := container.NewVBox(intro)
	if old, ok := companion.TrustFor(w.vault.Settings(), ci.Origin); ok && old.SHA256 != ci.Fingerprint.String() {
		warn := kit.Wrapped("You trusted a different certificate for this portal on " + old.TrustedAt.Local().Format("2 Jan 2006") +
			". A changed certificate can mean someone is intercepting the connection: ask your admin before trusting this one.")
		warn.Importance = widget.DangerImportance
		content.Add(warn)
	}
	given := widget.NewEntry()
	given.SetPlaceHolder("SHA256:… from your admin (optional)")
	status := newDialogLine()
	content.Add(grid)
	content.Add(widget.NewForm(widget.NewFormItem("Compare with", given)))
	content.Add(status.label)
	d := dialog.NewCustomWithoutButtons("Trust this portal's certificate?", content, w.win)
	decided := false
	d.SetOnClosed(func() {
		if !decided {
			fail("Nothing was linked: the portal's certificate was not trusted.")
		}
	})
	trust := widget.NewButton("Trust this certificate", func() {
		if strings.TrimSpace(given.Text) != "" {
			if err := companion.ConfirmFingerprint(ci, given.Text); err != nil {
				msg := "The fingerprints differ: do not trust this certificate, and tell your admin."
				if _, perr := lksync.ParseFingerprint(given.Text); perr != nil {
					msg = "That is not a SHA-256 fingerprint (SHA256: and 64 hex digits)."
				}
				status.fail(msg)
				return
			}
		}
		comp := w.companion()
		if comp == nil {
			return
		}
		var err error
		w.cfg.scheduler().Go(func() { _, err = comp.Trust(ci) }, func() {
			if err != nil {
				status.fail(kit.SentenceOf(err.Error()))
				return
			}
			decided = true
			d.Hide()
			trusted()
		})
	})
	trust.Importance = widget.WarningImportance
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Don't trust", d.Hide), trust})
	width := min(580, w.win.Canvas().Size().Width-20)
	status.fitTo(d, content, width)
	d.Resize(fyne.NewSize(width, 0))
	d.Show()
}

// fingerprintLabel shows a fingerprint in groups of four hex digits, two
// lines of eight, which people compare more reliably than one long run.
func fingerprintLabel(fp lksync.Fingerprint) *widget.Label {
	return widget.NewLabelWithStyle(groupFingerprint(fp), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
}

func groupFingerprint(fp lksync.Fingerprint) string {
	hex := strings.TrimPrefix(fp.String(), "SHA256:")
	var b strings.Builder
	b.WriteString("SHA256:\n")
	for i := 0; i < len(hex); i += 4 {
		switch {
		case i == len(hex)/2:
			b.WriteByte('\n')
		case i > 0:
			b.WriteByte(' ')
		}
		b.WriteString(hex[i : i+4])
	}
	return b.String()
}

// openPortalLink handles a latchkey://link a portal's page offered: it
// says which account it would bind to which portal, and binds only once
// the user confirmed. A web page never binds an account by itself.
func (w *Window) openPortalLink(link string) {
	if w.vault == nil {
		w.pendingLink = link // shown after unlocking
		return
	}
	req, err := companion.ParseLink(link)
	if err != nil {
		dialog.ShowInformation("Not a valid portal link", kit.SentenceOf(strings.TrimPrefix(err.Error(), companion.ErrInvalidLink.Error()+": ")), w.win)
		return
	}
	comp := w.companion()
	p, err := comp.Propose(req)
	if err != nil {
		dialog.ShowInformation("Nothing to link", kit.SentenceOf(err.Error()), w.win)
		return
	}
	if p.Unchanged {
		dialog.ShowInformation("Already linked", p.Account.Label()+" is already linked to "+p.Current.URL+" as "+p.Current.Email+".", w.win)
		return
	}
	rows := container.NewVBox(
		kit.Wrapped("A web page asks Latchkey to link an account to a team portal. Link it only if you opened the portal's page yourself."),
		container.New(&kit.FormLayout{},
			widget.NewLabel("Account"), kit.Wrapped(p.Account.Label()),
			widget.NewLabel("Portal"), kit.Wrapped(req.Portal),
			widget.NewLabel("E-mail"), kit.Wrapped(req.Email)),
	)
	if p.Replaces {
		what := "It is linked to " + p.Current.URL + " now; that link"
		if p.Current.Recovery != nil {
			what += " and its recovery request"
		}
		warn := kit.Wrapped(what + " would be replaced.")
		warn.Importance = widget.WarningImportance
		rows.Add(warn)
	}
	status := newDialogLine()
	rows.Add(status.label)
	d := dialog.NewCustomWithoutButtons("Link to a portal?", rows, w.win)
	var linkBtn *widget.Button
	linkBtn = widget.NewButton("Link", func() {
		linkBtn.Disable()
		status.note("Checking the portal…")
		w.linkChecked(p.Account.ID, req.Portal, req.Email, vault.LinkedByLink, func(saved vault.Account, note string) {
			d.Hide()
			w.sayLinked(saved, note)
		}, func(msg string) {
			linkBtn.Enable()
			status.fail(msg)
		})
	})
	linkBtn.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", d.Hide), linkBtn})
	width := min(500, w.win.Canvas().Size().Width-20)
	status.fitTo(d, rows, width)
	d.Resize(fyne.NewSize(width, 0))
	d.Show()
}
