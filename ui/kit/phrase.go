package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// PhraseText shows a verification phrase large and clear: it is read out
// on the phone. It keeps to one line, its text shrinking on a narrow
// pane rather than being cut off or broken between words.
func PhraseText(phrase string) fyne.CanvasObject {
	t := canvas.NewText(phrase, theme.Color(theme.ColorNameForeground))
	t.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	t.Alignment = fyne.TextAlignCenter
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	bg.StrokeColor = theme.Color(theme.ColorNamePrimary)
	bg.StrokeWidth = 2
	return container.NewStack(bg, container.NewPadded(container.NewPadded(container.New(&phraseLayout{}, t))))
}

// phraseLayout sizes a phrase's text to the width it gets, between
// phraseMinSize and phraseMaxSize.
type phraseLayout struct{}

const (
	phraseMinSize = 16
	phraseMaxSize = 30
)

func (phraseLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	t := objects[0].(*canvas.Text)
	narrow := fyne.MeasureText(t.Text, phraseMinSize, t.TextStyle)
	tall := fyne.MeasureText(t.Text, phraseMaxSize, t.TextStyle)
	return fyne.NewSize(narrow.Width, tall.Height)
}

func (phraseLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	t := objects[0].(*canvas.Text)
	full := fyne.MeasureText(t.Text, phraseMaxSize, t.TextStyle)
	ts := float32(phraseMaxSize)
	if full.Width > size.Width && full.Width > 0 {
		ts = max(phraseMinSize, phraseMaxSize*size.Width/full.Width)
	}
	if t.TextSize != ts {
		t.TextSize = ts
		t.Refresh()
	}
	h := fyne.MeasureText(t.Text, ts, t.TextStyle).Height
	t.Move(fyne.NewPos(0, (size.Height-h)/2))
	t.Resize(fyne.NewSize(size.Width, h))
}
