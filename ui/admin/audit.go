package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/kit"
)

// auditPageSize is the number of entries per page of the audit tab.
const auditPageSize = 50

// auditTab is the audit log tab: the tenant's entries, newest first, a
// page at a time.
type auditTab struct {
	c *Console

	list                 *widget.List
	page                 *widget.Label
	newest, newer, older *widget.Button

	entries []api.AdminAuditEntry
	// cursors are the Before of each page shown so far, the newest page's
	// 0 first: "Newer" goes back one.
	cursors []int64
	next    int64
	loaded  bool
	gen     int
}

func newAuditTab(c *Console) *auditTab {
	a := &auditTab{c: c, page: widget.NewLabel("")}
	a.list = widget.NewList(func() int { return len(a.entries) }, newAuditRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		o.(*auditRow).show(a.entries[i], a.c.userName)
	})
	a.list.OnSelected = func(i widget.ListItemID) { a.list.Unselect(i) }
	a.newest = widget.NewButtonWithIcon("Newest", theme.MediaSkipPreviousIcon(), func() { a.cursors = nil; a.load(0) })
	a.newer = widget.NewButtonWithIcon("Newer", theme.NavigateBackIcon(), func() {
		if len(a.cursors) > 1 {
			a.cursors = a.cursors[:len(a.cursors)-1]
			before := a.cursors[len(a.cursors)-1]
			a.cursors = a.cursors[:len(a.cursors)-1]
			a.load(before)
		}
	})
	a.older = widget.NewButtonWithIcon("Older", theme.NavigateNextIcon(), func() {
		if a.next > 0 {
			a.load(a.next)
		}
	})
	a.older.IconPlacement = widget.ButtonIconTrailingText
	return a
}

func (a *auditTab) content() fyne.CanvasObject {
	nav := container.NewBorder(nil, nil, a.page, container.NewHBox(a.newest, a.newer, a.older))
	return container.NewBorder(nil, nav, nil, nil, a.list)
}

// reload shows the newest page of the tenant shown.
func (a *auditTab) reload() {
	a.cursors = nil
	a.load(0)
}

func (a *auditTab) load(before int64) {
	a.loaded = true
	t := a.c.tenant
	if t.ID != 0 && !t.Allowed(api.AdminActionViewAudit) {
		a.entries, a.next = nil, 0
		a.list.Refresh()
		a.page.SetText(kit.SentenceOf(actionReason(t.Actions, api.AdminActionViewAudit, "you may not read this tenant's audit log")))
		a.buttons()
		return
	}
	a.gen++
	gen := a.gen
	var page api.AdminAuditPage
	a.page.SetText("Loading…")
	a.c.run(func(ctx context.Context, s session) (err error) {
		page, err = s.Audit(ctx, api.AdminAuditQuery{TenantID: t.ID, Before: before, Limit: auditPageSize})
		return err
	}, func(err error) {
		if gen != a.gen {
			return
		}
		if err != nil {
			a.page.SetText("")
			a.c.say(kit.ErrorSentence(err), true)
			return
		}
		a.entries, a.next = page.Entries, page.NextBefore
		a.cursors = append(a.cursors, before)
		a.list.ScrollToTop()
		a.list.Refresh()
		switch n := len(a.entries); {
		case n == 0 && len(a.cursors) == 1:
			a.page.SetText("No entries yet")
		default:
			a.page.SetText(fmt.Sprintf("Page %d · %d entries, newest first", len(a.cursors), n))
		}
		a.buttons()
	})
}

func (a *auditTab) buttons() {
	enable := func(b *widget.Button, on bool) {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(a.newest, len(a.cursors) > 1)
	enable(a.newer, len(a.cursors) > 1)
	enable(a.older, a.next > 0)
}

// userName names a user id from the team list loaded, else "user #id";
// 0 is the portal itself or an anonymous requester.
func (c *Console) userName(id int64) string {
	if id == 0 {
		return "the portal"
	}
	if c.team != nil {
		if i := c.team.index(id); i >= 0 {
			return c.team.users[i].Name
		}
	}
	if id == c.sessionUserID() {
		return "you"
	}
	return fmt.Sprintf("user #%d", id)
}

func (c *Console) sessionUserID() int64 {
	if c.sess == nil {
		return 0
	}
	return c.sess.Info().User.ID
}

// auditRow is one entry: when, what, who to whom, from where, and the
// details the portal recorded (never a secret).
type auditRow struct {
	widget.BaseWidget
	head, sub *widget.Label
}

func newAuditRow() fyne.CanvasObject {
	r := &auditRow{head: widget.NewLabel(""), sub: widget.NewLabel("")}
	r.head.Truncation = fyne.TextTruncateEllipsis
	r.sub.Truncation = fyne.TextTruncateEllipsis
	r.sub.TextStyle.Monospace = true
	r.ExtendBaseWidget(r)
	return r
}

func (r *auditRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.New(&tightVBox{}, r.head, r.sub))
}

func (r *auditRow) show(e api.AdminAuditEntry, name func(int64) string) {
	head := e.At.Local().Format("2006-01-02 15:04:05") + "   " + e.Action + "   by " + name(e.ActorID)
	if e.TargetUserID != 0 {
		head += " → " + name(e.TargetUserID)
	}
	r.head.SetText(head)
	var sub []string
	if e.SourceAddr != "" {
		sub = append(sub, "from "+e.SourceAddr)
	}
	if d := compactJSON(e.Details); d != "" && d != "{}" && d != "null" {
		sub = append(sub, d)
	}
	r.sub.SetText(strings.Join(sub, "   "))
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return ""
	}
	return b.String()
}
