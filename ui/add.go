package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/vault"
)

// scanScreens captures and decodes every display; tests replace it.
var scanScreens = qrscan.ScanScreens

// maxDropped bounds what is read of a dropped or opened file.
const maxDropped = 128 << 20

// addDialog is the one place accounts come in: screen, image and export
// files, the clipboard, drag and drop, and manual entry. One importer spans
// the dialog, so a Google export spread over several QR codes adds up.
type addDialog struct {
	w      *Window
	im     *importer.Importer
	dlg    dialog.Dialog
	status *widget.Label
	manual *manualForm
	// external marks a link clicked elsewhere: everything is confirmed.
	external bool
}

var addShortcut = desktopShortcut(fyne.KeyN)

func (w *Window) showAdd() {
	if w.vault == nil {
		return
	}
	a := &addDialog{w: w, im: importer.New()}
	a.status = widget.NewLabel("")
	a.status.Wrapping = fyne.TextWrapWord
	screen := widget.NewButtonWithIcon("Scan screen", theme.ComputerIcon(), a.scanScreen)
	open := widget.NewButtonWithIcon("Open file…", theme.FolderOpenIcon(), a.openFile)
	paste := widget.NewButtonWithIcon("Paste link", theme.ContentPasteIcon(), a.paste)
	hint := widget.NewLabel("Open a QR screenshot or another app's export, or drop files on the window.")
	hint.Wrapping = fyne.TextWrapWord
	a.manual = newManualForm(a.addManual)
	content := container.NewVBox(
		container.NewGridWithColumns(3, screen, open, paste), hint,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Or type the secret key", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		a.manual.content(), a.status,
	)
	a.dlg = dialog.NewCustom("Add accounts", "Close", content, w.win)
	a.dlg.Resize(fyne.NewSize(min(560, w.win.Canvas().Size().Width-20), 0))
	w.adding = a
	a.dlg.SetOnClosed(func() { w.adding = nil })
	a.dlg.Show()
}

// dropped imports files dropped on the window, opening the dialog first.
func (w *Window) dropped(_ fyne.Position, uris []fyne.URI) {
	if w.vault == nil {
		return
	}
	if w.adding == nil {
		w.showAdd()
	}
	for _, u := range uris {
		w.adding.readURI(u)
	}
}

func (a *addDialog) say(msg string) {
	if a.external {
		a.sayExternal(msg)
		return
	}
	a.status.SetText(msg)
}

func (a *addDialog) scanScreen() {
	a.say("Looking for QR codes on the screen…")
	// The window may cover the code: step aside while capturing.
	a.w.win.Hide()
	var found []qrscan.Code
	var err error
	a.w.cfg.scheduler().Go(func() {
		time.Sleep(300 * time.Millisecond) // let the compositor redraw without us
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		found, err = scanScreens(ctx)
	}, func() {
		a.w.win.Show()
		if err != nil {
			a.say("The screen could not be scanned: " + err.Error())
			return
		}
		a.review([]*importer.Result{a.im.ReadCodes("the screen", found)})
	})
}

func (a *addDialog) openFile() {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			a.say(err.Error())
			return
		}
		if r == nil {
			return // cancelled
		}
		r.Close()
		a.readURI(r.URI())
	}, a.w.win)
	fd.Show()
}

func (a *addDialog) paste() {
	text := strings.TrimSpace(a.w.app.Clipboard().Content())
	if text == "" {
		a.say("The clipboard holds no text. Copy the otpauth:// link first.")
		return
	}
	a.read("the clipboard", []byte(text), importer.Options{})
}

// readURI reads a file, off the UI goroutine, and imports it.
func (a *addDialog) readURI(u fyne.URI) {
	var data []byte
	var err error
	a.w.cfg.scheduler().Go(func() { data, err = readAll(u) }, func() {
		if err != nil {
			a.say(fmt.Sprintf("%s could not be read: %v", u.Name(), err))
			return
		}
		a.read(u.Name(), data, importer.Options{})
	})
}

func readAll(u fyne.URI) ([]byte, error) {
	r, err := storage.Reader(u)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxDropped+1))
	if len(data) > maxDropped {
		return nil, fmt.Errorf("larger than %d MB", maxDropped>>20)
	}
	return data, err
}

// read imports one input; encrypted exports ask for their password.
func (a *addDialog) read(name string, data []byte, opts importer.Options) {
	if !a.external { // a link reads at once; its confirmation follows
		a.say("Reading " + name + "…")
	}
	var res *importer.Result
	var err error
	a.w.cfg.scheduler().Go(func() {
		res, err = a.im.Read(context.Background(), name, data, "", opts)
	}, func() {
		switch {
		case errors.Is(err, importer.ErrPasswordRequired):
			a.askPassword(name, data, "")
		case errors.Is(err, importer.ErrWrongPassword):
			a.askPassword(name, data, "Wrong password. Try again.")
		case err != nil:
			a.say(err.Error())
		default:
			a.review([]*importer.Result{res})
		}
	})
}

func (a *addDialog) askPassword(name string, data []byte, problem string) {
	pass := widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem("Password", pass)}
	if problem != "" {
		items = append(items, widget.NewFormItem("", widget.NewLabel(problem)))
	}
	d := dialog.NewForm(name+" is encrypted", "Open", "Cancel", items, func(ok bool) {
		if !ok {
			a.say(name + " was not imported.")
			return
		}
		p := pass.Text
		a.read(name, data, importer.Options{Password: func() (string, error) { return p, nil }})
	}, a.w.win)
	d.Resize(fyne.NewSize(380, 0))
	d.Show()
	a.w.win.Canvas().Focus(pass)
}

func (a *addDialog) addManual(acc vault.Account) {
	res := &importer.Result{Name: "typed in", Entries: []importer.Entry{{Source: "typed in", Account: acc}}}
	a.review([]*importer.Result{res})
}

// review plans what was found and, when an account was set up again at its
// portal, asks what to do before saving.
func (a *addDialog) review(results []*importer.Result) {
	var entries []importer.Entry
	var problems []string
	for _, r := range results {
		entries = append(entries, r.Entries...)
		for _, s := range r.Skipped {
			problems = append(problems, s.Source+": "+s.Reason)
		}
	}
	plan := app.PlanAdd(a.w.vault.Accounts(), entries, false)
	if a.external {
		a.confirmExternal(plan, problems)
		return
	}
	if plan.Counts()[app.ActionAsk] > 0 {
		a.decide(plan, problems)
		return
	}
	a.apply(plan, problems)
}

// decide shows each reconfigured account beside the existing one.
func (a *addDialog) decide(plan *app.Plan, problems []string) {
	rows := container.NewVBox(widget.NewLabel("These accounts are already in the vault with a different secret.\nTheir 2FA was probably set up again at the portal, so the old entry no longer works."))
	choices := map[int]*widget.RadioGroup{}
	for i, it := range plan.Items {
		if it.Action != app.ActionAsk {
			continue
		}
		old := it.Existing
		text := fmt.Sprintf("%s\n  in the vault: added %s, %d backup codes left\n  found: %s",
			display(*old), old.Created.Local().Format("2 Jan 2006"), old.BackupCodesLeft(), it.Source)
		choice := widget.NewRadioGroup([]string{"Replace", "Keep both", "Skip"}, nil)
		choice.Horizontal = true
		choice.SetSelected("Replace")
		choices[i] = choice
		rows.Add(widget.NewCard("", "", container.NewVBox(widget.NewLabel(text), choice)))
	}
	dialog.ShowCustomConfirm("Replace reconfigured accounts?", "Continue", "Cancel", container.NewVScroll(rows), func(ok bool) {
		if !ok {
			a.say("Nothing was added.")
			return
		}
		for i, c := range choices {
			plan.Items[i].Action = map[string]app.Action{"Replace": app.ActionReplace, "Keep both": app.ActionAdd, "Skip": app.ActionSkip}[c.Selected]
		}
		a.apply(plan, problems)
	}, a.w.win)
}

// apply saves the plan's adds and replaces, then says what happened in
// app's words, with what is still missing or could not be read.
func (a *addDialog) apply(plan *app.Plan, problems []string) {
	lines := plan.Outcome(false).Sentences
	for _, b := range a.im.Batches() {
		if !b.Complete() {
			lines = append(lines, fmt.Sprintf("Google Authenticator export: %s. Scan or open the remaining QR codes.", b))
		}
	}
	lines = append(lines, problems...)
	if n := plan.Counts(); n[app.ActionAdd]+n[app.ActionReplace] == 0 {
		a.say(strings.Join(lines, "\n"))
		return
	}
	a.w.update(func(d *vault.Document) error { plan.Apply(d); return nil }, func() {
		a.say(strings.Join(lines, "\n"))
		if a.manual != nil {
			a.manual.clear()
		}
	})
}
