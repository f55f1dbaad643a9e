// Package uitest has the helpers that the desktop interface's tests (ui,
// ui/admin) use to look at what a window shows under Fyne's test driver:
// walking a canvas object tree, the texts shown, buttons by label, and
// checks that no secret is on screen.
package uitest

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// FindAll walks a canvas object tree, widgets through their renderers,
// and returns the objects of type T.
func FindAll[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject) []T {
	var out []T
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if x, ok := o.(T); ok {
			out = append(out, x)
		}
		switch c := o.(type) {
		case *fyne.Container:
			for _, child := range c.Objects {
				walk(child)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, c)
			if r == nil {
				return
			}
			for _, child := range r.Objects() {
				walk(child)
			}
		}
	}
	walk(o)
	return out
}

// Texts is every text the canvas objects show: labels, canvas texts,
// entries, buttons, checks.
func Texts(t *testing.T, objs ...fyne.CanvasObject) []string {
	var out []string
	for _, o := range objs {
		for _, l := range FindAll[*widget.Label](t, o) {
			out = append(out, l.Text)
		}
		for _, c := range FindAll[*canvas.Text](t, o) {
			out = append(out, c.Text)
		}
	}
	return out
}

// ShowsText reports whether one of the texts objs show contains want.
func ShowsText(t *testing.T, want string, objs ...fyne.CanvasObject) bool {
	for _, s := range Texts(t, objs...) {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// ButtonIn finds a button by its label in objs, and fails the test
// without one.
func ButtonIn(t *testing.T, label string, objs ...fyne.CanvasObject) *widget.Button {
	t.Helper()
	for _, o := range objs {
		for _, b := range FindAll[*widget.Button](t, o) {
			if b.Text == label {
				return b
			}
		}
	}
	t.Fatalf("no button %q; the screen shows %q", label, Texts(t, objs...))
	return nil
}

// WinObjects is a window's content and its overlays (open dialogs and
// pop-ups).
func WinObjects(w fyne.Window) []fyne.CanvasObject {
	return append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
}

// NoSecretIn fails when any text on screen or in the given strings holds
// one of the secrets.
func NoSecretIn(t *testing.T, where string, got []string, secrets ...string) {
	t.Helper()
	for _, g := range got {
		for _, s := range secrets {
			if s != "" && strings.Contains(g, s) {
				t.Errorf("%s shows a secret: %q", where, g)
			}
		}
	}
}

// InUTC shows times in UTC for the test, so markup masters do not depend
// on the machine's zone.
func InUTC(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = old })
}
