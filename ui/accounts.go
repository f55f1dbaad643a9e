package ui

import (
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// showNextWithin is when a row starts showing the next code too.
const showNextWithin = 5 * time.Second

// accountList is the main screen: a search field and every account with its
// current code and a countdown, refreshed by one ticker for the window.
type accountList struct {
	w     *Window
	all   []vault.Account // sorted
	shown []vault.Account // all, filtered by the search
	rows  []rowState      // of shown, as last computed
	// data holds what each shown row displays; rows listen to their item,
	// so a tick redraws only the rows whose view changed.
	data   binding.List[rowView]
	list   *widget.List
	search *widget.Entry
	status *widget.Label
	toast  *toast

	stopTicker func()
	clip       clipboardGuard
	lastRedraw time.Time
}

// rowState is what a row shows; recomputed on each tick.
type rowState struct {
	code, next string  // grouped digits; next only near the period's end
	progress   float64 // remaining fraction of the period; -1 for HOTP
	err        bool
}

func newAccountList(w *Window) *accountList {
	l := &accountList{w: w}
	l.search = widget.NewEntry()
	l.search.SetPlaceHolder("Search (Ctrl+F)")
	l.search.OnChanged = func(string) {
		l.w.touch()
		l.refilter()
	}
	l.search.OnSubmitted = func(string) { l.copyIndex(0) }
	l.status = widget.NewLabel("")
	l.toast = newToast(w.cfg.scheduler())
	l.data = binding.NewList[rowView](nil) // the comparator is unused (see tick)
	l.list = widget.NewListWithData(l.data,
		func() fyne.CanvasObject { return newAccountRow(l) },
		func(item binding.DataItem, o fyne.CanvasObject) {
			o.(*accountRow).bindItem(item.(binding.Item[rowView]))
		},
	)
	l.list.OnSelected = func(i widget.ListItemID) {
		l.list.Unselect(i)
		l.copyIndex(i)
	}
	l.reload()
	return l
}

// reload takes the accounts from the vault again, after a change.
func (l *accountList) reload() {
	l.all = l.w.vault.Accounts()
	app.SortAccounts(l.all)
	l.refilter()
	l.w.refreshTray()
}

func (l *accountList) refilter() {
	l.shown = app.Filter(l.all, l.search.Text)
	l.rows = make([]rowState, len(l.shown))
	l.compute(l.w.codeTime())
	views := make([]rowView, len(l.shown))
	for i := range l.shown {
		views[i] = l.view(i)
	}
	l.data.Set(views)
	l.lastRedraw = l.w.now()
	l.status.SetText(accountCount(len(l.shown), len(l.all)))
}

func (l *accountList) same(i int, v rowView) bool {
	old, err := l.data.GetValue(i)
	return err == nil && old == v
}

// view is what row i shows now.
func (l *accountList) view(i int) rowView { return viewOf(l.shown[i], l.rows[i]) }

func accountCount(shown, all int) string {
	switch {
	case shown != all:
		return fmt.Sprintf("%d of %d accounts", shown, all)
	case all == 1:
		return "1 account"
	}
	return strconv.Itoa(all) + " accounts"
}

func (l *accountList) content() fyne.CanvasObject {
	add := widget.NewButtonWithIcon("", theme.ContentAddIcon(), l.w.showAdd)
	add.Importance = widget.HighImportance
	menu := widget.NewButtonWithIcon("", theme.MenuIcon(), nil)
	menu.OnTapped = func() {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(menu).Add(fyne.NewPos(0, menu.Size().Height))
		widget.ShowPopUpMenuAtPosition(l.w.mainMenu(), l.w.win.Canvas(), pos)
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(add, menu), l.search), l.w.clock.banner)
	// The toast covers the clock line while it shows.
	l.toast.covers = l.w.clock.status
	bottom := container.NewBorder(nil, nil, l.status, nil, container.NewStack(l.w.clock.status, l.toast.box))
	var body fyne.CanvasObject = l.list
	if len(l.all) == 0 {
		empty := widget.NewLabel("No accounts yet.\n\nPress + to add one: scan a QR code on screen,\nopen a screenshot, paste a link, or type the secret.")
		empty.Alignment = fyne.TextAlignCenter
		body = container.NewCenter(empty)
	}
	return container.NewBorder(container.NewPadded(top), container.NewPadded(bottom), nil, nil, body)
}

// start runs the window's single ticker until stop, and takes the keys.
func (l *accountList) start() {
	l.stopTicker = l.w.cfg.scheduler().Every(time.Second, l.tick)
	l.w.clock.tick() // the start-up check
	c := l.w.win.Canvas()
	// Typing anywhere searches. The field is not focused up front: a
	// blinking cursor repaints the window twice a second, forever.
	c.SetOnTypedRune(func(r rune) {
		c.Focus(l.search)
		l.search.TypedRune(r)
	})
}

var searchShortcut = desktopShortcut(fyne.KeyF)

// backgroundRedraw is how often the countdowns move while another app has
// the focus; codes still change on time. Every redraw is a full frame,
// which software GL renders on the CPU.
const backgroundRedraw = 5 * time.Second

func (l *accountList) tick() {
	now := l.w.now()
	codesChanged, changed := l.compute(l.w.codeTime())
	if changed && (!l.w.background || codesChanged || now.Sub(l.lastRedraw) >= backgroundRedraw) {
		for i := range l.shown {
			// SetValue notifies the row even for an equal value (Fyne
			// 2.7.1 compares only in external lists): compare first.
			if v := l.view(i); !l.same(i, v) {
				l.data.SetValue(i, v)
			}
		}
		l.lastRedraw = now
	}
	l.w.clock.tick()
	l.w.checkIdle()
}

func (l *accountList) stop() {
	if l.stopTicker != nil {
		l.stopTicker()
	}
	l.w.win.Canvas().SetOnTypedRune(nil)
	l.toast.hide()
}

// compute refreshes every shown row at t and reports whether a code and
// whether anything changed, so nothing is redrawn when nothing changed.
func (l *accountList) compute(t time.Time) (codesChanged, changed bool) {
	for i, a := range l.shown {
		s := stateAt(a, t)
		if s != l.rows[i] {
			codesChanged = codesChanged || s.code != l.rows[i].code || s.next != l.rows[i].next
			l.rows[i] = s
			changed = true
		}
	}
	return codesChanged, changed
}

func stateAt(a vault.Account, t time.Time) rowState {
	s := rowState{progress: -1}
	code, err := codes.Generate(a, t)
	if err != nil {
		return rowState{code: "invalid account", progress: -1, err: true}
	}
	s.code = groupDigits(code)
	win, err := codes.WindowAt(a, t)
	if err != nil { // HOTP
		return s
	}
	// Whole seconds: the bar moves once per tick and rows only redraw then.
	left := win.Remaining(t).Truncate(time.Second)
	s.progress = float64(left) / float64(win.Period())
	if left < showNextWithin {
		if next, err := codes.Next(a, t); err == nil {
			s.next = groupDigits(next)
		}
	}
	return s
}

// groupDigits splits a code for reading aloud: 123 456, 1234 5678.
func groupDigits(code string) string {
	switch len(code) {
	case 6, 7:
		return code[:3] + " " + code[3:]
	case 8:
		return code[:4] + " " + code[4:]
	}
	return code
}

func (l *accountList) copyIndex(i int) {
	if i < 0 || i >= len(l.shown) {
		return
	}
	l.copy(l.shown[i])
}

// copy puts the account's code on the clipboard, or the next one when the
// current expires too soon to be pasted, and clears it later.
func (l *accountList) copy(a vault.Account) {
	l.w.touch()
	code, next, err := app.CodeToCopy(a, l.w.codeTime())
	if err != nil {
		l.toast.show("This account's settings are invalid: edit it.")
		return
	}
	delay := app.ClipboardClearAfter(l.w.vault.Settings())
	l.clip.put(l.w.app.Clipboard(), l.w.cfg.scheduler(), code, delay)
	msg := fmt.Sprintf("Copied, clears in %d s", int(delay.Seconds()))
	if next {
		msg = fmt.Sprintf("Copied the next code (the current one was about to expire), clears in %d s", int(delay.Seconds()))
	}
	l.toast.show(msg)
}

// rowView is everything a row shows, as one comparable value: the data
// binding compares it and tells a row to redraw only when it changed.
type rowView struct {
	ID           string
	Issuer, Name string
	LowCodes     bool
	rowState
}

func viewOf(a vault.Account, s rowState) rowView {
	v := rowView{ID: a.ID, Issuer: a.Issuer, Name: a.Name, rowState: s}
	if v.Issuer == "" {
		v.Issuer, v.Name = a.Name, ""
	}
	if a.Favourite {
		v.Issuer = "★ " + v.Issuer
	}
	if a.Group != "" {
		v.Name = joinNonEmpty(v.Name, a.Group)
	}
	if len(a.BackupCodes) > 0 {
		left := a.BackupCodesLeft()
		v.Name = joinNonEmpty(v.Name, fmt.Sprintf("%d backup codes", left))
		v.LowCodes = left <= backupcodes.LowThreshold
	}
	return v
}

// accountRow is one account in the list, bound to one item of the list's
// data at a time (rows are recycled as the list scrolls).
type accountRow struct {
	widget.BaseWidget
	l          *accountList
	id         string
	item       binding.Item[rowView]
	listener   binding.DataListener
	issuer     *widget.Label
	name       *widget.Label
	code, next *widget.Label
	bar        *countdown
	hotpNext   *widget.Button
	menu       *widget.Button
	texts      rowView // what the labels show now (progress unset)
	drawn      bool
}

func newAccountRow(l *accountList) *accountRow {
	r := &accountRow{l: l}
	r.issuer = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.issuer.Truncation = fyne.TextTruncateEllipsis
	r.name = widget.NewLabel("")
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.code = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Monospace: true})
	r.code.SizeName = theme.SizeNameHeadingText
	r.next = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Monospace: true})
	r.next.SizeName = theme.SizeNameCaptionText
	r.bar = newCountdown()
	r.hotpNext = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() {
		if a, ok := r.account(); ok {
			r.l.advance(a)
		}
	})
	r.menu = widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), r.showMenu)
	r.menu.Importance = widget.LowImportance
	r.listener = binding.NewDataListener(r.fromItem)
	r.ExtendBaseWidget(r)
	return r
}

func (r *accountRow) CreateRenderer() fyne.WidgetRenderer {
	labels := container.NewVBox(r.issuer, r.name)
	codes := container.NewVBox(r.code, r.next)
	right := container.NewHBox(codes, r.hotpNext, r.menu)
	return widget.NewSimpleRenderer(container.NewBorder(nil, r.bar, nil, right, labels))
}

// account is the row's account as the list holds it now.
func (r *accountRow) account() (vault.Account, bool) {
	for _, a := range r.l.shown {
		if a.ID == r.id {
			return a, true
		}
	}
	return vault.Account{}, false
}

// bindItem makes the row follow one item of the list's data.
func (r *accountRow) bindItem(item binding.Item[rowView]) {
	if r.item == item {
		r.fromItem()
		return
	}
	if r.item != nil {
		r.item.RemoveListener(r.listener)
	}
	r.item = item
	item.AddListener(r.listener) // calls fromItem once now
}

func (r *accountRow) fromItem() {
	if r.item == nil {
		return
	}
	if v, err := r.item.Get(); err == nil {
		r.show(v)
	}
}

// show displays a view, touching only what changed: setting a label's
// text shapes and lays it out again even when it is the same, and the
// countdown changes every second while the texts do not.
func (r *accountRow) show(v rowView) {
	r.id = v.ID
	r.showBar(v.progress) // the countdown skips equal values itself
	v.progress = 0
	if r.drawn && v == r.texts {
		return
	}
	r.issuer.SetText(v.Issuer)
	r.name.Importance = widget.MediumImportance
	if v.LowCodes {
		r.name.Importance = widget.WarningImportance
	}
	r.name.SetText(v.Name)
	r.code.Importance = widget.MediumImportance
	if v.err {
		r.code.Importance = widget.DangerImportance
	}
	r.code.SetText(v.code)
	r.next.SetText("")
	if v.next != "" {
		r.next.SetText("next " + v.next)
	}
	r.texts, r.drawn = v, true
	// The row was laid out empty: lay it out again for the new texts, or
	// the code keeps a width of nothing and spills over the names.
	r.Refresh()
}

func (r *accountRow) showBar(progress float64) {
	if progress < 0 {
		r.bar.Hide()
		r.hotpNext.Show()
		return
	}
	r.bar.Show()
	r.hotpNext.Hide()
	r.bar.SetValue(progress)
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " · " + b
}

func (r *accountRow) showMenu() {
	a, ok := r.account()
	if !ok {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.menu).Add(fyne.NewPos(0, r.menu.Size().Height))
	widget.ShowPopUpMenuAtPosition(r.l.accountMenu(a), r.l.w.win.Canvas(), pos)
}
