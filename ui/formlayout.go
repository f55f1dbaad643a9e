package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// formLayout lays out label–value pairs in two columns, the labels as
// wide as the widest, the values taking the rest: widget.Form's look
// without its entry-sized rows, for read-only facts.
type formLayout struct{}

func (formLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	lw, vw, h := formColumns(objects)
	pad := theme.Padding()
	rows := (len(objects) + 1) / 2
	return fyne.NewSize(lw+pad+vw, h+pad*float32(max(rows-1, 0)))
}

func (formLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	lw, _, _ := formColumns(objects)
	pad := theme.Padding()
	y := float32(0)
	for i := 0; i+1 < len(objects); i += 2 {
		label, value := objects[i], objects[i+1]
		vw := max(size.Width-lw-pad, 0)
		value.Resize(fyne.NewSize(vw, value.MinSize().Height))
		rh := max(label.MinSize().Height, value.MinSize().Height)
		label.Move(fyne.NewPos(0, y))
		label.Resize(fyne.NewSize(lw, label.MinSize().Height))
		value.Move(fyne.NewPos(lw+pad, y))
		value.Resize(fyne.NewSize(vw, rh))
		y += rh + pad
	}
}

// formColumns is the label column's width, the widest value and the
// height of all rows.
func formColumns(objects []fyne.CanvasObject) (lw, vw, h float32) {
	for i := 0; i+1 < len(objects); i += 2 {
		l, v := objects[i].MinSize(), objects[i+1].MinSize()
		lw, vw = max(lw, l.Width), max(vw, v.Width)
		h += max(l.Height, v.Height)
	}
	return lw, vw, h
}
