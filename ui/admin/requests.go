package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/kit"
)

// Status filters of the recovery queue: label and the portal's value.
var queueFilters = []kit.Choice[string]{
	{Label: "Pending", Value: api.RecoveryPending}, {Label: "Forwarded", Value: api.RecoveryForwarded},
	{Label: "Approved", Value: api.RecoveryApproved}, {Label: "Link issued", Value: api.RecoveryLinkIssued},
	{Label: "Denied", Value: api.RecoveryDenied}, {Label: "Completed", Value: api.RecoveryCompleted},
	{Label: "Expired", Value: api.RecoveryExpired}, {Label: "All", Value: ""},
}

// queueTab is the recovery requests tab: the requests of the tenant
// shown, and for the one chosen the requester's phrase next to an entry
// for the phrase the user reads out on the phone, and the decisions.
type queueTab struct {
	c *Console

	filter *widget.Select
	list   *widget.List
	count  *widget.Label
	detail *fyne.Container

	items    []api.RecoveryQueueItem
	selected int64
	gen      int
}

func newQueueTab(c *Console) *queueTab {
	q := &queueTab{c: c, count: widget.NewLabel("")}
	q.filter = widget.NewSelect(kit.ChoiceLabels(queueFilters), nil)
	q.filter.SetSelectedIndex(0)
	q.filter.OnChanged = func(string) { q.reload() }
	q.list = widget.NewList(func() int { return len(q.items) }, newListRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		showRequest(o.(*listRow), q.items[i], q.c.tenant.ID)
	})
	q.list.OnSelected = func(i widget.ListItemID) {
		if i < len(q.items) {
			q.selected = q.items[i].ID
			q.showDetail()
		}
	}
	q.detail = container.NewVBox()
	q.clearDetail()
	return q
}

func (q *queueTab) content() fyne.CanvasObject {
	top := container.NewBorder(nil, nil, widget.NewLabel("Show"), nil, q.filter)
	left := container.NewBorder(top, q.count, nil, nil, q.list)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(q.detail)))
	split.Offset = 0.4
	return split
}

// reload asks the portal for the queue and keeps the tenant's requests:
// those of the tenant shown, and, with the own tenant shown, those of no
// tenant in the switcher (forwarded to this platform, or unmatched).
func (q *queueTab) reload() {
	q.gen++
	gen := q.gen
	status := kit.ChoiceValue(queueFilters, q.filter.Selected)
	tenant := q.c.tenant.ID
	var all []api.RecoveryQueueItem
	q.count.SetText("Loading…")
	q.c.run(func(ctx context.Context, s session) (err error) {
		all, err = s.Requests(ctx, status)
		return err
	}, func(err error) {
		if gen != q.gen {
			return
		}
		if err != nil {
			q.count.SetText("")
			q.c.say(kit.ErrorSentence(err), true)
			return
		}
		q.items = q.items[:0]
		for _, it := range all {
			if it.TenantID == tenant || q.c.ownTenant(tenant) && !q.c.knownTenant(it.TenantID) {
				q.items = append(q.items, it)
			}
		}
		q.list.UnselectAll()
		q.list.Refresh()
		q.count.SetText(requestCount(len(q.items)))
		q.c.tabs.Items[1].Text = "Recovery requests"
		if n := q.pending(); n > 0 {
			q.c.tabs.Items[1].Text = fmt.Sprintf("Recovery requests (%d)", n)
		}
		q.c.tabs.Refresh()
		if i := q.index(q.selected); i >= 0 {
			q.list.Select(i)
		} else {
			q.selected = 0
			q.clearDetail()
		}
	})
}

func (q *queueTab) pending() int {
	n := 0
	for _, it := range q.items {
		if it.Status == api.RecoveryPending {
			n++
		}
	}
	return n
}

func requestCount(n int) string {
	switch n {
	case 0:
		return "No requests"
	case 1:
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

func (q *queueTab) index(id int64) int {
	if id == 0 {
		return -1
	}
	return slices.IndexFunc(q.items, func(it api.RecoveryQueueItem) bool { return it.ID == id })
}

func (q *queueTab) clearDetail() {
	q.detail.RemoveAll()
	hint := widget.NewLabel("Choose a request. Call the user on a number you know is theirs, and have them read the phrase on their screen.")
	hint.Wrapping = fyne.TextWrapWord
	hint.TextStyle.Italic = true
	q.detail.Add(hint)
}

// showDetail shows the chosen request: who asked, from where, their
// message, the phrase their screen shows, an entry for the phrase they
// read out, and the decisions the portal offers.
func (q *queueTab) showDetail() {
	i := q.index(q.selected)
	if i < 0 {
		q.clearDetail()
		return
	}
	it := q.items[i]
	q.detail.RemoveAll()
	q.detail.Add(heading("Request from " + it.Email))
	account := "No account has this address: deny the request."
	if it.Matched && it.User != nil {
		account = it.User.Name + " (" + roleLabel(it.User.Role) + ")"
	}
	facts := container.New(&kit.FormLayout{},
		widget.NewLabel("Status"), widget.NewLabel(requestStatusText(it.Status)),
		widget.NewLabel("Account"), kit.Wrapped(account),
		widget.NewLabel("Asked"), widget.NewLabel(it.CreatedAt.Local().Format("2 Jan 2006 15:04")+" from "+it.SourceAddr),
		widget.NewLabel("Expires"), widget.NewLabel(it.ExpiresAt.Local().Format("2 Jan 2006 15:04")),
	)
	if it.TenantName != "" && it.TenantID != q.c.tenant.ID {
		facts.Add(widget.NewLabel("Tenant"))
		facts.Add(kit.Wrapped(it.TenantName))
	}
	msg := "No message."
	if strings.TrimSpace(it.Message) != "" {
		msg = it.Message // a widget.Label shows text as it is: no markup to escape
	}
	facts.Add(widget.NewLabel("Message"))
	facts.Add(kit.Wrapped(msg))
	q.detail.Add(facts)
	q.detail.Add(widget.NewSeparator())

	if it.Phrase != "" {
		q.detail.Add(widget.NewLabel("The requester's screen shows this phrase:"))
		q.detail.Add(kit.PhraseText(it.Phrase))
	}
	heard := widget.NewEntry()
	heard.SetPlaceHolder("Type the phrase the user reads to you")
	match := widget.NewLabel("")
	match.Wrapping = fyne.TextWrapWord
	approve := widget.NewButtonWithIcon("Approve and send the link", theme.ConfirmIcon(), func() { q.approve(it, heard.Text) })
	approve.Importance = widget.HighImportance
	allowed := slices.Contains(it.Actions, api.RecoveryActionApprove)
	update := func(s string) {
		switch {
		case strings.TrimSpace(s) == "":
			match.SetText("")
			match.Hide()
			approve.Disable()
		case it.Phrase != "" && phraseKey(s) == phraseKey(it.Phrase):
			match.SetText("✓ The phrases match.")
			match.Importance = widget.SuccessImportance
			approve.Enable()
		case it.Phrase != "" && strings.HasPrefix(phraseKey(it.Phrase), phraseKey(s)):
			match.SetText("So far the phrases match…")
			match.Importance = widget.MediumImportance
			approve.Disable()
		case it.Phrase != "":
			match.SetText("✗ The phrases differ: do not approve. Ask the user to read it again.")
			match.Importance = widget.DangerImportance
			approve.Disable()
		default:
			match.SetText("")
			approve.Enable() // the portal checks the phrase it holds
		}
		if match.Text != "" {
			match.Show()
		}
		match.Refresh()
		q.detail.Refresh()
		if !allowed {
			approve.Disable()
		}
	}
	heard.OnChanged = update
	heard.OnSubmitted = func(string) {
		if !approve.Disabled() {
			approve.OnTapped()
		}
	}
	update("")
	if allowed {
		q.detail.Add(widget.NewForm(widget.NewFormItem("Phrase heard", heard)))
		q.detail.Add(match)
	}
	q.detail.Add(q.queueAction(approve, it, api.RecoveryActionApprove))
	deny := widget.NewButtonWithIcon("Deny…", theme.CancelIcon(), func() { q.deny(it) })
	q.detail.Add(q.queueAction(deny, it, api.RecoveryActionDeny))
	forward := widget.NewButtonWithIcon("Forward to platform support…", theme.MailForwardIcon(), func() { q.forward(it) })
	q.detail.Add(q.queueAction(forward, it, api.RecoveryActionForward))
}

// queueAction greys out a decision the portal does not offer on it, and
// says why.
func (q *queueTab) queueAction(b *widget.Button, it api.RecoveryQueueItem, action string) fyne.CanvasObject {
	if slices.Contains(it.Actions, action) {
		return b
	}
	b.Disable()
	why := widget.NewLabel(q.queueReason(it, action))
	why.Wrapping = fyne.TextWrapWord
	why.TextStyle = fyne.TextStyle{Italic: true}
	return container.NewVBox(b, why)
}

// queueReason says why a decision is not offered. The queue lists the
// allowed actions only, so the reason follows the portal's rules from the
// request's state, tenant and requester.
func (q *queueTab) queueReason(it api.RecoveryQueueItem, action string) string {
	decided := it.Status != api.RecoveryPending && it.Status != api.RecoveryForwarded
	switch {
	case decided:
		return "The request is " + requestStatusText(it.Status) + ": there is nothing left to decide."
	case action == api.RecoveryActionForward && it.Status == api.RecoveryForwarded:
		return "The request is with platform support already."
	case action == api.RecoveryActionForward && q.c.ownTenant(it.TenantID):
		return "Requests of your own tenant are decided here; forwarding is for your customer tenants' requests."
	case action == api.RecoveryActionForward:
		return "Your role may not forward this request."
	case !it.Matched && action == api.RecoveryActionApprove:
		return "No account has this address, so there is no one to send a link to."
	case it.User != nil && it.User.ID == q.c.sessionUserID():
		return "Nobody may decide their own request; ask another admin."
	case it.TenantID != 0 && !q.c.ownTenant(it.TenantID) && it.Status != api.RecoveryForwarded:
		return "Admins of a reseller cannot decide a customer tenant's requests: forward it to platform support."
	case it.User != nil && it.User.Role == api.AdminRoleOwner:
		return "Only an owner may decide an owner's request."
	}
	return "Your role may not decide this request."
}

func requestStatusText(s string) string {
	switch s {
	case api.RecoveryPending:
		return "pending"
	case api.RecoveryApproved:
		return "approved"
	case api.RecoveryDenied:
		return "denied"
	case api.RecoveryForwarded:
		return "forwarded to platform support"
	case api.RecoveryLinkIssued:
		return "approved, link issued"
	case api.RecoveryCompleted:
		return "completed"
	case api.RecoveryExpired:
		return "expired"
	}
	return s
}

// phraseKey folds a phrase as the portal compares it: case and anything
// between the letters do not count.
func phraseKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func (q *queueTab) approve(it api.RecoveryQueueItem, heard string) {
	var got api.RecoveryDecision
	q.c.run(func(ctx context.Context, s session) (err error) {
		got, err = s.Approve(ctx, it.ID, heard)
		return err
	}, func(err error) {
		if err != nil {
			q.c.say(kit.ErrorSentence(err), true)
			return
		}
		msg := "Approved."
		if l := got.Link; l != nil {
			var to []string
			if l.Emailed {
				to = append(to, "e-mailed to "+it.Email)
			}
			if l.ForApp {
				to = append(to, "handed to the user's Latchkey")
			}
			msg = fmt.Sprintf("Approved: the recovery link was %s and works until %s.", strings.Join(to, " and "), l.ExpiresAt.Local().Format("2 Jan 15:04"))
		}
		q.c.say(msg, false)
		q.reload()
	})
}

func (q *queueTab) deny(it api.RecoveryQueueItem) {
	reason := widget.NewMultiLineEntry()
	reason.SetPlaceHolder("Optional: why, for the requester's e-mail")
	reason.SetMinRowsVisible(3)
	content := container.NewVBox(kit.Wrapped("Deny the request of "+it.Email+"? They can ask again."), reason)
	d := dialog.NewCustomConfirm("Deny the request?", "Deny", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		text := strings.TrimSpace(reason.Text)
		deny := func(ctx context.Context, s session) (api.RecoveryDecision, error) {
			return s.Deny(ctx, it.ID, text)
		}
		q.decide(deny, "Denied the request of "+it.Email+".")
	}, q.c.win)
	d.Resize(fyne.NewSize(440, 0))
	d.Show()
}

func (q *queueTab) forward(it api.RecoveryQueueItem) {
	msg := "Forward the request of " + it.Email + " to platform support? They decide it from then on."
	d := dialog.NewConfirm("Forward the request?", msg, func(ok bool) {
		if !ok {
			return
		}
		forward := func(ctx context.Context, s session) (api.RecoveryDecision, error) {
			return s.Forward(ctx, it.ID)
		}
		q.decide(forward, "Forwarded the request of "+it.Email+" to platform support.")
	}, q.c.win)
	d.SetConfirmText("Forward")
	d.Show()
}

func (q *queueTab) decide(do func(context.Context, session) (api.RecoveryDecision, error), done string) {
	q.c.run(func(ctx context.Context, s session) error {
		_, err := do(ctx, s)
		return err
	}, func(err error) {
		if err != nil {
			q.c.say(kit.ErrorSentence(err), true)
			return
		}
		q.c.say(done, false)
		q.reload()
	})
}

// showRequest fills r with request it, whose tenant is named unless it is
// the console's own.
func showRequest(r *listRow, it api.RecoveryQueueItem, tenant int64) {
	r.title.SetText(it.Email)
	sub := it.CreatedAt.Local().Format("2 Jan 15:04")
	if it.TenantName != "" && it.TenantID != tenant {
		sub += " · " + it.TenantName
	}
	if !it.Matched {
		sub += " · no such account"
	}
	r.sub.SetText(sub)
	r.state.SetText(requestStatusText(it.Status))
	r.state.Importance = widget.MediumImportance
	if it.Status == api.RecoveryPending {
		r.state.Importance = widget.WarningImportance
	}
	r.state.Refresh()
}
