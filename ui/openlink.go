package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/ui/kit"
)

// OpenLink handles an otpauth link clicked in a browser or another app:
// the window comes forward and, once unlocked, shows what the link would
// add and asks. A web page must never add or replace an account silently.
func (w *Window) OpenLink(link string) {
	w.Show()
	if companion.IsLink(link) {
		w.openPortalLink(link)
		return
	}
	if !otpauth.IsLink(link) {
		dialog.ShowInformation("Not an authenticator link", "Latchkey opens otpauth:// and otpauth-migration:// links only.", w.win)
		return
	}
	if w.vault == nil {
		w.pendingLink = link // shown after unlocking
		return
	}
	a := &addDialog{w: w, im: importer.New(), status: widget.NewLabel(""), external: true}
	a.read("the link", []byte(link), importer.Options{})
}

// confirmExternal lists everything a clicked link would do and asks first.
func (a *addDialog) confirmExternal(plan *app.Plan, problems []string) {
	rows := container.NewVBox(kit.Wrapped("A link asks Latchkey to add these accounts. Add them only if you started this setup yourself."))
	choices := map[int]*widget.RadioGroup{}
	adds := 0
	for i, it := range plan.Items {
		switch it.Action {
		case app.ActionAdd:
			adds++
			rows.Add(kit.Wrapped("Add " + it.Account.Label()))
		case app.ActionSkip:
			rows.Add(kit.Wrapped(it.Account.Label() + ": " + it.Reason))
		case app.ActionAsk:
			adds++
			choice := widget.NewRadioGroup([]string{"Replace", "Keep both", "Skip"}, nil)
			choice.Horizontal = true
			choice.SetSelected("Skip") // from outside, nothing is replaced unless chosen
			choices[i] = choice
			rows.Add(widget.NewCard("", "", container.NewVBox(kit.Wrapped(it.Reason), choice)))
		}
	}
	for _, p := range problems {
		rows.Add(kit.Wrapped(p))
	}
	if adds == 0 {
		dialog.ShowCustom("Nothing to add", "Close", rows, a.w.win)
		return
	}
	// A scroll has no height of its own, and wrapped labels know theirs only
	// once laid out: short lists go without one.
	var content fyne.CanvasObject = rows
	if len(rows.Objects) > 8 {
		scroll := container.NewVScroll(rows)
		scroll.SetMinSize(fyne.NewSize(0, 320))
		content = scroll
	}
	d := dialog.NewCustomConfirm("Add from a link?", "Add", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		for i, c := range choices {
			plan.Items[i].Action = map[string]app.Action{"Replace": app.ActionReplace, "Keep both": app.ActionAdd, "Skip": app.ActionSkip}[c.Selected]
		}
		a.apply(plan, problems)
	}, a.w.win)
	d.Resize(fyne.NewSize(min(480, a.w.win.Canvas().Size().Width-20), 0))
	d.Show()
}

// sayExternal reports an external link's outcome where the user looks.
func (a *addDialog) sayExternal(msg string) {
	if a.w.list != nil {
		a.w.list.toast.show(strings.ReplaceAll(msg, "\n", " "))
	} else {
		dialog.ShowInformation("Link", msg, a.w.win)
	}
}
