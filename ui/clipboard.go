package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/ui/schedule"
)

// clipboardGuard puts codes on the clipboard and takes them off again
// after a delay, but only if the clipboard still holds that code: the user
// may have copied something else since.
type clipboardGuard struct {
	cancel func()
}

func (g *clipboardGuard) put(c fyne.Clipboard, s schedule.Scheduler, code string, after time.Duration) {
	if g.cancel != nil {
		g.cancel()
	}
	c.SetContent(code)
	g.cancel = s.After(after, func() {
		if c.Content() == code {
			c.SetContent("")
		}
	})
}

// toast is a short message at the bottom of the window, with an optional
// action such as Undo, that goes away by itself. It never shows a code.
type toast struct {
	label  *widget.Label
	action *widget.Button
	box    *fyne.Container
	s      schedule.Scheduler
	cancel func()
	// covers is hidden while a message shows, as both share a place.
	covers fyne.CanvasObject
}

const (
	toastFor       = 4 * time.Second
	toastActionFor = 10 * time.Second
)

func newToast(s schedule.Scheduler) *toast {
	t := &toast{s: s, label: widget.NewLabel("")}
	t.label.Alignment = fyne.TextAlignTrailing
	t.label.Truncation = fyne.TextTruncateEllipsis
	t.action = widget.NewButton("", nil)
	t.action.Hide()
	t.box = container.NewBorder(nil, nil, nil, t.action, t.label)
	return t
}

func (t *toast) show(msg string) { t.showAction(msg, "", nil) }

// showAction shows msg with a button that runs fn once.
func (t *toast) showAction(msg, action string, fn func()) {
	t.hide()
	t.label.SetText(msg)
	if t.covers != nil {
		t.covers.Hide()
	}
	d := toastFor
	if fn != nil {
		d = toastActionFor
		t.action.SetText(action)
		t.action.OnTapped = func() {
			t.hide()
			fn()
		}
		t.action.Show()
	}
	t.cancel = t.s.After(d, t.hide)
}

func (t *toast) hide() {
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	t.label.SetText("")
	t.action.OnTapped = nil
	t.action.Hide()
	if t.covers != nil {
		t.covers.Show()
	}
}
