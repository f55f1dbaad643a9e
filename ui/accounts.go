package ui

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// accountList shows every account with its current code and a countdown,
// refreshed by one ticker for the whole window.
type accountList struct {
	w        *Window
	accounts []vault.Account
	rows     []rowState
	list     *widget.List
	// stopTicker ends the ticker; nil until start.
	stopTicker func()
}

// rowState is what a row shows; recomputed on each tick.
type rowState struct {
	code     string
	progress float64 // elapsed fraction of the period; -1 for HOTP
}

func newAccountList(w *Window, v *vault.Vault) *accountList {
	l := &accountList{w: w, accounts: v.Accounts()}
	app.SortAccounts(l.accounts)
	l.rows = make([]rowState, len(l.accounts))
	l.compute(w.cfg.now())
	l.list = widget.NewList(
		func() int { return len(l.accounts) },
		newRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { l.updateRow(i, o) },
	)
	return l
}

func (l *accountList) content() fyne.CanvasObject {
	lock := widget.NewButtonWithIcon("Lock", theme.LoginIcon(), l.w.Lock)
	count := widget.NewLabel(accountCount(len(l.accounts)))
	top := container.NewBorder(nil, nil, count, lock)
	if len(l.accounts) == 0 {
		empty := widget.NewLabel("No accounts yet.\n\nAdd one from a terminal:\n  latchkey add 'otpauth://…'\n  latchkey import qr.png")
		empty.Alignment = fyne.TextAlignCenter
		return container.NewBorder(top, nil, nil, nil, container.NewCenter(empty))
	}
	return container.NewBorder(top, nil, nil, nil, l.list)
}

func accountCount(n int) string {
	if n == 1 {
		return "1 account"
	}
	return strconv.Itoa(n) + " accounts"
}

// start runs the window's single ticker until stop.
func (l *accountList) start() {
	l.stopTicker = l.w.cfg.scheduler().Every(time.Second, l.tick)
}

func (l *accountList) tick() {
	if l.compute(l.w.cfg.now()) {
		l.list.Refresh()
	}
}

func (l *accountList) stop() {
	if l.stopTicker != nil {
		l.stopTicker()
	}
}

// compute refreshes every row's state at t and reports whether any changed.
func (l *accountList) compute(t time.Time) bool {
	changed := false
	for i, a := range l.accounts {
		s := rowState{progress: -1}
		if code, err := codes.Generate(a, t); err == nil {
			s.code = groupDigits(code)
		} else {
			s.code = "invalid"
		}
		if win, err := codes.WindowAt(a, t); err == nil {
			s.progress = win.Progress(t)
		}
		if s != l.rows[i] {
			l.rows[i] = s
			changed = true
		}
	}
	return changed
}

// groupDigits splits a code for reading aloud: 123 456, 1234 5678.
func groupDigits(code string) string {
	switch len(code) {
	case 6:
		return code[:3] + " " + code[3:]
	case 7:
		return code[:3] + " " + code[3:]
	case 8:
		return code[:4] + " " + code[4:]
	}
	return code
}

func newRow() fyne.CanvasObject {
	issuer := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	issuer.Truncation = fyne.TextTruncateEllipsis
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	code := canvas.NewText("", theme.Color(theme.ColorNameForeground))
	// Not Bold: Fyne 2.7.1's test theme defines no bold monospace face and panics.
	code.TextStyle = fyne.TextStyle{Monospace: true}
	code.TextSize = 24
	bar := widget.NewProgressBar()
	bar.TextFormatter = func() string { return "" }
	labels := container.NewVBox(issuer, name)
	return container.NewBorder(nil, bar, nil, container.NewCenter(code), labels)
}

func (l *accountList) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(l.accounts) {
		return
	}
	a, s := l.accounts[i], l.rows[i]
	border := o.(*fyne.Container)
	labels := border.Objects[0].(*fyne.Container)
	bar := border.Objects[1].(*widget.ProgressBar)
	code := border.Objects[2].(*fyne.Container).Objects[0].(*canvas.Text)

	issuer := a.Issuer
	if issuer == "" {
		issuer = a.Name
	}
	labels.Objects[0].(*widget.Label).SetText(issuer)
	labels.Objects[1].(*widget.Label).SetText(a.Name)
	code.Text = s.code
	code.Color = theme.Color(theme.ColorNameForeground)
	code.Refresh()
	if s.progress < 0 {
		bar.Hide()
	} else {
		bar.Show()
		bar.SetValue(1 - s.progress)
	}
}
