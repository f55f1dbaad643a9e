package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/vault"
)

// manualForm adds an account from a typed secret, validating as you type.
type manualForm struct {
	issuer, name, secret    *widget.Entry
	typ, algorithm          *widget.Select
	digits, period, counter *widget.Entry
	problem                 *widget.Label
	add                     *widget.Button
	onAdd                   func(vault.Account)
}

func newManualForm(onAdd func(vault.Account)) *manualForm {
	f := &manualForm{onAdd: onAdd}
	f.issuer = widget.NewEntry()
	f.issuer.SetPlaceHolder("e.g. Acme RMM")
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("e.g. you@example.com")
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder("the key shown under the QR code")
	f.typ = widget.NewSelect([]string{"TOTP (time)", "HOTP (counter)", "Steam"}, func(string) { f.validate() })
	f.typ.SetSelectedIndex(0)
	f.algorithm = widget.NewSelect([]string{"SHA1", "SHA256", "SHA512"}, func(string) { f.validate() })
	f.algorithm.SetSelectedIndex(0)
	f.digits, f.period, f.counter = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	f.digits.SetPlaceHolder("6")
	f.period.SetPlaceHolder("30")
	f.counter.SetPlaceHolder("0")
	for _, e := range []*widget.Entry{f.issuer, f.name, f.secret, f.digits, f.period, f.counter} {
		e.OnChanged = func(string) { f.validate() }
	}
	f.problem = widget.NewLabel("")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	f.add = widget.NewButton("Add", f.submit)
	f.add.Importance = widget.HighImportance
	f.add.Disable()
	return f
}

func (f *manualForm) content() fyne.CanvasObject {
	basic := widget.NewForm(
		widget.NewFormItem("Issuer", f.issuer),
		widget.NewFormItem("Account", f.name),
		widget.NewFormItem("Secret key", f.secret),
	)
	advanced := widget.NewForm(
		widget.NewFormItem("Type", f.typ),
		widget.NewFormItem("Algorithm", f.algorithm),
		widget.NewFormItem("Digits", f.digits),
		widget.NewFormItem("Period (s)", f.period),
		widget.NewFormItem("Counter", f.counter),
	)
	acc := widget.NewAccordion(widget.NewAccordionItem("Advanced", advanced))
	return container.NewVBox(basic, acc, container.NewBorder(nil, nil, nil, f.add, f.problem))
}

func (f *manualForm) entry() app.ManualEntry {
	types := []vault.Type{vault.TOTP, vault.HOTP, vault.Steam}
	return app.ManualEntry{
		Issuer: f.issuer.Text, Name: f.name.Text, Secret: f.secret.Text,
		Type: types[max(0, f.typ.SelectedIndex())], Algorithm: f.algorithm.Selected,
		Digits: f.digits.Text, Period: f.period.Text, Counter: f.counter.Text,
	}
}

// validate says what is wrong as the user types, once there is a secret.
func (f *manualForm) validate() {
	if f.secret == nil || f.add == nil {
		return // still being built
	}
	_, err := f.entry().Account()
	var fe *app.FieldError
	switch {
	case err == nil:
		f.problem.SetText("")
		f.add.Enable()
	case f.secret.Text == "" && errors.As(err, &fe) && fe.Field == "secret":
		f.problem.SetText("")
		f.add.Disable()
	default:
		f.problem.SetText(err.Error())
		f.add.Disable()
	}
}

func (f *manualForm) submit() {
	a, err := f.entry().Account()
	if err != nil {
		f.problem.SetText(err.Error())
		return
	}
	f.onAdd(a)
}

func (f *manualForm) clear() {
	for _, e := range []*widget.Entry{f.issuer, f.name, f.secret, f.digits, f.period, f.counter} {
		e.SetText("")
	}
}

// desktopShortcut is Ctrl+key (Cmd+key on macOS).
func desktopShortcut(k fyne.KeyName) desktop.CustomShortcut {
	return desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}
