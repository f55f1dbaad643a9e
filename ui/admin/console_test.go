package admin

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/uitest"
)

func TestConsoleTeamAndFilters(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	e.signIn(portalPassword)
	c := e.c
	if c.sess == nil {
		t.Fatalf("not signed in: %q", e.texts())
	}
	if got := e.names(); !slices.Equal(got, []string{"Ada Admin", "Bob Tech", "Carol Reader"}) {
		t.Fatalf("the team list is %v", got)
	}
	if !e.shows("Acme MSP — your tenant") || !e.shows("3 users") {
		t.Errorf("the tenant or the count is not shown: %q", e.texts())
	}
	if e.app.Preferences().String(RolePreference("me")) != "admin" || !Offered(e.app.Preferences(), "me") {
		t.Error("the role of the sign-in is not remembered for the menu")
	}

	test.Type(c.team.search, "bob")
	e.sched.Advance(time.Second) // the search waits for the typing to stop
	if got := e.names(); !slices.Equal(got, []string{"Bob Tech"}) {
		t.Errorf("searching bob lists %v", got)
	}
	c.team.search.SetText("")
	e.sched.Advance(time.Second)
	c.team.role.SetSelected("Read-only")
	if got := e.names(); !slices.Equal(got, []string{"Carol Reader"}) {
		t.Errorf("read-only users: %v", got)
	}
	c.team.role.SetSelected("All roles")
	c.team.status.SetSelected("2FA enrolled")
	if got := e.names(); !slices.Equal(got, []string{"Ada Admin", "Bob Tech"}) {
		t.Errorf("enrolled users: %v", got)
	}
	c.team.status.SetSelected("2FA not enrolled")
	if got := e.names(); !slices.Equal(got, []string{"Carol Reader"}) {
		t.Errorf("users without 2FA: %v", got)
	}
	c.team.status.SetSelected("Any 2FA status")

	// Lock bob, confirmed.
	e.pickUser("Bob Tech")
	test.Tap(e.detailButton(c.team.detail, "Lock account…"))
	if !e.shows("Their sessions end at once") {
		t.Fatal("locking is not confirmed first")
	}
	test.Tap(e.button("Lock"))
	if i := c.team.index(c.team.selected); i < 0 || !c.team.users[i].Locked || !e.shows("is locked") {
		t.Fatal("bob is not shown locked")
	}
	test.Tap(e.detailButton(c.team.detail, "Unlock account"))

	// Bob's address confirmation (off, as seeded) on at once, and off
	// again once confirmed; then a link e-mailed to carol.
	ipCheck := func() *widget.Check {
		for _, ch := range uitest.FindAll[*widget.Check](t, c.team.detail) {
			if strings.HasPrefix(ch.Text, "Confirm sign-ins from new addresses") {
				return ch
			}
		}
		t.Fatal("no address confirmation toggle")
		return nil
	}
	skips := func() bool { return c.team.users[c.team.index(c.team.selected)].SkipIPVerification }
	test.Tap(ipCheck())
	if skips() {
		t.Error("turning address confirmation on did not reach the portal")
	}
	test.Tap(ipCheck())
	if skips() {
		t.Fatal("address confirmation went off without asking")
	}
	test.Tap(e.button("Turn off"))
	if !skips() {
		t.Error("turning address confirmation off did not reach the portal")
	}
	e.pickUser("Carol Reader")
	test.Tap(e.detailButton(c.team.detail, "E-mail a recovery link…"))
	test.Tap(e.button("Yes"))
	if len(e.p.Outbox.To("carol@acme.example")) == 0 || !e.shows("A recovery link was e-mailed to carol@acme.example") {
		t.Errorf("no link e-mailed to carol, or not confirmed: %q", e.texts())
	}

	// Ada's own row: the portal forbids resetting her own 2FA, and says why.
	e.pickUser("Ada Admin")
	reset := e.detailButton(c.team.detail, "Reset two-factor sign-in…")
	if !reset.Disabled() || !uitest.ShowsText(t, "for their own account", c.team.detail) {
		t.Errorf("the own reset is not greyed out with the reason: %q", uitest.Texts(t, c.team.detail))
	}
}

func TestConsoleApprovesWithPhrase(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	e.signIn(portalPassword)
	c := e.c
	e.sched.Publish()
	cl, err := lksync.New(e.p.URL, lksync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := cl.RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "bob@acme.example", Message: "new phone"})
	if err != nil {
		t.Fatal(err)
	}
	test.Tap(uitest.ButtonIn(t, "Refresh", c.win.Content()))
	if len(c.queue.items) != 1 || c.tabs.Items[1].Text != "Recovery requests (1)" {
		t.Fatalf("the queue shows %d requests, tab %q", len(c.queue.items), c.tabs.Items[1].Text)
	}
	c.queue.list.Select(0)
	if !uitest.ShowsText(t, ticket.Phrase, c.queue.detail) || !uitest.ShowsText(t, "new phone", c.queue.detail) {
		t.Fatalf("the request's phrase or message is not shown: %q", uitest.Texts(t, c.queue.detail))
	}
	var heard *widget.Entry
	for _, en := range uitest.FindAll[*widget.Entry](t, c.queue.detail) {
		if strings.HasPrefix(en.PlaceHolder, "Type the phrase") {
			heard = en
		}
	}
	approve := e.detailButton(c.queue.detail, "Approve and send the link")
	test.Type(heard, "wrong words here please")
	if !approve.Disabled() || !uitest.ShowsText(t, "The phrases differ", c.queue.detail) {
		t.Fatal("a phrase that differs can be approved")
	}
	heard.SetText(strings.ToUpper(strings.ReplaceAll(ticket.Phrase, " ", "-")))
	if approve.Disabled() || !uitest.ShowsText(t, "The phrases match", c.queue.detail) {
		t.Fatal("the phrase read back (other case and separators) does not match")
	}
	test.Tap(approve)
	if !e.shows("Approved: the recovery link was e-mailed to bob@acme.example") {
		t.Fatalf("the approval is not confirmed: %q", e.texts())
	}
	if n := len(c.queue.items); n != 0 {
		t.Errorf("%d requests still pending after the approval", n)
	}
	mailed := false
	for _, m := range e.p.Outbox.To("bob@acme.example") {
		mailed = mailed || strings.Contains(m.Text, "/recover/link?token=")
	}
	if !mailed {
		t.Error("no recovery link was e-mailed to bob")
	}
	uitest.NoSecretIn(t, "the console", e.texts(), e.sessionToken())
}

func TestConsoleChildTenantGreyed(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	e.signIn(portalPassword)
	c := e.c
	c.picker.open()
	test.Type(c.picker.search, "cont")
	if len(c.picker.shown) != 1 {
		t.Fatalf("searching cont shows %d tenants", len(c.picker.shown))
	}
	c.picker.search.OnSubmitted(c.picker.search.Text)
	if c.tenant.Name != "Contoso" || c.banner.Hidden {
		t.Fatalf("tenant %q shown, banner hidden %v", c.tenant.Name, c.banner.Hidden)
	}
	if got := e.names(); !slices.Equal(got, []string{"Dave Customer"}) {
		t.Fatalf("Contoso's team: %v", got)
	}
	e.pickUser("Dave Customer")
	reset := e.detailButton(c.team.detail, "Reset two-factor sign-in…")
	if !reset.Disabled() || !uitest.ShowsText(t, "for a customer tenant's accounts", c.team.detail) {
		t.Errorf("a customer's reset is not greyed out with the portal's reason: %q", uitest.Texts(t, c.team.detail))
	}
}

func TestConsoleRefusesTechnicians(t *testing.T) {
	e := newEnv(t, "bob@acme.example")
	e.signIn(portalPassword)
	if e.c.sess != nil || !e.shows("is for the portal's owners and admins") {
		t.Fatalf("a technician got the console: %q", e.texts())
	}
	if Offered(e.app.Preferences(), e.acct.ID) {
		t.Error("the menu still offers the console to a technician")
	}
}

func TestConsoleWrongPassword(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	pw := e.signIn("not the password")
	if !e.shows("did not accept that password") || pw.Text != "" {
		t.Fatalf("a wrong password is not reported, or left in the entry: %q", e.texts())
	}
}

// A console opened while the vault keeps a live session for the account
// uses it without asking.
func TestConsoleResumesSession(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	if _, err := e.comp.SignIn(context.Background(), e.acct.ID, portalPassword); err != nil {
		t.Fatal(err)
	}
	c := New(e.app, e.comp, e.sched, e.acct)
	t.Cleanup(c.Close)
	if c.sess == nil || c.team == nil {
		t.Fatalf("the kept session is not resumed: %q", uitest.Texts(t, c.win.Content()))
	}
}

// Closing the console signs its session out, at the portal and in the
// vault, and tells whoever opened it.
func TestConsoleCloseSignsOut(t *testing.T) {
	e := newEnv(t, "ada@acme.example")
	e.signIn(portalPassword)
	if len(e.comp.Sessions()) != 1 {
		t.Fatal("no session kept after signing in")
	}
	e.c.Close()
	if !e.c.closed || e.c.sess != nil || e.closed != 1 {
		t.Fatalf("closed %v, session %v, OnClosed ran %d times", e.c.closed, e.c.sess != nil, e.closed)
	}
	if e.sessionToken() != "" || len(e.comp.Sessions()) != 0 {
		t.Error("the portal session is still kept after closing")
	}
}
