package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/lockedout"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/vault"
)

// showLockedOut is the guided page for an account its user cannot sign in
// to: the portals' own troubleshooting steps, with live facts and one-click
// actions. Everything but the clock check works offline.
func (l *accountList) showLockedOut(a vault.Account) {
	g := lockedout.Build(lockedout.Input{Account: a, All: l.w.vault.Accounts(), Clock: l.w.clock.result, Now: l.w.now()})
	head := widget.NewLabelWithStyle("Locked out of "+g.Label+"? Try these steps in order.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord // an unwrapped line would widen every card past the dialog
	box := container.NewVBox(head)
	var dlg dialog.Dialog
	for _, s := range g.Steps {
		box.Add(l.stepView(s, g, a, func() { dlg.Hide() }))
	}
	dlg = dialog.NewCustom("Locked out?", "Close", container.NewVScroll(box), l.w.win)
	dlg.Resize(fyne.NewSize(min(560, l.w.win.Canvas().Size().Width-20), min(620, l.w.win.Canvas().Size().Height-40)))
	dlg.Show()
}

func (l *accountList) stepView(s lockedout.Step, g lockedout.Guide, a vault.Account, closeGuide func()) fyne.CanvasObject {
	icon := map[lockedout.State]fyne.Resource{
		lockedout.Fine: theme.ConfirmIcon(), lockedout.Attention: theme.WarningIcon(),
		lockedout.Unknown: theme.QuestionIcon(), lockedout.Unavailable: theme.CancelIcon(),
	}[s.State]
	if icon == nil {
		icon = theme.InfoIcon()
	}
	title := widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", s.Number, s.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	text := widget.NewLabel(strings.Join(s.Lines, "\n"))
	text.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(text)
	switch s.Kind {
	case lockedout.StepClock:
		body.Add(widget.NewButton("Check the clock now", func() { l.w.clock.check(); closeGuide() }))
	case lockedout.StepBackup:
		if g.BackupLeft > 0 {
			body.Add(widget.NewButton("Copy a backup code and mark it used", func() {
				closeGuide()
				l.useNextBackupCode(a)
			}))
		}
	case lockedout.StepRecovery:
		if a.RecoveryCode != "" {
			body.Add(widget.NewButton("Copy the recovery code", func() { l.copyText(a.RecoveryCode, "Recovery code copied") }))
		}
	case lockedout.StepAdmin:
		if linked(a) {
			ask := widget.NewButton("Ask the portal's admins from here…", func() { closeGuide(); l.showRecovery(a) })
			ask.Importance = widget.HighImportance
			body.Add(ask)
			body.Add(kit.Wrapped("Or send them this message yourself:"))
		}
		msg := widget.NewMultiLineEntry()
		msg.SetText(g.AdminMessage)
		msg.SetMinRowsVisible(6)
		body.Add(msg)
		body.Add(widget.NewButton("Copy the message", func() {
			l.w.app.Clipboard().SetContent(g.AdminMessage) // no secret: not cleared
			l.toast.show("Message copied")
		}))
	}
	return widget.NewCard("", "", container.NewBorder(nil, nil, widget.NewIcon(icon), nil, container.NewVBox(title, body)))
}

// useNextBackupCode copies the next unused backup code and marks it used.
func (l *accountList) useNextBackupCode(a vault.Account) {
	(&backupView{l: l, a: a, box: container.NewVBox()}).useNext()
}
