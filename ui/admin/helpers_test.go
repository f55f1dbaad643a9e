package admin

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/companion/companiontest"
	_ "github.com/latchkey/latchkey/internal/locale" // before Fyne reads LANG
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/ui/schedule/scheduletest"
	"github.com/latchkey/latchkey/ui/uitest"
	"github.com/latchkey/latchkey/vault"
)

// epoch is the tests' time: the fake scheduler's clock, which the portal
// and the companion read too.
var epoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

const portalPassword = "portal password 1"

// newApp is a test app with the theme the main window sets (ui's
// applyTheme, "follow the system"): the console runs in the window's app.
// Fyne's test theme also lacks the bold monospace face of the phrase.
func newApp(t *testing.T) fyne.App {
	app := test.NewTempApp(t)
	app.Settings().SetTheme(theme.DefaultTheme())
	return app
}

// env is a reseller's portal: Acme MSP with ada (admin), bob (technician)
// and carol (read-only, not enrolled), and its customer tenants Contoso
// (dave) and Fabrikam. The vault holds one account linked to it, whose
// console c is.
type env struct {
	t       *testing.T
	app     fyne.App
	sched   *scheduletest.Fake
	p       *companiontest.Portal
	v       *vault.Vault
	comp    *companion.Companion
	acct    Account
	c       *Console
	closed  int               // how often the console's OnClosed ran
	secrets map[string]string // the enrolled users' TOTP secrets by address
}

// newEnv seeds the portal and a vault holding the account of the user
// with the address who, and builds its console (on its sign-in screen).
func newEnv(t *testing.T, who string) *env {
	e := &env{t: t, app: newApp(t), sched: scheduletest.New(epoch), secrets: map[string]string{}}
	e.p = companiontest.StartWith(t, companiontest.StartOptions{Now: e.sched.Published})
	acme := e.tenant("Acme MSP", 0)
	contoso := e.tenant("Contoso", acme.ID)
	e.tenant("Fabrikam", acme.ID)
	e.user(acme.ID, "ada@acme.example", "Ada Admin", store.RoleAdmin, true)
	e.user(acme.ID, "bob@acme.example", "Bob Tech", store.RoleTechnician, true)
	e.user(acme.ID, "carol@acme.example", "Carol Reader", store.RoleReadOnly, false)
	e.user(contoso.ID, "dave@contoso.example", "Dave Customer", store.RoleAdmin, true)

	a := vault.Account{ID: "me", Issuer: "Acme portal", Name: who, Type: vault.TOTP, Secret: e.secrets[who],
		Algorithm: vault.SHA1, Digits: 6, Period: 30,
		Portal: &vault.Portal{URL: e.p.URL, Email: who, LinkedBy: vault.LinkedByHand}}
	v, err := vault.Create(filepath.Join(t.TempDir(), "vault"), vault.CreateOptions{
		Options: vault.Options{Keyring: vault.NewMemoryKeyring(), WorkFactor: 10}, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = []vault.Account{a}; return nil }); err != nil {
		t.Fatal(err)
	}
	e.v = v
	e.comp = companion.New(v, companion.Options{Now: func() time.Time { return e.sched.Now }})
	t.Cleanup(e.comp.Close)
	e.acct = Account{ID: a.ID, Label: "Acme portal: " + who, Portal: e.p.URL, Email: who}
	e.c = New(e.app, e.comp, e.sched, e.acct)
	e.c.SetOnClosed(func() { e.closed++ })
	t.Cleanup(func() { e.c.Close() })
	return e
}

func (e *env) tenant(name string, parent int64) store.Tenant {
	e.t.Helper()
	tn, err := e.p.Store.CreateTenant(context.Background(), store.NewTenant{ParentID: parent, Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return tn
}

// user creates a verified user who signs in from anywhere without an
// e-mailed confirmation; enrolled, with an active authenticator too.
func (e *env) user(tenant int64, email, name string, role store.Role, enrolled bool) store.User {
	e.t.Helper()
	u := e.p.NewUser(e.t, companiontest.UserSpec{Tenant: tenant, Email: email, Role: role, Password: portalPassword})
	yes := true
	u, err := e.p.Store.UpdateUser(context.Background(), u.ID, store.UserUpdate{Name: &name, SkipIPVerification: &yes})
	if err != nil {
		e.t.Fatal(err)
	}
	if enrolled {
		e.secrets[email] = e.p.Enrol(e.t, u)
	}
	return u
}

// signIn types the portal password on the sign-in screen and signs in.
func (e *env) signIn(password string) *widget.Entry {
	e.t.Helper()
	var pw *widget.Entry
	for _, en := range uitest.FindAll[*widget.Entry](e.t, e.c.win.Content()) {
		if en.Password {
			pw = en
		}
	}
	if pw == nil {
		e.t.Fatalf("no password prompt: %q", uitest.Texts(e.t, e.c.win.Content()))
	}
	test.Type(pw, password)
	test.Tap(uitest.ButtonIn(e.t, "Sign in", e.c.win.Content()))
	return pw
}

func (e *env) shows(want string) bool {
	return uitest.ShowsText(e.t, want, uitest.WinObjects(e.c.win)...)
}

func (e *env) texts() []string { return uitest.Texts(e.t, uitest.WinObjects(e.c.win)...) }

// names are the users the team list shows, sorted.
func (e *env) names() []string {
	var out []string
	for _, u := range e.c.team.users {
		out = append(out, u.Name)
	}
	slices.Sort(out)
	return out
}

func (e *env) pickUser(name string) {
	e.t.Helper()
	i := slices.IndexFunc(e.c.team.users, func(u api.AdminUser) bool { return u.Name == name })
	if i < 0 {
		e.t.Fatalf("no %s in the team list: %v", name, e.names())
	}
	e.c.team.list.Select(i)
}

// button is the button labelled so in the console's window or its
// dialogs.
func (e *env) button(label string) *widget.Button {
	e.t.Helper()
	return uitest.ButtonIn(e.t, label, uitest.WinObjects(e.c.win)...)
}

// detailButton is the button labelled so in the detail pane of a tab.
func (e *env) detailButton(detail *fyne.Container, label string) *widget.Button {
	e.t.Helper()
	return uitest.ButtonIn(e.t, label, detail)
}

// sessionToken is the session token the vault keeps for the account, to
// check that it shows nowhere.
func (e *env) sessionToken() string {
	if a, ok := e.v.Document().Account(e.acct.ID); ok && a.Portal != nil {
		return a.Portal.SessionToken
	}
	return ""
}
