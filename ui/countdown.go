package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// countdown is a thin bar showing how much of a code's period is left.
// widget.ProgressBar is as tall as a button, which drowns the codes.
type countdown struct {
	widget.BaseWidget
	value float64 // remaining fraction, 0 to 1
}

// lowFraction is when the bar turns to the warning colour: about the last
// 5 seconds of a 30-second period.
const lowFraction = 0.17

func newCountdown() *countdown {
	c := &countdown{}
	c.ExtendBaseWidget(c)
	return c
}

func (c *countdown) SetValue(v float64) {
	if v != c.value {
		c.value = v
		c.Refresh()
	}
}

func (c *countdown) CreateRenderer() fyne.WidgetRenderer {
	r := &countdownRenderer{c: c, bg: canvas.NewRectangle(nil), fg: canvas.NewRectangle(nil)}
	r.bg.CornerRadius, r.fg.CornerRadius = 2, 2
	r.Refresh()
	return r
}

type countdownRenderer struct {
	c      *countdown
	bg, fg *canvas.Rectangle
}

func (r *countdownRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.fg.Resize(fyne.NewSize(size.Width*float32(r.c.value), size.Height))
}

func (r *countdownRenderer) MinSize() fyne.Size { return fyne.NewSize(20, 4) }

func (r *countdownRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.fg.FillColor = theme.Color(theme.ColorNamePrimary)
	if r.c.value < lowFraction {
		r.fg.FillColor = theme.Color(theme.ColorNameWarning)
	}
	r.Layout(r.c.Size())
	r.bg.Refresh()
	r.fg.Refresh()
}

func (r *countdownRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.fg} }

func (r *countdownRenderer) Destroy() {}
