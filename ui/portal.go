package ui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// portalBudget is companion.PortalBudget, under the name the admin console
// (ui/admin*.go, on its way to ui/admin) uses.
const portalBudget = companion.PortalBudget

// portalState is the window's side of the team portals: one companion for
// the open vault, and the recovery dialogs and admin consoles open now, so
// a lock ends them all (they show phrases, codes and a signed-in session).
type portalState struct {
	// client is what every portal client starts from; tests shorten the
	// timeouts and retries.
	client lksync.Options
	v      *vault.Vault
	comp   *companion.Companion
	// open are the close functions of the open recovery dialogs and admin
	// consoles, keyed by the view itself.
	open map[any]func()
	// consoles are the open admin consoles by adminKey, so a second
	// "Admin console…" brings the open one forward.
	consoles map[string]*adminConsole
	// queue is the planned send of queued recovery requests (its cancel
	// function); flushing is set while a send runs, and waiters get its
	// outcome: one send at a time, so no request reaches the admins twice.
	queue    func()
	flushing bool
	waiters  []func([]companion.Flushed, error)
}

// companion is the portal use-cases over the open vault; nil when locked.
func (w *Window) companion() *companion.Companion {
	if w.vault == nil {
		return nil
	}
	p := &w.portal
	if p.comp == nil || p.v != w.vault {
		if p.comp != nil {
			p.comp.Close()
		}
		p.comp = companion.New(w.vault, companion.Options{Client: p.client, Now: w.now})
		p.v = w.vault
	}
	return p.comp
}

// track registers an open portal view to be closed by closePortal;
// the returned function unregisters it.
func (w *Window) track(key any, closeFn func()) (untrack func()) {
	if w.portal.open == nil {
		w.portal.open = map[any]func(){}
	}
	w.portal.open[key] = closeFn
	return func() { delete(w.portal.open, key) }
}

// startPortal runs the portal side of an unlocked vault: recovery
// requests queued while the portal could not be reached are sent as they
// fall due, dialog or not.
func (w *Window) startPortal() { w.planQueue() }

// planQueue plans the next send of the queued recovery requests, if any.
func (w *Window) planQueue() {
	if w.portal.queue != nil {
		w.portal.queue()
		w.portal.queue = nil
	}
	comp := w.companion()
	if comp == nil {
		return
	}
	next, ok := comp.NextAttempt()
	if !ok {
		return
	}
	wait := max(next.Sub(w.now()), time.Second)
	w.portal.queue = w.cfg.scheduler().After(wait, func() {
		w.portal.queue = nil
		w.flushRecovery(companion.FlushOptions{}, nil)
	})
}

// flushRecovery sends the queued recovery requests opts selects, off the
// UI goroutine, then tells done (may be nil) and the open recovery
// dialogs. A send already running is joined rather than doubled.
func (w *Window) flushRecovery(opts companion.FlushOptions, done func([]companion.Flushed, error)) {
	comp := w.companion()
	if comp == nil {
		return
	}
	if done != nil {
		w.portal.waiters = append(w.portal.waiters, done)
	}
	if w.portal.flushing {
		return
	}
	w.portal.flushing = true
	v := w.vault
	var res []companion.Flushed
	var err error
	w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), portalBudget)
		defer cancel()
		res, err = comp.Flush(ctx, opts)
	}, func() {
		w.portal.flushing = false
		waiters := w.portal.waiters
		w.portal.waiters = nil
		if w.vault != v {
			return // locked meanwhile: the results belong to no view
		}
		if w.list != nil {
			w.list.reload()
		}
		dialogOpen := map[string]bool{}
		for key := range w.portal.open {
			if d, ok := key.(*recoveryDialog); ok {
				dialogOpen[d.id] = true
			}
		}
		for _, f := range res {
			if f.Err == nil && !dialogOpen[f.Account.ID] && w.list != nil {
				w.list.toast.show("Recovery request for " + f.Account.Label() + " sent: \"Ask admin for recovery link…\" shows the phrase")
			}
		}
		for _, wait := range waiters {
			wait(res, err)
		}
		w.planQueue()
	})
}

// closePortal ends every portal view and the companion: the vault is being
// locked or the window closed.
func (w *Window) closePortal() {
	if w.portal.queue != nil {
		w.portal.queue()
		w.portal.queue = nil
	}
	w.portal.waiters = nil
	open := w.portal.open
	w.portal.open = nil
	for _, closeFn := range open {
		closeFn()
	}
	if w.portal.comp != nil {
		w.portal.comp.Close()
	}
	w.portal.comp, w.portal.v = nil, nil
}

// linked reports whether a has a portal binding.
func linked(a vault.Account) bool { return a.Portal != nil && a.Portal.URL != "" }

// errorSentence is err as one sentence for a dialog: what went wrong in
// words a user acts on (companion.Classify tells what it was). The portal's
// own messages are sanitised by the client and never hold a secret;
// neither do the client's errors, which name URLs without tokens.
func errorSentence(err error) string {
	if err == nil {
		return ""
	}
	f := companion.Classify(err)
	switch f.Kind {
	case companion.Cancelled:
		return "Cancelled."
	case companion.PinChanged:
		return "The portal's certificate changed since you trusted it: ask your admin before linking the account again."
	case companion.CertName:
		return "The portal's certificate is not valid for its address: ask your admin."
	case companion.CertExpired:
		return "The portal's certificate has expired or is not valid yet: ask your admin."
	case companion.CertUntrusted:
		return "The portal's certificate is not trusted on this computer: use \"Link to portal…\" to check and trust it."
	case companion.Refused:
		return refusalSentence(f.API)
	case companion.TimedOut:
		return "The portal did not answer in time: check the network and try again."
	case companion.Unreachable:
		return "The portal could not be reached: check the network and try again."
	}
	return sentenceOf(err.Error())
}

// refusalSentence words the portal's answer by its status.
func refusalSentence(e *api.APIError) string {
	switch e.Status {
	case 401:
		return "The portal did not accept the sign-in" + portalReason(e)
	case 403:
		return "The portal refused" + portalReason(e)
	case 404:
		return "The portal does not know this request any more" + portalReason(e)
	case 410:
		return "The link was already used, replaced or has expired: ask for a new one."
	case 429:
		return "The portal is busy with too many requests: try again in a few minutes."
	}
	if e.Status >= 500 {
		return "The portal has a problem of its own (" + fmt.Sprint(e.Status) + "): try again later."
	}
	return "The portal refused" + portalReason(e)
}

// portalReason is ": the portal's message." or ".".
func portalReason(e *api.APIError) string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		return "."
	}
	return ": " + strings.TrimRight(msg, ".") + "."
}

// sentenceOf makes one sentence of an error text: its first line, with a
// capital and a full stop.
func sentenceOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if s == "" {
		return "Something went wrong."
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	s = string(r)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// errorLabel is the one-sentence error line of a portal dialog.
func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func setError(l *widget.Label, msg string) {
	l.SetText(msg)
	l.Importance = widget.DangerImportance
	l.Show()
	l.Refresh()
}

func setNote(l *widget.Label, msg string) {
	l.SetText(msg)
	l.Importance = widget.MediumImportance
	l.Show()
	l.Refresh()
}

// dialogLine is the one-sentence line of a dialog. Fyne sizes a dialog
// when it shows, so a line that appears or grows later refits it.
type dialogLine struct {
	label *widget.Label
	refit func()
}

func newDialogLine() *dialogLine { return &dialogLine{label: errorLabel(), refit: func() {}} }

// fitTo makes the line refit d, width wide, and content, when it changes.
func (l *dialogLine) fitTo(d dialog.Dialog, content *fyne.Container, width float32) {
	l.refit = func() {
		content.Refresh()
		d.Resize(fyne.NewSize(width, 0))
	}
}

func (l *dialogLine) fail(msg string) { setError(l.label, msg); l.refit() }
func (l *dialogLine) note(msg string) { setNote(l.label, msg); l.refit() }

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
	intro := wrapped("Link " + a.Label() + " to its team portal to ask its admins for a recovery link from here, and to check the clock against the portal's.")
	status := newDialogLine()
	form := widget.NewForm(widget.NewFormItem("Portal address", url), widget.NewFormItem("Your e-mail there", email))
	content := container.NewVBox(intro, form, status.label)
	if linked(a) && a.Portal.Recovery != nil {
		content.Add(wrapped("Linking it to another portal drops its recovery request."))
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
			status.fail(sentenceOf(err.Error()))
			return
		}
		addr, err := companion.CheckEmail(email.Text)
		if err != nil {
			status.fail(sentenceOf(err.Error()))
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
		w.list.toast.show("Linked to " + portalHost(a.Portal.URL))
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
				fail(sentenceOf(err.Error()))
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
		ctx, cancel := context.WithTimeout(context.Background(), portalBudget)
		defer cancel()
		ci, err = comp.Inspect(ctx, canon)
	}, func() {
		switch {
		case err != nil && companion.Offline(err):
			// The binding works offline (a request is queued); the
			// certificate is checked when the portal is first reached.
			save("The portal could not be reached, so its certificate is not checked yet.")
		case err != nil:
			fail(errorSentence(err))
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
	grid := container.New(&formLayout{},
		widget.NewLabel("Fingerprint"), fingerprintLabel(ci.Fingerprint),
		widget.NewLabel("Issued to"), wrapped(ci.Subject),
		widget.NewLabel("Issued by"), wrapped(ci.Issuer),
		widget.NewLabel("Valid"), widget.NewLabel(ci.NotBefore.Local().Format("2 Jan 2006")+" – "+ci.NotAfter.Local().Format("2 Jan 2006")),
	)
	if len(ci.Names) > 0 {
		grid.Add(widget.NewLabel("For"))
		grid.Add(wrapped(strings.Join(ci.Names, ", ")))
	}
	if !ci.Pinnable() {
		why := "it is not valid for " + ci.Host
		if ci.HostError == nil {
			why = "it is outside its validity period"
		}
		content := container.NewVBox(wrapped(ci.Origin+" presents a certificate that cannot be trusted: "+why+". Ask your admin to fix the portal's certificate."), grid)
		d := dialog.NewCustom("Certificate cannot be trusted", "Close", content, w.win)
		d.SetOnClosed(func() { fail("Nothing was linked: the portal's certificate cannot be trusted.") })
		d.Resize(fyne.NewSize(min(560, w.win.Canvas().Size().Width-20), 0))
		d.Show()
		return
	}
	intro := wrapped(ci.Origin + " presents a certificate that no authority on this computer vouches for: it is self-signed or from a private CA. " +
		"Trust it only if its fingerprint is the one your admin gave you.")
	content := container.NewVBox(intro)
	if old, ok := companion.TrustFor(w.vault.Settings(), ci.Origin); ok && old.SHA256 != ci.Fingerprint.String() {
		warn := wrapped("You trusted a different certificate for this portal on " + old.TrustedAt.Local().Format("2 Jan 2006") +
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
				status.fail(sentenceOf(err.Error()))
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
		dialog.ShowInformation("Not a valid portal link", sentenceOf(strings.TrimPrefix(err.Error(), companion.ErrInvalidLink.Error()+": ")), w.win)
		return
	}
	comp := w.companion()
	p, err := comp.Propose(req)
	if err != nil {
		dialog.ShowInformation("Nothing to link", sentenceOf(err.Error()), w.win)
		return
	}
	if p.Unchanged {
		dialog.ShowInformation("Already linked", p.Account.Label()+" is already linked to "+p.Current.URL+" as "+p.Current.Email+".", w.win)
		return
	}
	rows := container.NewVBox(
		wrapped("A web page asks Latchkey to link an account to a team portal. Link it only if you opened the portal's page yourself."),
		container.New(&formLayout{},
			widget.NewLabel("Account"), wrapped(p.Account.Label()),
			widget.NewLabel("Portal"), wrapped(req.Portal),
			widget.NewLabel("E-mail"), wrapped(req.Email)),
	)
	if p.Replaces {
		what := "It is linked to " + p.Current.URL + " now; that link"
		if p.Current.Recovery != nil {
			what += " and its recovery request"
		}
		warn := wrapped(what + " would be replaced.")
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

// formLayout lays out label–value pairs in two columns, the labels as
// wide as the widest, the values taking the rest: widget.Form's look
// without its entry-sized rows, for read-only facts.
type formLayout struct{}

func (formLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	lw, vw, h := formColumns(objects)
	pad := theme.Padding()
	rows := (len(objects) + 1) / 2
	return fyne.NewSize(lw+pad+vw, h+pad*float32(max(rows-1, 0)))
}

func (formLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	lw, _, _ := formColumns(objects)
	pad := theme.Padding()
	y := float32(0)
	for i := 0; i+1 < len(objects); i += 2 {
		label, value := objects[i], objects[i+1]
		vw := max(size.Width-lw-pad, 0)
		value.Resize(fyne.NewSize(vw, value.MinSize().Height))
		rh := max(label.MinSize().Height, value.MinSize().Height)
		label.Move(fyne.NewPos(0, y))
		label.Resize(fyne.NewSize(lw, label.MinSize().Height))
		value.Move(fyne.NewPos(lw+pad, y))
		value.Resize(fyne.NewSize(vw, rh))
		y += rh + pad
	}
}

// formColumns is the label column's width, the widest value and the
// height of all rows.
func formColumns(objects []fyne.CanvasObject) (lw, vw, h float32) {
	for i := 0; i+1 < len(objects); i += 2 {
		l, v := objects[i].MinSize(), objects[i+1].MinSize()
		lw, vw = max(lw, l.Width), max(vw, v.Width)
		h += max(l.Height, v.Height)
	}
	return lw, vw, h
}
