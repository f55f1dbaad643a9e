package ui

import (
	"bytes"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/breakglass"
	"github.com/latchkey/latchkey/vault"
)

// backupView is the backup and recovery codes of one account: copy and
// mark used in one action (with undo), add or replace a set from a paste,
// discard old codes, print the break-glass sheet.
type backupView struct {
	l *accountList
	// a is the account as the dialog opened: its id finds it in the vault,
	// its label names it if it was deleted meanwhile.
	a   vault.Account
	dlg dialog.Dialog
	box *fyne.Container
}

func (l *accountList) showBackupCodes(a vault.Account) {
	v := &backupView{l: l, a: a, box: container.NewVBox()}
	v.fill(a)
	v.dlg = dialog.NewCustom("Backup codes: "+a.Label(), "Close", container.NewVScroll(v.box), l.w.win)
	v.dlg.Resize(fyne.NewSize(min(520, l.w.win.Canvas().Size().Width-20), min(560, l.w.win.Canvas().Size().Height-40)))
	v.dlg.Show()
}

// account is the account as the vault holds it now.
func (v *backupView) account() (vault.Account, bool) {
	d := v.l.w.vault.Document()
	a, ok := d.Account(v.a.ID)
	if !ok {
		return vault.Account{}, false
	}
	return *a, true
}

func (v *backupView) refresh() {
	if a, ok := v.account(); ok {
		v.fill(a)
	}
}

func (v *backupView) fill(a vault.Account) {
	s := backupcodes.Summarize(a)
	v.box.RemoveAll()
	head := widget.NewLabelWithStyle(fmt.Sprintf("%d backup codes left", s.Left), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.box.Add(head)
	if w := backupcodes.Warning(a); w != "" {
		warn := widget.NewLabel(w)
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		v.box.Add(warn)
	}
	for _, c := range a.BackupCodes {
		v.box.Add(v.codeRow(c))
	}
	if a.RecoveryCode != "" {
		v.box.Add(widget.NewSeparator())
		note := "Recovery code"
		if a.RecoveryFromPreviousSetup {
			note += " (from the previous setup: it may no longer work)"
		}
		code := widget.NewLabelWithStyle(a.RecoveryCode, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		copyBtn := widget.NewButton("Copy", func() { v.l.copyText(a.RecoveryCode, "Recovery code copied") })
		v.box.Add(widget.NewLabel(note))
		v.box.Add(container.NewBorder(nil, nil, nil, copyBtn, code))
	}
	add := widget.NewButton("Add codes…", v.paste)
	print := widget.NewButton("Print sheet…", v.print)
	buttons := container.NewHBox(add, print)
	if s.Retired+s.Previous > 0 {
		buttons.Add(widget.NewButton("Discard old codes", v.discard))
	}
	v.box.Add(widget.NewSeparator())
	v.box.Add(buttons)
}

func (v *backupView) codeRow(c vault.BackupCode) fyne.CanvasObject {
	code := widget.NewLabelWithStyle(c.Code, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	state := ""
	switch {
	case c.RetiredAt != nil:
		state = "replaced " + c.RetiredAt.Local().Format("2 Jan 2006")
	case c.UsedAt != nil:
		state = "used " + c.UsedAt.Local().Format("2 Jan 2006 15:04")
	case c.FromPreviousSetup:
		state = "from the previous setup"
	}
	if state != "" {
		code.Importance = widget.LowImportance
		return container.NewBorder(nil, nil, nil, widget.NewLabel(state), code)
	}
	use := widget.NewButton("Copy and mark used", func() { v.use(c.Code) })
	if c.FromPreviousSetup {
		return container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel("previous setup"), use), code)
	}
	return container.NewBorder(nil, nil, nil, use, code)
}

// use copies a code and marks it used, in one action, with undo.
func (v *backupView) use(code string) {
	now := v.l.w.now()
	v.l.change(v.a, func(a vault.Account) (vault.Account, error) {
		if next, _, err := backupcodes.Use(a, code, now); err == nil {
			return next, nil
		}
		return a, nil
	}, func() {
		v.l.copyText(code, "")
		v.refresh()
		left := ""
		if a, ok := v.account(); ok {
			left = fmt.Sprintf(": %d left", a.BackupCodesLeft())
		}
		v.l.toast.showAction("Backup code copied and marked used"+left, "Undo", func() { v.undo(code) })
	})
}

// useNext uses the first unused code, for the locked-out guide.
func (v *backupView) useNext() {
	a, ok := v.account()
	if !ok {
		return
	}
	unused := backupcodes.Unused(a)
	if len(unused) == 0 {
		v.l.toast.show("No backup code left")
		return
	}
	v.use(unused[0])
}

func (v *backupView) undo(code string) {
	v.l.change(v.a, func(a vault.Account) (vault.Account, error) {
		if prev, err := backupcodes.Undo(a, code); err == nil {
			return prev, nil
		}
		return a, nil
	}, v.refresh)
}

func (v *backupView) discard() {
	v.l.change(v.a, func(a vault.Account) (vault.Account, error) { return backupcodes.Discard(a), nil }, v.refresh)
}

// paste asks for the block a portal shows and shows what it found before
// saving.
func (v *backupView) paste() {
	in := widget.NewMultiLineEntry()
	in.SetPlaceHolder("Paste the codes exactly as the portal shows them")
	in.SetMinRowsVisible(8)
	found := widget.NewLabel("")
	found.Wrapping = fyne.TextWrapWord
	replace := widget.NewCheck("These replace the current codes (keep the old ones as history)", nil)
	in.OnChanged = func(text string) { found.SetText(describeFound(text)) }
	content := container.NewVBox(in, found, replace)
	d := dialog.NewCustomConfirm("Add backup codes", "Save", "Cancel", content, func(ok bool) {
		if ok {
			v.save(in.Text, replace.Checked)
		}
	}, v.l.w.win)
	d.Resize(fyne.NewSize(min(480, v.l.w.win.Canvas().Size().Width-20), 0))
	d.Show()
}

func describeFound(text string) string {
	f, err := backupcodes.Parse(text)
	if err != nil {
		return err.Error()
	}
	s := fmt.Sprintf("Found %d codes", len(f.Codes))
	if f.Recovery != "" {
		s += " and a recovery code"
	}
	return s + ": " + strings.Join(f.Codes, "  ")
}

func (v *backupView) save(text string, replace bool) {
	f, err := backupcodes.Parse(text)
	if err != nil {
		dialog.ShowError(err, v.l.w.win)
		return
	}
	now := v.l.w.now()
	// Duplicates of stored codes are refused here; update shows the error.
	change := func(a vault.Account) (vault.Account, error) { return backupcodes.Add(a, f) }
	if replace {
		change = func(a vault.Account) (vault.Account, error) { return backupcodes.Replace(a, f, now) }
	}
	v.l.w.update(func(d *vault.Document) error {
		_, err := app.EditAccount(d, v.a, change)
		return err
	}, v.refresh)
}

// print writes the break-glass sheet where the user chooses. Rendering
// every account and the fsynced write run off the UI goroutine, and only
// once a path is chosen.
func (v *backupView) print() {
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		v.writeSheet(path)
	}, v.l.w.win)
	save.SetFileName("latchkey-break-glass.pdf")
	save.Show()
}

func (v *backupView) writeSheet(path string) {
	accounts := v.l.w.vault.Accounts()
	app.SortAccounts(accounts)
	now := v.l.w.now()
	var err error
	v.l.w.cfg.scheduler().Go(func() {
		var pdf bytes.Buffer
		if err = breakglass.Write(&pdf, accounts, breakglass.Options{Now: now}); err == nil {
			// Through app: the file must be 0600 and never half written.
			err = app.WriteSecretFile(path, pdf.Bytes(), true)
		}
	}, func() {
		if err != nil {
			dialog.ShowError(err, v.l.w.win)
			return
		}
		dialog.ShowInformation("Break-glass sheet saved", "The sheet holds your backup codes: print it, keep the paper safe, and delete the file.", v.l.w.win)
	})
}

// copyText copies a backup or recovery code with the same clearing as codes.
func (l *accountList) copyText(text, msg string) {
	delay := app.ClipboardClearAfter(l.w.vault.Settings())
	l.clip.put(l.w.app.Clipboard(), l.w.cfg.scheduler(), text, delay)
	if msg != "" {
		l.toast.show(fmt.Sprintf("%s, clears in %d s", msg, int(delay.Seconds())))
	}
}
