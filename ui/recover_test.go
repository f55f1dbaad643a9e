package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

var recoverEpoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// recoverEnv is a window over a vault with ann's account, linked to a
// real portal where ann and the admin ada are enrolled.
type recoverEnv struct {
	*env
	p     *testPortal
	clk   *portalClock
	ada   store.User
	w     *Window
	admin string // ada's session token, for the test's own decisions
}

func newRecoverEnv(t *testing.T, mod func(*portal.Options)) *recoverEnv {
	e := newEnv(t, recoverEpoch)
	clk := newPortalClock(e)
	p := newTestPortal(t, clk.now, "", mod)
	acme := p.tenant("Acme", 0)
	r := &recoverEnv{env: e, p: p, clk: clk}
	r.ada = p.user(acme.ID, "ada@acme.example", "Ada Admin", store.RoleAdmin, adaSecret)
	p.user(acme.ID, "ann@acme.example", "Ann", store.RoleTechnician, annSecret)
	e.withAccounts(linkedAccount("ann", "ann@acme.example", annSecret, p.URL))
	r.w = e.open()
	r.admin = p.session(r.ada, e.sched.Now)
	return r
}

// stored is ann's request as the vault holds it.
func (r *recoverEnv) stored() *vault.RecoveryRequest {
	r.t.Helper()
	return r.vaultAccounts()[0].Portal.Recovery
}

// ask opens the dialog and sends a request with msg and ann's portal
// password, so the link comes to the app.
func (r *recoverEnv) ask(msg string) { r.askWith(msg, portalPassword) }

// askWith opens the dialog and sends a request with msg and password
// ("": none, so the link goes by e-mail).
func (r *recoverEnv) askWith(msg, password string) {
	r.t.Helper()
	r.w.list.showRecovery(r.w.list.shown[0])
	var entry *widget.Entry
	for _, o := range overlays(r.w) {
		for _, en := range findAll[*widget.Entry](r.t, o) {
			if en.MultiLine {
				entry = en
			}
		}
	}
	if entry == nil {
		r.t.Fatalf("no message entry; the dialog shows %q", texts(r.t, overlays(r.w)...))
	}
	test.Type(entry, msg)
	if password != "" {
		r.typePassword(password)
	}
	test.Tap(button(r.t, r.w, "Send request"))
}

// typePassword types password into the dialog's portal password field.
func (r *recoverEnv) typePassword(password string) {
	r.t.Helper()
	for _, o := range overlays(r.w) {
		for _, en := range findAll[*widget.Entry](r.t, o) {
			if en.Password && strings.HasPrefix(en.PlaceHolder, "Your password at") {
				test.Type(en, password)
				return
			}
		}
	}
	r.t.Fatalf("no password field; the dialog shows %q", texts(r.t, overlays(r.w)...))
}

func (r *recoverEnv) shows(want string) bool { return showsText(r.t, want, everything(r.w)...) }

func TestRecoverRequestApprovedReenrol(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.ask("lost my phone")
	req := r.stored()
	if req == nil || req.State != vault.RecoverySent || req.Phrase == "" {
		t.Fatalf("after sending, the vault holds %v", req)
	}
	if !r.shows(req.Phrase) || !r.shows("Waiting for an admin") {
		t.Fatalf("the phrase or the state is not shown: %q", texts(t, overlays(r.w)...))
	}
	noSecretIn(t, "the dialog", texts(t, everything(r.w)...), req.PollToken)
	r.clk.sync()
	item := r.p.onlyRequest(r.admin)
	if item.Message != "lost my phone" || item.Email != "ann@acme.example" {
		t.Errorf("the admins see %q from %q", item.Message, item.Email)
	}
	if _, err := r.p.client().Approve(context.Background(), r.admin, item.ID, strings.ToUpper(req.Phrase)); err != nil {
		t.Fatal(err)
	}
	r.sched.Advance(companion.PollFirst + time.Second) // the dialog's next poll
	if !r.shows("The recovery link arrived") {
		t.Fatalf("the delivered link is not shown: %q", texts(t, overlays(r.w)...))
	}
	buttonIn(t, "Open in browser", overlays(r.w)...)
	noSecretIn(t, "the dialog", texts(t, everything(r.w)...), r.stored().Link, req.PollToken)
	test.Tap(button(t, r.w, "Open in browser"))
	if !r.shows("opened in your browser") {
		t.Errorf("opening the link in the browser is not confirmed: %q", texts(t, overlays(r.w)...))
	}
	test.Tap(button(t, r.w, "Re-enrol now"))
	if !r.shows("Type your portal password") {
		t.Fatalf("re-enrolling without the password is not refused: %q", texts(t, overlays(r.w)...))
	}
	r.typePassword(portalPassword)
	test.Tap(button(t, r.w, "Re-enrol now"))

	got := r.vaultAccounts()[0]
	if got.Secret == annSecret || got.Portal == nil || got.Portal.Recovery != nil || got.BackupCodesLeft() == 0 || got.RecoveryCode == "" {
		t.Fatalf("after re-enrolling: secret replaced %v, request %v, %d codes left, recovery code %v",
			got.Secret != annSecret, got.Portal.Recovery, got.BackupCodesLeft(), got.RecoveryCode != "")
	}
	if got.ID != "ann" || got.Name != "ann@acme.example" {
		t.Errorf("the entry changed identity: %s %s", got.ID, got.Name)
	}
	var fresh string
	for _, c := range got.BackupCodes {
		if c.UsedAt == nil && c.RetiredAt == nil && !c.FromPreviousSetup {
			fresh = c.Code
		}
	}
	if !r.shows("set up again") || !r.shows(fresh) || !r.shows(got.RecoveryCode) {
		t.Fatalf("the new codes are not shown: %q", texts(t, overlays(r.w)...))
	}
	done := button(t, r.w, "Done")
	if !done.Disabled() {
		t.Error("Done is enabled before the user confirmed a copy of the codes")
	}
	for _, c := range findAll[*widget.Check](t, overlays(r.w)[0]) {
		if strings.HasPrefix(c.Text, "I saved a copy") {
			test.Tap(c)
		}
	}
	if done.Disabled() {
		t.Fatal("Done stays disabled after confirming")
	}
	test.Tap(done)
	if len(overlays(r.w)) != 0 {
		t.Error("the dialog stays open after Done")
	}
}

// Without the password the link goes to the mailbox only: the dialog says
// so, and re-enrolling with the pasted link asks for the password.
func TestRecoverWithoutPasswordLinkByEmail(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.askWith("", "")
	req := r.stored()
	if req == nil || req.LinkTo != api.LinkToEmail || !r.shows("goes by e-mail to ann@acme.example") {
		t.Fatalf("the dialog does not say the link goes by e-mail: %v %q", req, texts(t, overlays(r.w)...))
	}
	r.clk.sync()
	item := r.p.onlyRequest(r.admin)
	if _, err := r.p.client().Approve(context.Background(), r.admin, item.ID, req.Phrase); err != nil {
		t.Fatal(err)
	}
	r.sched.Advance(companion.PollFirst + time.Second)
	if !r.shows("The recovery link was e-mailed to ann@acme.example") || r.stored().Link != "" {
		t.Fatalf("the app holds the link of a request without the password: %q", texts(t, overlays(r.w)...))
	}
	mails := r.p.Outbox.To("ann@acme.example")
	link := regexp.MustCompile(`https?://\S+/recover/link\?token=\S+`).FindString(mails[len(mails)-1].Text)
	var pasted *widget.Entry
	for _, en := range findAll[*widget.Entry](t, overlays(r.w)[0]) {
		if en.PlaceHolder == "Paste the link from the e-mail" {
			pasted = en
		}
	}
	if link == "" || pasted == nil {
		t.Fatalf("no link mailed (%q) or no field to paste it", link)
	}
	test.Type(pasted, link)
	test.Tap(button(t, r.w, "Re-enrol with this link"))
	if !r.shows("Type your portal password too") {
		t.Fatalf("the link was used without the password: %q", texts(t, overlays(r.w)...))
	}
	r.typePassword("not the password")
	test.Tap(button(t, r.w, "Re-enrol with this link"))
	if !r.shows("The portal refused the password") {
		t.Fatalf("a wrong password is not explained: %q", texts(t, overlays(r.w)...))
	}
	if got := r.vaultAccounts()[0]; got.Secret != annSecret {
		t.Fatal("a wrong password changed the account")
	}
}

func TestRecoverOfflineQueuedThenSent(t *testing.T) {
	e := newEnv(t, recoverEpoch)
	clk := newPortalClock(e)
	addr := freeAddr(t)
	e.withAccounts(linkedAccount("ann", "ann@acme.example", annSecret, "http://"+addr))
	w := e.open()
	w.portal.client = lksync.Options{Timeout: 2 * time.Second, MaxAttempts: 1}
	r := &recoverEnv{env: e, w: w}
	r.ask("")
	if req := r.stored(); req == nil || req.State != vault.RecoveryQueued {
		t.Fatalf("offline, the vault holds %v", req)
	}
	if !r.shows("Not sent yet") || !r.shows("will be sent when the network returns") {
		t.Fatalf("the queued request is not explained: %q", texts(t, overlays(w)...))
	}
	buttonIn(t, "Try now", overlays(w)...)

	// The network returns: the portal comes up where it was down.
	p := newTestPortal(t, clk.now, addr, nil)
	p.user(p.tenant("Acme", 0).ID, "ann@acme.example", "Ann", store.RoleTechnician, annSecret)
	e.sched.Advance(companion.DefaultRetryBase + time.Second)
	req := r.stored()
	if req.State != vault.RecoverySent || req.Phrase == "" {
		t.Fatalf("once the portal is back, the vault holds %v", req)
	}
	if !r.shows(req.Phrase) {
		t.Fatalf("the phrase is not shown once sent: %q", texts(t, overlays(w)...))
	}
}

func TestRecoverDenied(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.ask("")
	r.clk.sync()
	item := r.p.onlyRequest(r.admin)
	if _, err := r.p.client().Deny(context.Background(), r.admin, item.ID, "call me first"); err != nil {
		t.Fatal(err)
	}
	r.sched.Advance(companion.PollFirst + time.Second)
	if !r.shows("An admin denied your last request") {
		t.Fatalf("the denial is not shown: %q", texts(t, overlays(r.w)...))
	}
	buttonIn(t, "Send request", overlays(r.w)...) // asking again is offered
}

func TestRecoverExpired(t *testing.T) {
	r := newRecoverEnv(t, func(o *portal.Options) { o.RecoveryRequestTTL = 2 * time.Minute })
	r.ask("")
	r.sched.Advance(3 * time.Minute)
	if !r.shows("Your last request expired") {
		t.Fatalf("the expiry is not shown: %q", texts(t, overlays(r.w)...))
	}
	buttonIn(t, "Send request", overlays(r.w)...)
}

// A request whose expiry passed by this computer's clock is asked about
// once more (companion.Followed): with this clock a minute ahead of the
// portal's, an admin approved in the request's last minute, after the
// dialog's last poll, and the link still arrives. The dialog used to stop
// at the local expiry and show the request as expired for good.
func TestRecoverAskedOncePastLocalExpiry(t *testing.T) {
	r := newRecoverEnv(t, func(o *portal.Options) { o.RecoveryRequestTTL = 2 * time.Minute })
	r.clk.lag.Store(int64(time.Minute))
	r.ask("")
	r.sched.Advance(48 * time.Second) // polls at 10, 25 and 47.5 s: pending
	r.clk.sync()
	item := r.p.onlyRequest(r.admin)
	if _, err := r.p.client().Approve(context.Background(), r.admin, item.ID, r.stored().Phrase); err != nil {
		t.Fatal(err)
	}
	r.sched.Advance(35 * time.Second) // the next round, at 81 s, is past the expiry by this clock
	if !r.shows("Your last request expired") {
		t.Fatalf("past its expiry the request is not shown as expired: %q", texts(t, overlays(r.w)...))
	}
	r.sched.Advance(companion.PollFirst + time.Second)
	if !r.shows("The recovery link arrived") {
		t.Fatalf("the approval after the last poll is lost: %v", r.stored())
	}
}

// The dialog polls every ~10 s while nothing changes, then less often.
func TestRecoverPollingBacksOff(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.ask("")
	d := r.dialog()
	var waits []time.Duration
	for range 6 {
		waits = append(waits, d.pace.Wait())
		r.sched.Advance(d.pace.Wait())
	}
	if waits[0] != companion.PollFirst || waits[len(waits)-1] <= companion.PollFirst || waits[len(waits)-1] > companion.PollMax {
		t.Errorf("poll intervals %v: want %v first, growing up to %v", waits, companion.PollFirst, companion.PollMax)
	}
	d.dlg.Hide()
	if d.timer != nil || !d.closed {
		t.Error("closing the dialog left its poll planned")
	}
}

func (r *recoverEnv) dialog() *recoveryDialog {
	r.t.Helper()
	for key := range r.w.portal.open {
		if d, ok := key.(*recoveryDialog); ok {
			return d
		}
	}
	r.t.Fatal("no recovery dialog is open")
	return nil
}

func TestRecoverErrorIsOneSentence(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.w.list.showRecovery(r.w.list.shown[0])
	for _, o := range overlays(r.w) {
		for _, en := range findAll[*widget.Entry](t, o) {
			if en.MultiLine {
				en.SetText(strings.Repeat("x", api.MaxRecoveryMessageRunes+1))
			}
		}
	}
	test.Tap(button(t, r.w, "Send request"))
	if !r.shows("the limit is 1000.") || r.stored() != nil {
		t.Fatalf("an over-long message was not refused in one sentence: %q", texts(t, overlays(r.w)...))
	}
}

// Locking ends the dialog: it shows the phrase.
func TestRecoverDialogEndsOnLock(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.ask("")
	d := r.dialog()
	r.w.Lock()
	if !d.closed || len(overlays(r.w)) != 0 || len(r.w.portal.open) != 0 {
		t.Fatal("the recovery dialog survived the lock")
	}
}

func TestLockedOutGuideAsksAdmin(t *testing.T) {
	r := newRecoverEnv(t, nil)
	r.w.list.showLockedOut(r.w.list.shown[0])
	test.Tap(button(t, r.w, "Ask the portal's admins from here…"))
	if !r.shows("Latchkey asks the admins of") {
		t.Fatalf("the guide's last step did not open the request: %q", texts(t, overlays(r.w)...))
	}
	// Unlinked, the step offers the message only.
	e := newEnv(t, recoverEpoch).withAccounts(withCodes())
	w := e.open()
	w.list.showLockedOut(w.list.shown[0])
	for _, b := range findAll[*widget.Button](t, overlays(w)[0]) {
		if strings.HasPrefix(b.Text, "Ask the portal") {
			t.Error("an unlinked account is offered the portal's admins")
		}
	}
}

// A queued request goes out when the portal is back although the dialog
// was closed, and the user is told where the phrase is.
func TestRecoverQueueSendsWithDialogClosed(t *testing.T) {
	e := newEnv(t, recoverEpoch)
	clk := newPortalClock(e)
	addr := freeAddr(t)
	e.withAccounts(linkedAccount("ann", "ann@acme.example", annSecret, "http://"+addr))
	w := e.open()
	w.portal.client = lksync.Options{Timeout: 2 * time.Second, MaxAttempts: 1}
	r := &recoverEnv{env: e, w: w}
	r.ask("")
	test.Tap(button(t, w, "Close"))
	newTestPortal(t, clk.now, addr, nil)
	e.sched.Advance(companion.DefaultRetryBase + time.Second)
	if req := r.stored(); req.State != vault.RecoverySent {
		t.Fatalf("with the dialog closed, the queued request stays %v", req)
	}
	if !hasText(t, w, "shows the phrase") {
		t.Error("the background send is not reported")
	}
}

// A request queued before a restart is sent after unlocking.
func TestRecoverQueueAfterRestart(t *testing.T) {
	e := newEnv(t, recoverEpoch)
	p := newTestPortal(t, newPortalClock(e).now, "", nil)
	a := linkedAccount("ann", "ann@acme.example", annSecret, p.URL)
	a.Portal.Recovery = &vault.RecoveryRequest{State: vault.RecoveryQueued, RequestedAt: recoverEpoch.Add(-time.Minute),
		Attempts: 1, NextAttemptAt: recoverEpoch.Add(5 * time.Second)}
	e.withAccounts(a)
	r := &recoverEnv{env: e, w: e.open()}
	if r.stored().State != vault.RecoveryQueued {
		t.Fatal("sent before it fell due")
	}
	e.sched.Advance(6 * time.Second)
	if req := r.stored(); req.State != vault.RecoverySent || req.Phrase == "" {
		t.Fatalf("after unlocking, the queued request stays %v", req)
	}
}
