package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/kit"
)

// searchDelay is how long the team search waits after the last key before
// asking the portal, so typing a name is one request, not one a letter.
const searchDelay = 400 * time.Millisecond

// Filter choices of the team list: label and the portal's value.
var (
	roleFilters = []kit.Choice[string]{
		{Label: "All roles", Value: ""}, {Label: "Owners", Value: api.AdminRoleOwner}, {Label: "Admins", Value: api.AdminRoleAdmin},
		{Label: "Technicians", Value: api.AdminRoleTechnician}, {Label: "Read-only", Value: api.AdminRoleReadOnly},
	}
	statusFilters = []kit.Choice[string]{
		{Label: "Any 2FA status", Value: ""}, {Label: "2FA enrolled", Value: api.AdminStatusEnrolled},
		{Label: "2FA not enrolled", Value: api.AdminStatusNotEnrolled},
		{Label: "Recovery pending", Value: api.AdminStatusRecoveryPending}, {Label: "Locked", Value: api.AdminStatusLocked},
	}
)

// teamTab is the team tab: the tenant's users, filtered by the portal
// (name or address, role, 2FA status), and the actions on the one chosen.
type teamTab struct {
	c *Console

	search       *widget.Entry
	role, status *widget.Select
	list         *widget.List
	count        *widget.Label
	more         *widget.Button
	detail       *fyne.Container

	users    []api.AdminUser
	total    int
	next     int
	readOnly bool
	selected int64 // user id, 0 for none
	gen      int   // of the latest query: older answers are dropped
	debounce func()
}

func newTeamTab(c *Console) *teamTab {
	t := &teamTab{c: c}
	t.search = widget.NewEntry()
	t.search.SetPlaceHolder("Search by name or e-mail")
	t.search.OnChanged = func(string) {
		if t.debounce != nil {
			t.debounce()
		}
		t.debounce = c.sched.After(searchDelay, t.reload)
	}
	t.search.OnSubmitted = func(string) { t.reload() }
	t.role = widget.NewSelect(kit.ChoiceLabels(roleFilters), func(string) { t.reload() })
	t.status = widget.NewSelect(kit.ChoiceLabels(statusFilters), func(string) { t.reload() })
	t.count = widget.NewLabel("")
	t.more = widget.NewButton("Show more", t.loadMore)
	t.more.Hide()
	t.list = widget.NewList(func() int { return len(t.users) }, newListRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		showUser(o.(*listRow), t.users[i])
	})
	t.list.OnSelected = func(i widget.ListItemID) {
		if i < len(t.users) {
			t.selected = t.users[i].ID
			t.showDetail()
		}
	}
	t.detail = container.NewVBox()
	t.clearDetail()
	return t
}

func (t *teamTab) content() fyne.CanvasObject {
	filters := container.NewVBox(t.search, container.NewGridWithColumns(2, t.role, t.status))
	left := container.NewBorder(filters, container.NewBorder(nil, nil, t.count, t.more), nil, nil, t.list)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(t.detail)))
	split.Offset = 0.55
	return split
}

// reset clears the filters for another tenant and loads its team.
func (t *teamTab) reset() {
	if t.debounce != nil {
		t.debounce()
	}
	t.search.OnChanged, t.role.OnChanged, t.status.OnChanged = nil, nil, nil
	t.search.SetText("")
	t.role.SetSelectedIndex(0)
	t.status.SetSelectedIndex(0)
	t.search.OnChanged = func(string) {
		if t.debounce != nil {
			t.debounce()
		}
		t.debounce = t.c.sched.After(searchDelay, t.reload)
	}
	t.role.OnChanged = func(string) { t.reload() }
	t.status.OnChanged = func(string) { t.reload() }
	t.selected = 0
	t.reload()
}

func (t *teamTab) query(offset int) api.AdminUserQuery {
	return api.AdminUserQuery{
		Query: strings.TrimSpace(t.search.Text), Role: kit.ChoiceValue(roleFilters, t.role.Selected),
		Status: kit.ChoiceValue(statusFilters, t.status.Selected), TenantID: t.c.tenant.ID, Offset: offset,
	}
}

// reload asks the portal for the first page matching the filters.
func (t *teamTab) reload() { t.load(0) }

func (t *teamTab) loadMore() { t.load(t.next) }

func (t *teamTab) load(offset int) {
	if t.c.tenant.ID != 0 && !t.c.tenant.Allowed(api.AdminActionViewDirectory) {
		t.users, t.total, t.next = nil, 0, 0
		t.list.Refresh()
		t.count.SetText(kit.SentenceOf(actionReason(t.c.tenant.Actions, api.AdminActionViewDirectory, "you may not see this tenant's team")))
		t.more.Hide()
		t.clearDetail()
		return
	}
	t.gen++
	gen := t.gen
	q := t.query(offset)
	var page api.AdminUserList
	t.count.SetText("Loading…")
	t.c.run(func(ctx context.Context, s session) (err error) {
		page, err = s.Users(ctx, q)
		return err
	}, func(err error) {
		if gen != t.gen {
			return
		}
		if err != nil {
			t.count.SetText("")
			t.c.say(kit.ErrorSentence(err), true)
			return
		}
		if offset == 0 {
			t.users = page.Users
		} else {
			t.users = append(t.users, page.Users...)
		}
		t.total, t.next, t.readOnly = page.Total, page.NextOffset, page.ReadOnly
		t.list.UnselectAll()
		t.list.Refresh()
		t.count.SetText(userCount(len(t.users), t.total))
		if t.next > 0 {
			t.more.Show()
		} else {
			t.more.Hide()
		}
		if i := t.index(t.selected); i >= 0 {
			t.list.Select(i)
		} else {
			t.selected = 0
			t.clearDetail()
		}
	})
}

func userCount(shown, total int) string {
	switch {
	case total == 0:
		return "No users match"
	case shown < total:
		return fmt.Sprintf("%d of %d users", shown, total)
	case total == 1:
		return "1 user"
	}
	return fmt.Sprintf("%d users", total)
}

func (t *teamTab) index(id int64) int {
	if id == 0 {
		return -1
	}
	return slices.IndexFunc(t.users, func(u api.AdminUser) bool { return u.ID == id })
}

func (t *teamTab) clearDetail() {
	t.detail.RemoveAll()
	hint := widget.NewLabel("Choose a user to see what you can do.")
	hint.TextStyle.Italic = true
	t.detail.Add(hint)
}

// replace puts the portal's new row of a user in place after an action.
func (t *teamTab) replace(u api.AdminUser) {
	if i := t.index(u.ID); i >= 0 {
		t.users[i] = u
		t.list.RefreshItem(i)
	}
	if t.selected == u.ID {
		t.showDetail()
	}
}

// showDetail shows the chosen user and the actions the portal offers on
// them; an action the signed-in admin may not take is greyed out with the
// portal's reason beside it.
func (t *teamTab) showDetail() {
	i := t.index(t.selected)
	if i < 0 {
		t.clearDetail()
		return
	}
	u := t.users[i]
	t.detail.RemoveAll()
	t.detail.Add(heading(u.Name))
	facts := container.New(&kit.FormLayout{},
		widget.NewLabel("E-mail"), kit.Wrapped(u.Email),
		widget.NewLabel("Role"), widget.NewLabel(roleLabel(u.Role)),
		widget.NewLabel("Two-factor"), widget.NewLabel(twoFactorText(u)),
		widget.NewLabel("Since"), widget.NewLabel(u.CreatedAt.Local().Format("2 Jan 2006")),
	)
	if !u.EmailVerified {
		facts.Add(widget.NewLabel("Address"))
		facts.Add(widget.NewLabel("not verified yet"))
	}
	t.detail.Add(facts)
	t.detail.Add(widget.NewSeparator())
	if t.readOnly {
		t.detail.Add(kit.Wrapped("This customer tenant's accounts are managed by its own admins; what you may do here is below."))
	}

	issue := widget.NewButton("E-mail a recovery link…", func() { t.issueLink(u) })
	t.detail.Add(actionRow(issue, u.Actions, api.AdminActionIssueLink))

	reset := widget.NewButton("Reset two-factor sign-in…", func() { t.reset2FA(u) })
	t.detail.Add(actionRow(reset, u.Actions, api.AdminActionReset2FA))

	ipCheck := widget.NewCheck("Confirm sign-ins from new addresses by e-mail", nil)
	ipCheck.SetChecked(!u.SkipIPVerification)
	ipCheck.OnChanged = func(on bool) { t.setIPVerification(u, on, ipCheck) }
	t.detail.Add(actionRow(ipCheck, u.Actions, api.AdminActionSetIPSkip))

	lockLabel, lockFn := "Lock account…", func() { t.setLocked(u, true) }
	if u.Locked {
		lockLabel, lockFn = "Unlock account", func() { t.setLocked(u, false) }
	}
	lock := widget.NewButton(lockLabel, lockFn)
	t.detail.Add(actionRow(lock, u.Actions, api.AdminActionLock))
}

// actionRow is a control for action, disabled with the portal's reason
// below it unless the row allows it.
func actionRow(ctrl fyne.Disableable, actions []api.AdminAction, action string) fyne.CanvasObject {
	obj := ctrl.(fyne.CanvasObject)
	if adminAllowed(actions, action) {
		return obj
	}
	ctrl.Disable()
	why := widget.NewLabel(kit.SentenceOf(actionReason(actions, action, "the portal does not offer this action")))
	why.Wrapping = fyne.TextWrapWord
	why.Importance = widget.MediumImportance
	why.TextStyle = fyne.TextStyle{Italic: true}
	return container.NewVBox(obj, why)
}

func adminAllowed(actions []api.AdminAction, action string) bool {
	i := slices.IndexFunc(actions, func(a api.AdminAction) bool { return a.Action == action })
	return i >= 0 && actions[i].Allowed
}

// actionReason is the portal's reason for refusing action, or def.
func actionReason(actions []api.AdminAction, action, def string) string {
	i := slices.IndexFunc(actions, func(a api.AdminAction) bool { return a.Action == action })
	if i >= 0 && strings.TrimSpace(actions[i].Reason) != "" {
		return actions[i].Reason
	}
	return def
}

func twoFactorText(u api.AdminUser) string {
	var parts []string
	if u.Enrolled {
		parts = append(parts, "enrolled")
	} else {
		parts = append(parts, "not enrolled")
	}
	if u.RecoveryPending {
		parts = append(parts, "recovery pending")
	}
	if u.Locked {
		parts = append(parts, "locked")
	}
	return strings.Join(parts, ", ")
}

func (t *teamTab) issueLink(u api.AdminUser) {
	msg := fmt.Sprintf("E-mail a one-time recovery link to %s? Whoever opens it can set up two-factor sign-in for the account: send it only when you are sure who asked.", u.Email)
	dialog.ShowConfirm("E-mail a recovery link?", msg, func(ok bool) {
		if !ok {
			return
		}
		var link api.IssuedLink
		t.c.run(func(ctx context.Context, s session) (err error) {
			link, err = s.IssueLink(ctx, u.ID)
			return err
		}, func(err error) {
			if err != nil {
				t.c.say(kit.ErrorSentence(err), true)
				return
			}
			t.c.say(fmt.Sprintf("A recovery link was e-mailed to %s; it works until %s.", u.Email, link.ExpiresAt.Local().Format("2 Jan 15:04")), false)
			t.reload()
		})
	}, t.c.win)
}

func (t *teamTab) reset2FA(u api.AdminUser) {
	msg := fmt.Sprintf("Reset the two-factor sign-in of %s? Their authenticator and backup codes stop working at once; they set up a new authenticator at their next sign-in and are told by e-mail.", u.Email)
	d := dialog.NewConfirm("Reset two-factor sign-in?", msg, func(ok bool) {
		if !ok {
			return
		}
		reset := func(ctx context.Context, s session) (api.AdminUser, error) { return s.Reset2FA(ctx, u.ID) }
		t.change(u, reset, "The two-factor sign-in of "+u.Email+" was reset.")
	}, t.c.win)
	d.SetConfirmText("Reset")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (t *teamTab) setIPVerification(u api.AdminUser, on bool, check *widget.Check) {
	apply := func() {
		done := "Sign-ins of " + u.Email + " from new addresses are no longer confirmed by e-mail."
		if on {
			done = "Sign-ins of " + u.Email + " from new addresses are confirmed by e-mail again."
		}
		set := func(ctx context.Context, s session) (api.AdminUser, error) {
			return s.SetIPVerification(ctx, u.ID, on)
		}
		t.change(u, set, done)
	}
	if on {
		apply()
		return
	}
	msg := fmt.Sprintf("Stop confirming sign-ins of %s from new addresses by e-mail? A stolen password and code then work from anywhere.", u.Email)
	d := dialog.NewConfirm("Turn off address confirmation?", msg, func(ok bool) {
		if ok {
			apply()
			return
		}
		check.OnChanged = nil
		check.SetChecked(true)
		check.OnChanged = func(on bool) { t.setIPVerification(u, on, check) }
	}, t.c.win)
	d.SetConfirmText("Turn off")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (t *teamTab) setLocked(u api.AdminUser, locked bool) {
	apply := func() {
		done := u.Email + " is unlocked."
		if locked {
			done = u.Email + " is locked: their sessions ended."
		}
		set := func(ctx context.Context, s session) (api.AdminUser, error) {
			return s.SetLocked(ctx, u.ID, locked)
		}
		t.change(u, set, done)
	}
	if !locked {
		apply()
		return
	}
	msg := fmt.Sprintf("Lock %s? Their sessions end at once and they cannot sign in until an admin unlocks the account.", u.Email)
	d := dialog.NewConfirm("Lock account?", msg, func(ok bool) {
		if ok {
			apply()
		}
	}, t.c.win)
	d.SetConfirmText("Lock")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

// change performs one action on u and shows the portal's new row.
func (t *teamTab) change(u api.AdminUser, do func(context.Context, session) (api.AdminUser, error), done string) {
	var got api.AdminUser
	t.c.run(func(ctx context.Context, s session) (err error) {
		got, err = do(ctx, s)
		return err
	}, func(err error) {
		if err != nil {
			t.c.say(kit.ErrorSentence(err), true)
			t.showDetail() // back to what the portal last said
			return
		}
		t.replace(got)
		t.c.say(done, false)
	})
}

// showUser fills r with u: name and address, role, 2FA state.
func showUser(r *listRow, u api.AdminUser) {
	r.title.SetText(u.Name)
	r.sub.SetText(u.Email + " · " + roleLabel(u.Role))
	switch {
	case u.Locked:
		r.state.SetText("Locked")
		r.state.Importance = widget.DangerImportance
	case u.RecoveryPending:
		r.state.SetText("Recovery pending")
		r.state.Importance = widget.WarningImportance
	case u.Enrolled:
		r.state.SetText("2FA on")
		r.state.Importance = widget.SuccessImportance
	default:
		r.state.SetText("No 2FA")
		r.state.Importance = widget.WarningImportance
	}
	r.state.Refresh()
}

// innerPad is half of a label's inner padding: two stacked labels overlap
// by twice that, which leaves one padding between their lines.
func innerPad() float32 { return theme.InnerPadding() / 2 }
