package admin

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// listRow is one row of the console's lists (the team, the recovery
// queue): a bold title, an italic line under it, and a state on the right.
type listRow struct {
	widget.BaseWidget
	title, sub, state *widget.Label
}

func newListRow() fyne.CanvasObject {
	r := &listRow{title: widget.NewLabel(""), sub: widget.NewLabel(""), state: widget.NewLabel("")}
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.sub.Truncation = fyne.TextTruncateEllipsis
	r.sub.TextStyle.Italic = true
	r.ExtendBaseWidget(r)
	return r
}

func (r *listRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, r.state, container.New(&tightVBox{}, r.title, r.sub)))
}

// tightVBox stacks objects without padding: two lines of one list row.
type tightVBox struct{}

func (tightVBox) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - 2*innerPad()
	}
	return s.AddWidthHeight(0, 2*innerPad())
}

func (tightVBox) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for i, o := range objects {
		h := o.MinSize().Height
		if i > 0 {
			y -= 2 * innerPad()
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
}
