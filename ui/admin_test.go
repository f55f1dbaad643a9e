package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/vault"
)

// adminEnv is a reseller's portal: Acme MSP with ada (admin), bob
// (technician, enrolled) and carol (read-only, not enrolled), and its
// customer tenants Contoso (dave) and Fabrikam; the vault holds ada's
// account.
type adminEnv struct {
	*env
	p    *testPortal
	clk  *portalClock
	w    *Window
	c    *adminConsole
	acct vault.Account
}

func newAdminEnv(t *testing.T, who, secret string) *adminEnv {
	e := newEnv(t, recoverEpoch)
	clk := newPortalClock(e)
	p := newTestPortal(t, clk.now, "", nil)
	acme := p.tenant("Acme MSP", 0)
	contoso := p.tenant("Contoso", acme.ID)
	p.tenant("Fabrikam", acme.ID)
	p.user(acme.ID, "ada@acme.example", "Ada Admin", store.RoleAdmin, adaSecret)
	p.user(acme.ID, "bob@acme.example", "Bob Tech", store.RoleTechnician, bobSecret)
	p.user(acme.ID, "carol@acme.example", "Carol Reader", store.RoleReadOnly, "")
	p.user(contoso.ID, "dave@contoso.example", "Dave Customer", store.RoleAdmin, annSecret)
	a := linkedAccount("me", who, secret, p.URL)
	e.withAccounts(a)
	return &adminEnv{env: e, p: p, clk: clk, w: e.open(), acct: a}
}

// open opens the console and signs in with the portal password.
func (ae *adminEnv) open() {
	ae.t.Helper()
	ae.w.showAdminConsole(ae.acct)
	ae.c = ae.w.portal.consoles[adminKey(ae.acct.ID)]
	if ae.c == nil {
		ae.t.Fatal("no console opened")
	}
	var pw *widget.Entry
	for _, en := range findAll[*widget.Entry](ae.t, ae.c.win.Content()) {
		if en.Password {
			pw = en
		}
	}
	if pw == nil {
		ae.t.Fatalf("no password prompt: %q", texts(ae.t, ae.c.win.Content()))
	}
	test.Type(pw, portalPassword)
	test.Tap(buttonIn(ae.t, "Sign in", ae.c.win.Content()))
}

func (ae *adminEnv) shows(want string) bool {
	return showsText(ae.t, want, winObjects(ae.c.win)...)
}

func (ae *adminEnv) names() []string {
	var out []string
	for _, u := range ae.c.team.users {
		out = append(out, u.Name)
	}
	slices.Sort(out)
	return out
}

func (ae *adminEnv) pickUser(name string) {
	ae.t.Helper()
	i := slices.IndexFunc(ae.c.team.users, func(u api.AdminUser) bool { return u.Name == name })
	if i < 0 {
		ae.t.Fatalf("no %s in the team list: %v", name, ae.names())
	}
	ae.c.team.list.Select(i)
}

// detailButton is the button labelled so in the detail pane of a tab.
func detailButton(t *testing.T, detail *fyne.Container, label string) *widget.Button {
	t.Helper()
	return buttonIn(t, label, detail)
}

func TestAdminConsoleTeamAndFilters(t *testing.T) {
	ae := newAdminEnv(t, "ada@acme.example", adaSecret)
	ae.open()
	if ae.c.sess == nil {
		t.Fatalf("not signed in: %q", texts(t, ae.c.win.Content()))
	}
	if got := ae.names(); !slices.Equal(got, []string{"Ada Admin", "Bob Tech", "Carol Reader"}) {
		t.Fatalf("the team list is %v", got)
	}
	if !ae.shows("Acme MSP — your tenant") || !ae.shows("3 users") {
		t.Errorf("the tenant or the count is not shown: %q", texts(t, ae.c.win.Content()))
	}
	if ae.w.app.Preferences().String(prefAdminRole("me")) != "admin" {
		t.Error("the role of the sign-in is not remembered for the menu")
	}

	test.Type(ae.c.team.search, "bob")
	ae.sched.Advance(time.Second) // the search waits for the typing to stop
	if got := ae.names(); !slices.Equal(got, []string{"Bob Tech"}) {
		t.Errorf("searching bob lists %v", got)
	}
	ae.c.team.search.SetText("")
	ae.sched.Advance(time.Second)
	ae.c.team.role.SetSelected("Read-only")
	if got := ae.names(); !slices.Equal(got, []string{"Carol Reader"}) {
		t.Errorf("read-only users: %v", got)
	}
	ae.c.team.role.SetSelected("All roles")
	ae.c.team.status.SetSelected("2FA enrolled")
	if got := ae.names(); !slices.Equal(got, []string{"Ada Admin", "Bob Tech"}) {
		t.Errorf("enrolled users: %v", got)
	}
	ae.c.team.status.SetSelected("2FA not enrolled")
	if got := ae.names(); !slices.Equal(got, []string{"Carol Reader"}) {
		t.Errorf("users without 2FA: %v", got)
	}
	ae.c.team.status.SetSelected("Any 2FA status")

	// Lock bob, confirmed.
	ae.pickUser("Bob Tech")
	test.Tap(detailButton(t, ae.c.team.detail, "Lock account…"))
	if !ae.shows("Their sessions end at once") {
		t.Fatal("locking is not confirmed first")
	}
	test.Tap(buttonIn(t, "Lock", winObjects(ae.c.win)...))
	if i := ae.c.team.index(ae.c.team.selected); i < 0 || !ae.c.team.users[i].Locked || !ae.shows("is locked") {
		t.Fatal("bob is not shown locked")
	}
	test.Tap(detailButton(t, ae.c.team.detail, "Unlock account"))

	// Bob's address confirmation (off, as seeded) on at once, and off
	// again once confirmed; then a link e-mailed to carol.
	ipCheck := func() *widget.Check {
		for _, c := range findAll[*widget.Check](t, ae.c.team.detail) {
			if strings.HasPrefix(c.Text, "Confirm sign-ins from new addresses") {
				return c
			}
		}
		t.Fatal("no address confirmation toggle")
		return nil
	}
	skips := func() bool { return ae.c.team.users[ae.c.team.index(ae.c.team.selected)].SkipIPVerification }
	test.Tap(ipCheck())
	if skips() {
		t.Error("turning address confirmation on did not reach the portal")
	}
	test.Tap(ipCheck())
	if skips() {
		t.Fatal("address confirmation went off without asking")
	}
	test.Tap(buttonIn(t, "Turn off", winObjects(ae.c.win)...))
	if !skips() {
		t.Error("turning address confirmation off did not reach the portal")
	}
	ae.pickUser("Carol Reader")
	test.Tap(detailButton(t, ae.c.team.detail, "E-mail a recovery link…"))
	test.Tap(buttonIn(t, "Yes", winObjects(ae.c.win)...))
	if len(ae.p.Outbox.To("carol@acme.example")) == 0 || !ae.shows("A recovery link was e-mailed to carol@acme.example") {
		t.Errorf("no link e-mailed to carol, or not confirmed: %q", texts(t, ae.c.win.Content()))
	}

	// Ada's own row: the portal forbids resetting her own 2FA, and says why.
	ae.pickUser("Ada Admin")
	reset := detailButton(t, ae.c.team.detail, "Reset two-factor sign-in…")
	if !reset.Disabled() || !showsText(t, "for their own account", ae.c.team.detail) {
		t.Errorf("the own reset is not greyed out with the reason: %q", texts(t, ae.c.team.detail))
	}
}

func TestAdminConsoleApprovesWithPhrase(t *testing.T) {
	ae := newAdminEnv(t, "ada@acme.example", adaSecret)
	ae.open()
	ae.clk.sync()
	ticket, err := ae.p.client().RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "bob@acme.example", Message: "new phone"})
	if err != nil {
		t.Fatal(err)
	}
	test.Tap(buttonIn(t, "Refresh", ae.c.win.Content()))
	if len(ae.c.queue.items) != 1 || ae.c.tabs.Items[1].Text != "Recovery requests (1)" {
		t.Fatalf("the queue shows %d requests, tab %q", len(ae.c.queue.items), ae.c.tabs.Items[1].Text)
	}
	ae.c.queue.list.Select(0)
	if !showsText(t, ticket.Phrase, ae.c.queue.detail) || !showsText(t, "new phone", ae.c.queue.detail) {
		t.Fatalf("the request's phrase or message is not shown: %q", texts(t, ae.c.queue.detail))
	}
	var heard *widget.Entry
	for _, en := range findAll[*widget.Entry](t, ae.c.queue.detail) {
		if strings.HasPrefix(en.PlaceHolder, "Type the phrase") {
			heard = en
		}
	}
	approve := detailButton(t, ae.c.queue.detail, "Approve and send the link")
	test.Type(heard, "wrong words here please")
	if !approve.Disabled() || !showsText(t, "The phrases differ", ae.c.queue.detail) {
		t.Fatal("a phrase that differs can be approved")
	}
	heard.SetText(strings.ToUpper(strings.ReplaceAll(ticket.Phrase, " ", "-")))
	if approve.Disabled() || !showsText(t, "The phrases match", ae.c.queue.detail) {
		t.Fatal("the phrase read back (other case and separators) does not match")
	}
	test.Tap(approve)
	if !ae.shows("Approved: the recovery link was e-mailed to bob@acme.example") {
		t.Fatalf("the approval is not confirmed: %q", texts(t, ae.c.win.Content()))
	}
	if n := len(ae.c.queue.items); n != 0 {
		t.Errorf("%d requests still pending after the approval", n)
	}
	mailed := false
	for _, m := range ae.p.Outbox.To("bob@acme.example") {
		mailed = mailed || strings.Contains(m.Text, "/recover/link?token=")
	}
	if !mailed {
		t.Error("no recovery link was e-mailed to bob")
	}
	noSecretIn(t, "the console", texts(t, winObjects(ae.c.win)...), ae.c.sessionToken())
}

func TestAdminConsoleChildTenantGreyed(t *testing.T) {
	ae := newAdminEnv(t, "ada@acme.example", adaSecret)
	ae.open()
	ae.c.picker.open()
	test.Type(ae.c.picker.search, "cont")
	if len(ae.c.picker.shown) != 1 {
		t.Fatalf("searching cont shows %d tenants", len(ae.c.picker.shown))
	}
	ae.c.picker.search.OnSubmitted(ae.c.picker.search.Text)
	if ae.c.tenant.Name != "Contoso" || ae.c.banner.Hidden {
		t.Fatalf("tenant %q shown, banner hidden %v", ae.c.tenant.Name, ae.c.banner.Hidden)
	}
	if got := ae.names(); !slices.Equal(got, []string{"Dave Customer"}) {
		t.Fatalf("Contoso's team: %v", got)
	}
	ae.pickUser("Dave Customer")
	reset := detailButton(t, ae.c.team.detail, "Reset two-factor sign-in…")
	if !reset.Disabled() || !showsText(t, "for a customer tenant's accounts", ae.c.team.detail) {
		t.Errorf("a customer's reset is not greyed out with the portal's reason: %q", texts(t, ae.c.team.detail))
	}
}

func TestAdminConsoleRefusesTechnicians(t *testing.T) {
	ae := newAdminEnv(t, "bob@acme.example", bobSecret)
	ae.open()
	if ae.c.sess != nil || !ae.shows("is for the portal's owners and admins") {
		t.Fatalf("a technician got the console: %q", texts(t, ae.c.win.Content()))
	}
	if ae.w.mayAdmin(ae.acct) {
		t.Error("the menu still offers the console to a technician")
	}
}

func TestAdminConsoleWrongPassword(t *testing.T) {
	ae := newAdminEnv(t, "ada@acme.example", adaSecret)
	ae.w.showAdminConsole(ae.acct)
	ae.c = ae.w.portal.consoles[adminKey("me")]
	var pw *widget.Entry
	for _, en := range findAll[*widget.Entry](t, ae.c.win.Content()) {
		if en.Password {
			pw = en
		}
	}
	test.Type(pw, "not the password")
	test.Tap(buttonIn(t, "Sign in", ae.c.win.Content()))
	if !ae.shows("did not accept that password") || pw.Text != "" {
		t.Fatalf("a wrong password is not reported, or left in the entry: %q", texts(t, ae.c.win.Content()))
	}
}

// Locking the vault closes the console and ends its session.
func TestAdminConsoleEndsOnLock(t *testing.T) {
	ae := newAdminEnv(t, "ada@acme.example", adaSecret)
	ae.open()
	c := ae.c
	if len(c.w.companion().Sessions()) != 1 {
		t.Fatal("no session kept after signing in")
	}
	ae.w.Lock()
	if !c.closed || c.sess != nil || len(ae.w.portal.consoles) != 0 {
		t.Fatal("the console survived the lock")
	}
	for _, a := range ae.vaultAccounts() {
		if a.Portal != nil && a.Portal.SessionToken != "" {
			t.Error("the portal session is still kept after the lock")
		}
	}
}

// sessionToken is the console's session token as the vault keeps it, to
// check that it shows nowhere.
func (c *adminConsole) sessionToken() string {
	d := c.w.vault.Document()
	if a, ok := d.Account(c.acct.ID); ok && a.Portal != nil {
		return a.Portal.SessionToken
	}
	return ""
}
