package ui

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/app/qrimage"
	"github.com/latchkey/latchkey/vault"
)

// accountMenu is the per-account menu of a row.
func (l *accountList) accountMenu(a vault.Account) *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem("Copy code", func() { l.copy(a) })}
	if a.Type == vault.HOTP {
		items = append(items, fyne.NewMenuItem("Next code", func() { l.advance(a) }))
	}
	fav := "Add to favourites"
	if a.Favourite {
		fav = "Remove from favourites"
	}
	items = append(items,
		fyne.NewMenuItem(fav, func() { l.setFavourite(a, !a.Favourite) }),
		fyne.NewMenuItem("Move up", func() { l.move(a, -1) }),
		fyne.NewMenuItem("Move down", func() { l.move(a, +1) }),
		fyne.NewMenuItem("Edit…", func() { l.edit(a) }),
		fyne.NewMenuItem("Backup codes…", func() { l.showBackupCodes(a) }),
		fyne.NewMenuItem("Locked out?", func() { l.showLockedOut(a) }),
		fyne.NewMenuItem("Show QR code…", func() { l.confirmShowQR(a) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Link to portal…", func() { l.showLinkPortal(a) }),
	)
	if linked(a) {
		items = append(items, fyne.NewMenuItem("Ask admin for recovery link…", func() { l.showRecovery(a) }))
	}
	if l.w.mayAdmin(a) {
		items = append(items, fyne.NewMenuItem("Admin console…", func() { l.w.showAdminConsole(a) }))
	}
	items = append(items,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete…", func() { l.confirmDelete(a) }),
	)
	return fyne.NewMenu("", items...)
}

// change edits one account in the vault and refreshes the list.
func (l *accountList) change(a vault.Account, change app.Change, done func()) {
	l.w.update(func(d *vault.Document) error {
		_, err := app.EditAccount(d, a, change)
		return err
	}, done)
}

// advance moves an HOTP counter on: the code shown was used.
func (l *accountList) advance(a vault.Account) {
	l.change(a, app.AdvanceCounter, func() { l.toast.show("Counter advanced: the next code is shown") })
}

// move moves an account within its section of the list (favourites, a
// group, the ungrouped).
func (l *accountList) move(a vault.Account, delta int) {
	pos := app.Move(l.all, a.ID, delta)
	if pos == nil {
		l.toast.show("It is already at the edge of its section")
		return
	}
	l.w.update(func(d *vault.Document) error {
		for i := range d.Accounts {
			if p, ok := pos[d.Accounts[i].ID]; ok {
				d.Accounts[i].Position = p
			}
		}
		return nil
	}, nil)
}

func (l *accountList) setFavourite(a vault.Account, on bool) {
	l.change(a, func(acc vault.Account) (vault.Account, error) { acc.Favourite = on; return acc, nil }, nil)
}

func (l *accountList) edit(a vault.Account) {
	issuer, name, group := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	issuer.SetText(a.Issuer)
	name.SetText(a.Name)
	group.SetText(a.Group)
	group.SetPlaceHolder("e.g. the customer tenant")
	note := widget.NewMultiLineEntry()
	note.SetText(a.Note)
	note.SetMinRowsVisible(3)
	items := []*widget.FormItem{
		widget.NewFormItem("Issuer", issuer), widget.NewFormItem("Account", name),
		widget.NewFormItem("Group", group), widget.NewFormItem("Note", note),
	}
	d := dialog.NewForm("Edit account", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		l.change(a, func(acc vault.Account) (vault.Account, error) {
			acc.Issuer, acc.Name, acc.Group, acc.Note = issuer.Text, name.Text, group.Text, note.Text
			return acc, nil
		}, nil)
	}, l.w.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

func (l *accountList) confirmDelete(a vault.Account) {
	msg := fmt.Sprintf("Delete %s? Without it you cannot sign in to that portal from this computer, unless you have a backup code or another authenticator.", a.Label())
	dialog.ShowConfirm("Delete account", msg, func(ok bool) {
		if ok {
			l.delete(a)
		}
	}, l.w.win)
}

func (l *accountList) delete(a vault.Account) {
	var removed vault.Account
	var at int
	l.w.update(func(d *vault.Document) error {
		at = slices.IndexFunc(d.Accounts, func(x vault.Account) bool { return x.ID == a.ID })
		if at < 0 {
			return fmt.Errorf("the account was already deleted")
		}
		removed = d.Accounts[at].Clone()
		d.Accounts = slices.Delete(d.Accounts, at, at+1)
		return nil
	}, func() {
		l.toast.showAction("Deleted "+a.Label(), "Undo", func() { l.undelete(removed, at) })
	})
}

func (l *accountList) undelete(a vault.Account, at int) {
	l.w.update(func(d *vault.Document) error {
		at = min(at, len(d.Accounts))
		d.Accounts = slices.Insert(d.Accounts, at, a)
		return nil
	}, func() { l.toast.show("Restored " + a.Label()) })
}

func (l *accountList) confirmShowQR(a vault.Account) {
	msg := "The QR code holds this account's secret: anyone who sees or photographs it can make its codes. Show it only to move the account to a phone, with nobody watching your screen."
	dialog.ShowConfirm("Show QR code?", msg, func(ok bool) {
		if ok {
			l.showQR(a)
		}
	}, l.w.win)
}

func (l *accountList) showQR(a vault.Account) {
	img, err := qrimage.Encode(otpauth.Format(a), 320)
	if err != nil {
		dialog.ShowError(err, l.w.win)
		return
	}
	qr := canvas.NewImageFromImage(img)
	qr.FillMode = canvas.ImageFillContain
	qr.ScaleMode = canvas.ImageScalePixels
	qr.SetMinSize(fyne.NewSize(320, 320))
	label := widget.NewLabelWithStyle(a.Label(), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	dialog.ShowCustom("Scan with your phone", "Close", container.NewVBox(label, qr), l.w.win)
}

// display is the account's label (vault.Account.Label). It stays for
// ui/add.go and ui/admin_signin.go, which others are changing now; new
// code calls a.Label().
func display(a vault.Account) string { return a.Label() }
