// Package admin is the admin console of a team portal: a window of its
// own in which the portal's owners and admins, signed in with a linked
// account (its password, and its code from the vault), work the team of
// each tenant they see (filters, recovery links, 2FA resets, address
// confirmation, locks), the recovery requests (the phrase heard on the
// phone against the one on the requester's screen, approve, deny,
// forward) and the audit log.
//
// It owns the console's screens, the portal session's life (signed out in
// the background when the window closes) and the portal role it remembers
// per account (Offered). It talks to the portal only through the
// companion (Companion), does its slow work through a
// schedule.Scheduler, and knows nothing of the main window: package ui
// opens a console from the account menu and closes it when the vault
// locks.
package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/ui/schedule"
)

// Companion is what the console asks of the desktop's portal companion,
// app/companion's *Companion: the session the vault keeps for a portal,
// signing an account in (its password, then its code), the admin calls
// over a kept session, and signing out.
type Companion interface {
	SessionFor(portalURL string) (companion.Session, error)
	SignIn(ctx context.Context, accountID, password string) (companion.SignedIn, error)
	Admin(portalURL string) (*companion.Admin, error)
	SignOut(ctx context.Context, portalURL string) ([]companion.Session, error)
}

// Account is the linked account the console signs in with.
type Account struct {
	ID     string // the account's id in the vault
	Label  string // the account for people, as the main window names it
	Portal string // the portal's URL
	Email  string // the user's address at the portal
}

// session is what the console asks of a signed-in admin: the portal's
// admin API with the session's token kept inside, as companion.Admin
// offers it (see portalAdmin).
type session interface {
	Info() api.SessionInfo
	Tenants(ctx context.Context) ([]api.AdminTenant, error)
	Users(ctx context.Context, q api.AdminUserQuery) (api.AdminUserList, error)
	Requests(ctx context.Context, status string) ([]api.RecoveryQueueItem, error)
	Approve(ctx context.Context, id int64, phrase string) (api.RecoveryDecision, error)
	Deny(ctx context.Context, id int64, reason string) (api.RecoveryDecision, error)
	Forward(ctx context.Context, id int64) (api.RecoveryDecision, error)
	IssueLink(ctx context.Context, userID int64) (api.IssuedLink, error)
	Reset2FA(ctx context.Context, userID int64) (api.AdminUser, error)
	SetIPVerification(ctx context.Context, userID int64, on bool) (api.AdminUser, error)
	SetLocked(ctx context.Context, userID int64, locked bool) (api.AdminUser, error)
	Audit(ctx context.Context, q api.AdminAuditQuery) (api.AdminAuditPage, error)
	SignOut(ctx context.Context) error
}

// Console is the admin console of one linked account: a window of its
// own, signed in to the account's portal with the account's password and
// its code from the vault.
type Console struct {
	app   fyne.App
	comp  Companion
	sched schedule.Scheduler
	win   fyne.Window
	acct  Account

	ctx      context.Context // ends when the console closes
	cancel   context.CancelFunc
	closed   bool
	onClosed func()

	sess    session // nil until signed in
	tenants []api.AdminTenant
	tenant  api.AdminTenant // the one shown

	picker *tenantPicker
	top    *fyne.Container // the tenant row, banner and status line
	who    *widget.Label
	banner *widget.Label
	status *widget.Label
	tabs   *container.AppTabs
	team   *teamTab
	queue  *queueTab
	audit  *auditTab
}

// adminRoles may use the console.
var adminRoles = []string{api.AdminRoleOwner, api.AdminRoleAdmin}

// RolePreference is the preference under which the console remembers, per
// account, the portal role its last sign-in reported (not a secret), so
// the menu offers the console only where it can work.
func RolePreference(accountID string) string { return "portal.role." + accountID }

// Offered reports whether the account menu offers the console for the
// linked account accountID: not known to lack an admin's role.
func Offered(p fyne.Preferences, accountID string) bool {
	role := p.String(RolePreference(accountID))
	return role == "" || slices.Contains(adminRoles, role)
}

// New builds the console of account a in a window of app's, on its
// sign-in screen (which resumes a session the vault keeps for a); Window
// shows it. Its portal calls go through comp, its slow work through
// sched.
func New(app fyne.App, comp Companion, sched schedule.Scheduler, a Account) *Console {
	c := &Console{app: app, comp: comp, sched: sched, acct: a}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.win = app.NewWindow("Admin console – " + kit.PortalHost(a.Portal))
	c.win.Resize(fyne.NewSize(980, 640))
	c.win.SetOnClosed(c.ended)
	c.showSignIn("")
	return c
}

// Window is the console's window, to show or bring forward.
func (c *Console) Window() fyne.Window { return c.win }

// SetOnClosed sets what runs once the console's window is gone, after
// Close or when the user closed it.
func (c *Console) SetOnClosed(f func()) { c.onClosed = f }

// Close closes the console's window (the vault is being locked); its
// session is signed out.
func (c *Console) Close() {
	if !c.closed {
		c.win.Close()
	}
}

// ended runs once the window is gone: the session is signed out in the
// background and forgotten.
func (c *Console) ended() {
	if c.closed {
		return
	}
	c.closed = true
	if c.onClosed != nil {
		c.onClosed()
	}
	c.cancel()
	c.dropSession()
}

// dropSession forgets the session and signs it out in the background; one
// the portal cannot be told about lapses on its own.
func (c *Console) dropSession() {
	s := c.sess
	if s == nil {
		return
	}
	c.sess = nil
	c.sched.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), kit.PortalBudget)
		defer cancel()
		_ = s.SignOut(ctx)
	}, func() {})
}

// run does work off the UI goroutine, bounded by kit.PortalBudget and the
// console's life, then runs then on the UI goroutine unless the console
// closed meanwhile. A session the portal no longer knows sends the user
// back to the sign-in screen.
func (c *Console) run(work func(ctx context.Context, s session) error, then func(error)) {
	s := c.sess
	if s == nil {
		return
	}
	var err error
	c.sched.Go(func() {
		ctx, cancel := context.WithTimeout(c.ctx, kit.PortalBudget)
		defer cancel()
		err = work(ctx, s)
	}, func() {
		if c.closed || c.sess != s {
			return
		}
		if errors.Is(err, companion.ErrSessionEnded) {
			c.sess = nil
			c.showSignIn("Your portal session ended: sign in again.")
			return
		}
		then(err)
	})
}

// say shows one sentence in the console's status line: a confirmation,
// or an error.
func (c *Console) say(msg string, isErr bool) {
	if isErr {
		kit.SetError(c.status, msg)
	} else {
		kit.SetNote(c.status, msg)
		c.status.Importance = widget.SuccessImportance
		c.status.Refresh()
	}
	c.top.Refresh()
}

// signedIn shows the console of a new session.
func (c *Console) signedIn(s session) {
	info := s.Info()
	c.app.Preferences().SetString(RolePreference(c.acct.ID), info.User.Role)
	c.sess = s
	if !slices.Contains(adminRoles, info.User.Role) {
		c.dropSession()
		c.showSignIn(fmt.Sprintf("The admin console is for the portal's owners and admins; %s has the %s role.", info.User.Email, roleLabel(info.User.Role)))
		return
	}
	c.who = widget.NewLabel(info.User.Name + " · " + roleLabel(info.User.Role))
	c.banner = kit.Wrapped("")
	c.banner.Importance = widget.WarningImportance
	c.banner.Hide()
	c.status = kit.ErrorLabel()
	c.picker = newTenantPicker(c.win.Canvas(), c.pickTenant)
	c.team = newTeamTab(c)
	c.queue = newQueueTab(c)
	c.audit = newAuditTab(c)
	c.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Team", theme.AccountIcon(), c.team.content()),
		container.NewTabItemWithIcon("Recovery requests", theme.MailComposeIcon(), c.queue.content()),
		container.NewTabItemWithIcon("Audit log", theme.HistoryIcon(), c.audit.content()),
	)
	c.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "Audit log" && !c.audit.loaded {
			c.audit.reload()
		}
	}
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), c.refresh)
	signOut := widget.NewButton("Sign out", c.signOut)
	tenantRow := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Tenant", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(c.who, refresh, signOut), container.NewGridWrap(fyne.NewSize(340, c.picker.button.MinSize().Height), c.picker.button))
	c.top = container.NewVBox(tenantRow, c.banner, c.status)
	c.win.SetContent(container.NewBorder(container.NewPadded(c.top), nil, nil, nil, c.tabs))
	c.loadTenants()
}

func (c *Console) signOut() {
	c.dropSession()
	c.showSignIn("Signed out.")
}

// loadTenants reads the tenants the admin sees and shows the own one.
func (c *Console) loadTenants() {
	var list []api.AdminTenant
	c.run(func(ctx context.Context, s session) (err error) {
		list, err = s.Tenants(ctx)
		return err
	}, func(err error) {
		if err != nil {
			c.say(kit.ErrorSentence(err), true)
			return
		}
		c.tenants = list
		c.picker.setTenants(list)
		pick := c.tenant
		if i := slices.IndexFunc(list, func(t api.AdminTenant) bool { return t.ID == pick.ID }); i >= 0 && pick.ID != 0 {
			pick = list[i]
		} else if len(list) > 0 {
			pick = list[0] // the own tenant comes first
		}
		c.pickTenant(pick)
	})
}

// pickTenant shows tenant t in every tab.
func (c *Console) pickTenant(t api.AdminTenant) {
	c.tenant = t
	c.picker.show(t)
	if t.Relation == api.AdminRelationChild {
		c.banner.SetText("A customer tenant: you see its team and requests; the actions you may not take are greyed out, with the portal's reason.")
		c.banner.Show()
	} else {
		c.banner.Hide()
	}
	c.status.Hide()
	c.top.Refresh()
	c.team.reset()
	c.queue.reload()
	c.audit.loaded = false
	if c.tabs.Selected() != nil && c.tabs.Selected().Text == "Audit log" {
		c.audit.reload()
	}
}

// ownTenant reports whether t is the admin's own tenant.
func (c *Console) ownTenant(id int64) bool {
	i := slices.IndexFunc(c.tenants, func(t api.AdminTenant) bool { return t.ID == id })
	return i >= 0 && c.tenants[i].Relation == api.AdminRelationOwn
}

// knownTenant reports whether id is one of the tenants in the switcher.
func (c *Console) knownTenant(id int64) bool {
	return slices.ContainsFunc(c.tenants, func(t api.AdminTenant) bool { return t.ID == id })
}

func (c *Console) refresh() {
	c.status.Hide()
	c.top.Refresh()
	c.loadTenants()
}

// roleLabel names a portal role for people.
func roleLabel(role string) string {
	switch role {
	case api.AdminRoleOwner:
		return "owner"
	case api.AdminRoleAdmin:
		return "admin"
	case api.AdminRoleTechnician:
		return "technician"
	case api.AdminRoleReadOnly:
		return "read-only"
	}
	return role
}

// tenantPicker is a searchable tenant switcher: a button naming the
// tenant shown which opens a pop-up with a search field over the list, so
// an admin of dozens of customer tenants types a few letters and presses
// Enter.
type tenantPicker struct {
	button *widget.Button
	canvas fyne.Canvas
	onPick func(api.AdminTenant)

	tenants []api.AdminTenant
	labels  []string
	shown   []int // indexes into tenants, matching the search
	search  *widget.Entry
	list    *widget.List
	popup   *widget.PopUp
}

func newTenantPicker(c fyne.Canvas, onPick func(api.AdminTenant)) *tenantPicker {
	p := &tenantPicker{canvas: c, onPick: onPick}
	p.button = widget.NewButtonWithIcon("Loading tenants…", theme.MenuDropDownIcon(), p.open)
	p.button.Alignment = widget.ButtonAlignLeading
	p.button.IconPlacement = widget.ButtonIconTrailingText
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search tenants")
	p.search.OnChanged = func(string) { p.filter() }
	p.search.OnSubmitted = func(string) {
		if len(p.shown) > 0 {
			p.pick(p.shown[0])
		}
	}
	p.list = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.labels[p.shown[i]]) })
	p.list.OnSelected = func(i widget.ListItemID) {
		p.list.UnselectAll()
		if i < len(p.shown) {
			p.pick(p.shown[i])
		}
	}
	return p
}

// setTenants replaces the choices. Names that occur twice get their id, so
// every label is unique.
func (p *tenantPicker) setTenants(ts []api.AdminTenant) {
	p.tenants = ts
	count := map[string]int{}
	for _, t := range ts {
		count[strings.ToLower(t.Name)]++
	}
	p.labels = make([]string, len(ts))
	for i, t := range ts {
		l := t.Name
		if count[strings.ToLower(t.Name)] > 1 {
			l += fmt.Sprintf(" (#%d)", t.ID)
		}
		if t.Relation == api.AdminRelationOwn {
			l += " — your tenant"
		}
		p.labels[i] = l
	}
	p.filter()
}

// label is the choice's text of tenant t.
func (p *tenantPicker) label(t api.AdminTenant) string {
	if i := slices.IndexFunc(p.tenants, func(x api.AdminTenant) bool { return x.ID == t.ID }); i >= 0 {
		return p.labels[i]
	}
	return t.Name
}

func (p *tenantPicker) show(t api.AdminTenant) { p.button.SetText(p.label(t)) }

func (p *tenantPicker) filter() {
	q := strings.ToLower(strings.TrimSpace(p.search.Text))
	p.shown = p.shown[:0]
	for i, l := range p.labels {
		if q == "" || strings.Contains(strings.ToLower(l), q) {
			p.shown = append(p.shown, i)
		}
	}
	p.list.Refresh()
	p.fit()
}

// open shows the search and the list under the button.
func (p *tenantPicker) open() {
	if len(p.tenants) == 0 {
		return
	}
	p.search.SetText("")
	box := container.NewBorder(p.search, nil, nil, nil, p.list)
	p.popup = widget.NewPopUp(container.NewPadded(box), p.canvas)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(p.button)
	p.popup.ShowAtPosition(pos.AddXY(0, p.button.Size().Height))
	p.fit()
	p.canvas.Focus(p.search)
}

// fit makes the open pop-up as tall as the matching tenants, up to eight.
func (p *tenantPicker) fit() {
	if p.popup == nil {
		return
	}
	rows := float32(max(min(len(p.shown), 8), 1))
	row := p.list.MinSize().Height + theme.Padding()
	height := p.search.MinSize().Height + rows*row + 4*theme.Padding()
	p.popup.Resize(fyne.NewSize(max(p.button.Size().Width, 340), height))
}

func (p *tenantPicker) closePopup() {
	if p.popup != nil {
		p.popup.Hide()
		p.popup = nil
	}
}

func (p *tenantPicker) pick(i int) {
	p.closePopup()
	p.onPick(p.tenants[i])
}

// heading is a pane's title: larger than the text below it. The text is
// shown as it is (no markup), since names come from the portal's users.
func heading(text string) fyne.CanvasObject {
	r := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyleSubHeading})
	r.Wrapping = fyne.TextWrapWord
	return r
}
