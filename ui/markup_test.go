package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The masters in testdata/ are the rendered scenes of the main list and the
// Add dialog. After a deliberate change, copy testdata/failed/*.xml over
// them and look at the diff.

func TestMainListMarkup(t *testing.T) {
	a := acct("a", "Acme RMM", "ann@acme.example", "JBSWY3DPEHPK3PXP")
	a.Group = "Acme"
	b := withCodes()
	b.ID, b.Issuer, b.Name, b.Favourite = "b", "Contoso", "tech", true
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(a, b, rfcAccount)
	w := e.open()
	w.win.Resize(fyne.NewSize(460, 420))
	test.AssertRendersToMarkup(t, "main_list.xml", w.win.Canvas())
}

func TestAddDialogMarkup(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	w := e.open()
	w.win.Resize(fyne.NewSize(460, 640))
	w.showAdd()
	test.AssertRendersToMarkup(t, "add_dialog.xml", w.win.Canvas())
}
