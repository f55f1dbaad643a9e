package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/vault"
)

// recoverLinkPath is where the portal's page takes a recovery link (the
// e-mailed link's path).
const recoverLinkPath = "/recover/link"

// recoveryDialog is "Ask admin for recovery link": it sends a request,
// shows the verification phrase to read to the admin, follows the
// request's state while open (polling through the Scheduler), and once
// the link arrives re-enrols the account and shows its new codes.
type recoveryDialog struct {
	l  *accountList
	w  *Window
	id string

	dlg     *dialog.CustomDialog
	body    *fyne.Container // box, status and checked
	scroll  *container.Scroll
	box     *fyne.Container
	status  *widget.Label // one sentence: an error or a note
	checked *widget.Label

	ctx     context.Context // ends when the dialog closes
	cancel  context.CancelFunc
	closed  bool
	busy    bool
	untrack func()
	timer   func() // cancels the next poll
	pace    companion.PollPace
	shown   vault.RecoveryState
	// done is set once re-enrolment finished: the dialog shows the new
	// codes until the user confirms they kept a copy.
	done *companion.Completed
}

// showRecovery opens the recovery dialog of account a (which is linked);
// one already open stays as it is, on top of the window.
func (l *accountList) showRecovery(a vault.Account) {
	w := l.w
	for key := range w.portal.open {
		if open, ok := key.(*recoveryDialog); ok && open.id == a.ID {
			return // already open, on top of the window
		}
	}
	d := &recoveryDialog{l: l, w: w, id: a.ID}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.box = container.NewVBox()
	d.status = kit.ErrorLabel()
	d.checked = widget.NewLabel("")
	d.checked.Importance = widget.LowImportance
	d.checked.Hide()
	d.body = container.NewVBox(d.box, d.status, d.checked)
	d.scroll = container.NewVScroll(d.body)
	d.dlg = dialog.NewCustomWithoutButtons("Ask an admin for a recovery link", d.scroll, w.win)
	d.dlg.SetOnClosed(d.ended)
	d.untrack = w.track(d, d.dlg.Hide)
	d.render()
	d.dlg.Show()
	d.fit()
	var wait time.Duration
	if _, r, ok := d.current(); ok {
		if !r.CheckedAt.IsZero() {
			d.stampAt(r.CheckedAt)
		}
		wait = companion.FirstPoll(r, w.now())
	}
	d.schedule(wait)
}

func (d *recoveryDialog) ended() {
	if d.closed {
		return
	}
	d.closed = true
	d.cancel()
	if d.timer != nil {
		d.timer()
		d.timer = nil
	}
	d.untrack()
}

// current is the account and its request as the vault holds them now.
func (d *recoveryDialog) current() (vault.Account, vault.RecoveryRequest, bool) {
	if d.w.vault == nil {
		return vault.Account{}, vault.RecoveryRequest{}, false
	}
	doc := d.w.vault.Document()
	a, ok := doc.Account(d.id)
	if !ok || a.Portal == nil {
		return vault.Account{}, vault.RecoveryRequest{}, false
	}
	if a.Portal.Recovery == nil {
		return *a, vault.RecoveryRequest{}, true
	}
	return *a, *a.Portal.Recovery, true
}

// state is the request's state as shown; "" for none.
func (d *recoveryDialog) state(r vault.RecoveryRequest) vault.RecoveryState {
	if r.State == "" {
		return ""
	}
	return companion.State(r, d.w.now())
}

// render rebuilds the dialog for the request's state now.
func (d *recoveryDialog) render() {
	d.box.RemoveAll()
	if d.done != nil {
		d.renderCodes()
		d.fit()
		return
	}
	a, r, ok := d.current()
	if !ok {
		d.box.Add(kit.Wrapped("This account is no longer linked to a portal."))
		d.setButtons(widget.NewButton("Close", d.dlg.Hide))
		d.fit()
		return
	}
	state := d.state(r)
	d.shown = state
	host := kit.PortalHost(a.Portal.URL)
	switch state {
	case "", vault.RecoveryFailed, companion.StateDenied, companion.StateExpired, companion.StateCompleted,
		companion.StateLinkExpired, companion.StateEnrolmentLapsed:
		d.renderAsk(a, r, state, host)
	case vault.RecoveryQueued:
		d.renderQueued(r)
	case vault.RecoverySent, companion.StateForwarded, companion.StateApproved:
		d.renderWaiting(a, r, state, host)
	case companion.StateLinkEmailed:
		d.renderEmailed(a)
	case companion.StateLinkDelivered, vault.RecoveryEnrolling:
		d.renderLink(a, r, state)
	default:
		d.box.Add(kit.Wrapped("The request is " + string(state) + "."))
		d.setButtons(widget.NewButton("Close", d.dlg.Hide))
	}
	d.fit()
}

// fit sizes the dialog to what it shows, up to most of the window; more
// scrolls. Wrapped lines know their height only once laid out at the
// dialog's width, hence the second pass.
func (d *recoveryDialog) fit() {
	size := d.w.win.Canvas().Size()
	width := min(560, size.Width-20)
	tallest := max(min(600, size.Height-40)-150, 120) // less the title and buttons
	for range 2 {
		d.body.Refresh()
		d.scroll.SetMinSize(fyne.NewSize(0, min(d.body.MinSize().Height, tallest)))
		d.dlg.Resize(fyne.NewSize(width, 0))
	}
}

func (d *recoveryDialog) setButtons(bs ...fyne.CanvasObject) { d.dlg.SetButtons(bs) }

// renderAsk offers a new request, saying what became of the last one.
func (d *recoveryDialog) renderAsk(a vault.Account, r vault.RecoveryRequest, state vault.RecoveryState, host string) {
	if before := pastOutcome(r, state); before != "" {
		l := kit.Wrapped(before)
		l.Importance = widget.WarningImportance
		d.box.Add(l)
	}
	d.box.Add(kit.Wrapped(fmt.Sprintf("Latchkey asks the admins of %s for a one-time link to set up two-factor sign-in again for %s. "+
		"You get a phrase to read to the admin who calls you; they approve only when it matches.", host, a.Portal.Email)))
	msg := widget.NewMultiLineEntry()
	msg.SetPlaceHolder("Optional: a note for the admin, e.g. \"lost my phone, call me on my desk number\"")
	msg.SetMinRowsVisible(3)
	msg.Wrapping = fyne.TextWrapWord
	d.box.Add(msg)
	password := widget.NewPasswordEntry()
	password.SetPlaceHolder("Your password at " + host + " (optional)")
	d.box.Add(password)
	hint := kit.Wrapped("With your password, the approved link comes straight to Latchkey. Without it, the link is e-mailed to " + a.Portal.Email + ".")
	hint.TextStyle.Italic = true // low importance would read as disabled in the light theme
	d.box.Add(hint)
	var send *widget.Button
	send = widget.NewButtonWithIcon("Send request", theme.MailSendIcon(), func() { d.send(msg.Text, password.Text, r.State != "", send) })
	send.Importance = widget.HighImportance
	d.setButtons(widget.NewButton("Close", d.dlg.Hide), send)
}

// pastOutcome says what became of a finished request, or "".
func pastOutcome(r vault.RecoveryRequest, state vault.RecoveryState) string {
	switch state {
	case vault.RecoveryFailed:
		why := strings.TrimSpace(r.LastError)
		if why == "" {
			return "The portal refused your last request."
		}
		return "The portal refused your last request: " + strings.TrimRight(why, ".") + "."
	case companion.StateDenied:
		return "An admin denied your last request. Talk to them before asking again."
	case companion.StateExpired:
		return "Your last request expired before an admin decided."
	case companion.StateCompleted:
		return "The recovery link of your last request was used."
	case companion.StateLinkExpired:
		return "The recovery link expired before it was used."
	case companion.StateEnrolmentLapsed:
		return "Setting up the new authenticator took too long and the portal ended it."
	}
	return ""
}

func (d *recoveryDialog) send(message, password string, replace bool, btn *widget.Button) {
	if _, err := companion.CheckMessage(message); err != nil {
		d.fail(kit.SentenceOf(err.Error()))
		return
	}
	comp := d.w.companion()
	if comp == nil {
		return
	}
	btn.Disable()
	d.note("Sending the request…")
	var out companion.Outcome
	var err error
	d.busy = true
	d.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(d.ctx, kit.PortalBudget)
		defer cancel()
		out, err = comp.RequestRecovery(ctx, d.id, companion.RequestOptions{Message: message, Replace: replace, Password: password})
	}, func() {
		d.busy = false
		if d.closed {
			return
		}
		d.reloadList()
		if err != nil && out.Request.Phrase == "" {
			btn.Enable()
			d.fail(kit.ErrorSentence(err))
			return
		}
		d.quiet()
		if out.Queued != nil {
			d.w.planQueue()
		}
		if err != nil {
			// Sent, but the vault could not keep it: the phrase is shown
			// from the answer, and following it up needs a new request.
			d.fail("The request was sent but the vault could not save it: read the phrase below to your admin, and keep this dialog open.")
			d.box.RemoveAll()
			d.box.Add(phraseBlock(out.Request.Phrase))
			d.setButtons(widget.NewButton("Close", d.dlg.Hide))
			return
		}
		d.pace.Reset()
		d.render()
		d.schedule(d.pace.Wait())
	})
}

// renderQueued shows a request waiting for the network.
func (d *recoveryDialog) renderQueued(r vault.RecoveryRequest) {
	head := widget.NewLabelWithStyle("Not sent yet: the portal cannot be reached", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	d.box.Add(head)
	text := "The request is kept in your vault and will be sent when the network returns, even if you close this dialog."
	if !r.NextAttemptAt.IsZero() {
		text += " Next try at " + r.NextAttemptAt.Local().Format("15:04") + "."
	}
	d.box.Add(kit.Wrapped(text))
	if why := strings.TrimSpace(r.LastError); why != "" {
		l := kit.Wrapped("Last try: " + lastTry(why))
		l.Importance = widget.LowImportance
		d.box.Add(l)
	}
	var now *widget.Button
	now = widget.NewButtonWithIcon("Try now", theme.ViewRefreshIcon(), func() {
		now.Disable()
		d.flush(true)
	})
	d.setButtons(widget.NewButton("Close", d.dlg.Hide), now)
}

// lastTry shortens a stored failure for display: the cause after the
// URL a client error names.
func lastTry(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	return kit.SentenceOf(s)
}

// renderWaiting shows the phrase to read to the admin, and where the
// request stands.
func (d *recoveryDialog) renderWaiting(a vault.Account, r vault.RecoveryRequest, state vault.RecoveryState, host string) {
	d.box.Add(kit.Wrapped("Read this phrase to the admin of " + host + " when you talk on the phone. Only an admin who hears it can approve the request."))
	d.box.Add(phraseBlock(r.Phrase))
	var line string
	icon := theme.MoreHorizontalIcon()
	switch state {
	case companion.StateForwarded:
		line = "Forwarded to platform support: they decide now."
	case companion.StateApproved:
		line = "Approved: the recovery link is on its way."
		icon = theme.ConfirmIcon()
	default:
		line = "Sent. Waiting for an admin to decide."
	}
	if state != companion.StateApproved && !r.ExpiresAt.IsZero() {
		line = strings.TrimSuffix(line, ".") + "; the request expires at " + r.ExpiresAt.Local().Format("15:04 on 2 Jan") + "."
	}
	d.box.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, kit.Wrapped(line)))
	where := "the link then comes here."
	if r.LinkTo != api.LinkToApp {
		where = "the link then goes by e-mail to " + a.Portal.Email + "."
	}
	note := kit.Wrapped("Latchkey checks for the admin's answer while this dialog is open; " + where)
	note.TextStyle.Italic = true
	d.box.Add(note)
	check := widget.NewButtonWithIcon("Check now", theme.ViewRefreshIcon(), func() { d.pollNow() })
	d.setButtons(widget.NewButton("Close", d.dlg.Hide), check)
}

// renderEmailed: the link was issued but reached only the mailbox.
func (d *recoveryDialog) renderEmailed(a vault.Account) {
	d.box.Add(kit.Wrapped("An admin approved. The recovery link was e-mailed to " + a.Portal.Email + ": paste it here to set up the new authenticator in Latchkey, or open it in your browser."))
	d.pasteRow()
	d.setButtons(widget.NewButton("Close", d.dlg.Hide))
}

// pasteRow takes a link pasted from the e-mail, and the password it
// needs, and completes with them.
func (d *recoveryDialog) pasteRow() {
	pasted := widget.NewPasswordEntry() // the link is a secret: shown as dots
	pasted.SetPlaceHolder("Paste the link from the e-mail")
	password := d.passwordEntry()
	var use *widget.Button
	use = widget.NewButton("Re-enrol with this link", func() {
		if strings.TrimSpace(pasted.Text) == "" {
			d.fail("Paste the link from the e-mail first.")
			return
		}
		if password.Text == "" {
			d.fail("Type your portal password too: the link replaces your authenticator, not your password.")
			return
		}
		use.Disable()
		d.complete(pasted.Text, password.Text, func() { use.Enable() })
	})
	d.box.Add(pasted)
	d.box.Add(container.NewBorder(nil, nil, nil, use, password))
}

// passwordEntry is the portal password field that redeeming a link needs.
func (d *recoveryDialog) passwordEntry() *widget.Entry {
	e := widget.NewPasswordEntry()
	host := "the portal"
	if a, _, ok := d.current(); ok && a.Portal != nil {
		host = kit.PortalHost(a.Portal.URL)
	}
	e.SetPlaceHolder("Your password at " + host)
	return e
}

// renderLink: the link is here (or re-enrolment was interrupted).
func (d *recoveryDialog) renderLink(a vault.Account, r vault.RecoveryRequest, state vault.RecoveryState) {
	head := widget.NewLabelWithStyle("The recovery link arrived", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := "Re-enrol now to set up the new authenticator here: its secret replaces this entry's, and the new backup codes and recovery code are stored with it."
	if !r.LinkExpiresAt.IsZero() {
		text += " The link works until " + r.LinkExpiresAt.Local().Format("15:04 on 2 Jan") + "."
	}
	if state == vault.RecoveryEnrolling {
		head.SetText("Re-enrolment was interrupted")
		text = "The link was used, but the new authenticator is not confirmed yet. Continue to finish; nothing else needs doing."
	}
	d.box.Add(head)
	d.box.Add(kit.Wrapped(text))
	needs := d.w.companion() != nil && d.w.companion().NeedsPassword(a, false)
	password := d.passwordEntry()
	if needs {
		d.box.Add(password)
	}
	var now *widget.Button
	label := "Re-enrol now"
	if state == vault.RecoveryEnrolling {
		label = "Continue re-enrolment"
	}
	now = widget.NewButtonWithIcon(label, theme.ConfirmIcon(), func() {
		if needs && password.Text == "" {
			d.fail("Type your portal password: the link replaces your authenticator, not your password.")
			return
		}
		now.Disable()
		d.complete("", password.Text, func() { now.Enable() })
	})
	now.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{widget.NewButton("Close", d.dlg.Hide)}
	if state == companion.StateLinkDelivered {
		browser := widget.NewButtonWithIcon("Open in browser", theme.ComputerIcon(), func() { d.openInBrowser(a, r) })
		buttons = append(buttons, browser)
	}
	d.setButtons(append(buttons, now)...)
}

// openInBrowser opens the delivered link on the portal's page instead: the
// user sets up another authenticator app there.
func (d *recoveryDialog) openInBrowser(a vault.Account, r vault.RecoveryRequest) {
	u, err := url.Parse(a.Portal.URL)
	if err != nil || r.Link == "" {
		d.fail("The link cannot be opened: use the one in the e-mail.")
		return
	}
	u.Path = strings.TrimRight(u.Path, "/") + recoverLinkPath
	u.RawQuery = url.Values{"token": {r.Link}}.Encode()
	if err := d.w.app.OpenURL(u); err != nil {
		d.fail("The browser could not be opened: use the link in the e-mail.")
		return
	}
	d.note("The link opened in your browser. Set up the new authenticator there, then add it to Latchkey.")
}

// complete re-enrols the account with the delivered link (or a pasted
// one), off the UI goroutine, and shows the new codes.
func (d *recoveryDialog) complete(pasted, password string, failed func()) {
	comp := d.w.companion()
	if comp == nil {
		return
	}
	d.note("Setting up the new authenticator…")
	var out companion.Completed
	var err error
	d.busy = true
	d.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(d.ctx, kit.PortalBudget)
		defer cancel()
		out, err = comp.CompleteRecovery(ctx, d.id, companion.CompleteOptions{Link: pasted, Password: password})
	}, func() {
		d.busy = false
		if d.closed {
			return
		}
		d.reloadList()
		if err != nil {
			failed()
			d.fail(completeError(err))
			d.render()
			return
		}
		d.done = &out
		d.checked.Hide()
		d.quiet()
		d.render()
	})
}

// completeError is a failed re-enrolment in one sentence.
func completeError(err error) string {
	switch {
	case errors.Is(err, companion.ErrLinkUnusable):
		return "The recovery link no longer works (used, replaced or expired): ask for a new one."
	case errors.Is(err, companion.ErrLinkElsewhere):
		return "That link is from another portal than this account's."
	case errors.Is(err, companion.ErrEnrolmentLapsed):
		return "Setting up the new authenticator took too long and the portal ended it: ask for a new link."
	case errors.Is(err, companion.ErrCodeRefused):
		return "The portal refused the new authenticator's code: check this computer's clock, then continue."
	case errors.Is(err, companion.ErrNoLink):
		return "No recovery link has reached Latchkey yet."
	case errors.Is(err, companion.ErrWrongPassword):
		return "The portal refused the password. The link is still unused: type the right one and try again."
	case errors.Is(err, companion.ErrPasswordNeeded):
		return "Type your portal password: the link replaces your authenticator, not your password."
	}
	return kit.ErrorSentence(err)
}

// renderCodes shows the new codes once re-enrolment finished; the dialog
// closes once the user confirms they keep a copy.
func (d *recoveryDialog) renderCodes() {
	out := d.done
	head := widget.NewLabelWithStyle("Two-factor sign-in is set up again", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.box.Add(head)
	d.box.Add(kit.Wrapped(out.Account.Label() + " now makes the new codes; the old entry's codes no longer work."))
	a := out.Account
	var current []string
	for _, c := range a.BackupCodes {
		if c.UsedAt == nil && c.RetiredAt == nil && !c.FromPreviousSetup {
			current = append(current, c.Code)
		}
	}
	switch {
	case out.CodesLost:
		l := kit.Wrapped("The portal confirmed the new authenticator, but its answer with the new backup codes was lost: generate new codes at the portal.")
		l.Importance = widget.WarningImportance
		d.box.Add(l)
	case out.CodesErr != nil:
		l := kit.Wrapped("The new backup codes could not be stored with the account: " + kit.ErrorSentence(out.CodesErr))
		l.Importance = widget.WarningImportance
		d.box.Add(l)
	case len(current) > 0:
		d.box.Add(kit.Wrapped("Your new backup codes, each good for one sign-in. They are stored in Latchkey; keep a copy elsewhere too (print the sheet from \"Backup codes…\"):"))
		grid := container.NewGridWithColumns(2)
		for _, c := range current {
			grid.Add(widget.NewLabelWithStyle(c, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}))
		}
		d.box.Add(grid)
	}
	if a.RecoveryCode != "" && out.RecoveryCode {
		d.box.Add(widget.NewLabel("Recovery code:"))
		d.box.Add(widget.NewLabelWithStyle(a.RecoveryCode, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}))
	}
	copyBtn := widget.NewButtonWithIcon("Copy the codes", theme.ContentCopyIcon(), func() {
		text := strings.Join(current, "\n")
		if a.RecoveryCode != "" && out.RecoveryCode {
			text += "\n\nRecovery code: " + a.RecoveryCode
		}
		d.l.copyText(text, "New codes copied")
	})
	if len(current) == 0 {
		copyBtn.Hide()
	}
	done := widget.NewButton("Done", d.dlg.Hide)
	done.Importance = widget.HighImportance
	saved := widget.NewCheck("I saved a copy of the new codes", func(on bool) {
		if on {
			done.Enable()
		} else {
			done.Disable()
		}
	})
	if len(current) == 0 && !out.RecoveryCode {
		saved.Hide()
	} else {
		done.Disable()
		d.box.Add(saved)
	}
	d.setButtons(copyBtn, done)
}

// phraseBlock is the verification phrase, large, with a line saying what
// it is for.
func phraseBlock(phrase string) fyne.CanvasObject {
	label := widget.NewLabelWithStyle("Verification phrase", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	return container.NewVBox(label, kit.PhraseText(phrase))
}

func (d *recoveryDialog) reloadList() {
	if d.w.list != nil {
		d.w.list.reload()
	}
}

// schedule plans the next poll after wait (0: now).
func (d *recoveryDialog) schedule(wait time.Duration) {
	if d.closed {
		return
	}
	if d.timer != nil {
		d.timer()
		d.timer = nil
	}
	if wait <= 0 {
		d.tick()
		return
	}
	d.timer = d.w.cfg.scheduler().After(wait, d.tick)
}

// tick is one round of the dialog's polling: a queued request is sent
// when due, a sent one asked about; then the next round is planned.
func (d *recoveryDialog) tick() {
	d.timer = nil
	if d.closed || d.busy {
		return
	}
	_, r, ok := d.current()
	if !ok {
		return
	}
	state := d.state(r)
	if state != d.shown {
		// Changed without the portal: an expiry passed, or another
		// window acted on the request.
		d.after()
		return
	}
	switch {
	case r.State == vault.RecoveryQueued:
		// While the dialog is open the network is tried as often as the
		// portal is polled, not on the queue's slower schedule.
		d.flush(true)
	case companion.Pollable(r):
		d.poll()
	}
}

func (d *recoveryDialog) pollNow() {
	d.pace.Reset()
	d.schedule(0)
}

// flush sends the queued request now (with force even before it falls
// due), through the window's one queue.
func (d *recoveryDialog) flush(force bool) {
	d.busy = true
	d.w.flushRecovery(companion.FlushOptions{Force: force, AccountID: d.id}, func(res []companion.Flushed, err error) {
		d.busy = false
		if d.closed {
			return
		}
		d.stamp()
		var mine *companion.Flushed
		for i := range res {
			if res[i].Account.ID == d.id {
				mine = &res[i]
			}
		}
		switch {
		case err != nil:
			d.fail(kit.ErrorSentence(err))
		case mine != nil && mine.Err != nil && !companion.Offline(mine.Err):
			d.fail(kit.ErrorSentence(mine.Err))
		default:
			d.quiet()
		}
		d.after()
	})
}

// poll asks the portal about the request.
func (d *recoveryDialog) poll() {
	comp := d.w.companion()
	if comp == nil {
		return
	}
	var res companion.Polled
	var err error
	d.busy = true
	d.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(d.ctx, kit.PortalBudget)
		defer cancel()
		res, err = comp.Poll(ctx, d.id)
	}, func() {
		d.busy = false
		if d.closed {
			return
		}
		d.stamp()
		switch {
		case err != nil:
			d.fail(kit.ErrorSentence(err))
			d.pace.Failed()
		case res.Err != nil:
			d.fail(kit.ErrorSentence(res.Err) + " Latchkey tries again in a moment.")
			d.pace.Failed()
		default:
			d.quiet()
		}
		d.after()
	})
}

// after re-renders when the state changed and plans the next round:
// soon after news, less often while nothing changes.
func (d *recoveryDialog) after() {
	_, r, ok := d.current()
	state := d.state(r)
	changed := !ok || state != d.shown
	switch {
	case changed:
		d.pace.Reset()
	case d.status.Hidden:
		d.pace.Quiet()
	}
	if changed || state == vault.RecoveryQueued {
		d.render() // a queued request's next try and last failure change too
	}
	if ok && companion.Followed(r) {
		d.schedule(d.pace.Wait())
	}
}

// stamp says when the portal was last asked: now.
func (d *recoveryDialog) stamp() { d.stampAt(d.w.now()) }

func (d *recoveryDialog) stampAt(t time.Time) {
	d.checked.SetText("Last checked at " + t.Local().Format("15:04:05"))
	d.checked.Show()
	d.fit()
}

// fail shows one sentence saying what went wrong; note one saying what
// goes on; quiet hides it.
func (d *recoveryDialog) fail(msg string) {
	kit.SetError(d.status, msg)
	d.fit()
}

func (d *recoveryDialog) note(msg string) {
	kit.SetNote(d.status, msg)
	d.fit()
}

func (d *recoveryDialog) quiet() {
	d.status.Hide()
	d.fit()
}
