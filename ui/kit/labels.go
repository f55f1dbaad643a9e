package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Wrapped is a label whose text wraps at word boundaries.
func Wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// ErrorLabel is the one-sentence error line of a portal dialog, hidden
// until SetError or SetNote shows it.
func ErrorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// SetError shows msg on l as an error.
func SetError(l *widget.Label, msg string) {
	l.SetText(msg)
	l.Importance = widget.DangerImportance
	l.Show()
	l.Refresh()
}

// SetNote shows msg on l as a plain note (progress, a hint).
func SetNote(l *widget.Label, msg string) {
	l.SetText(msg)
	l.Importance = widget.MediumImportance
	l.Show()
	l.Refresh()
}
