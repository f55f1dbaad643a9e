package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/latchkey/latchkey/ui/kit"
)

// dialogLine is the one-sentence line of a dialog. Fyne sizes a dialog
// when it shows, so a line that appears or grows later refits it.
type dialogLine struct {
	label *widget.Label
	refit func()
}

func newDialogLine() *dialogLine { return &dialogLine{label: kit.ErrorLabel(), refit: func() {}} }

// fitTo makes the line refit d, width wide, and content, when it changes.
func (l *dialogLine) fitTo(d dialog.Dialog, content *fyne.Container, width float32) {
	l.refit = func() {
		content.Refresh()
		d.Resize(fyne.NewSize(width, 0))
	}
}

func (l *dialogLine) fail(msg string) { kit.SetError(l.label, msg); l.refit() }
func (l *dialogLine) note(msg string) { kit.SetNote(l.label, msg); l.refit() }
