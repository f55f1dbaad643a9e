package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/internal/testqr"
	"github.com/latchkey/latchkey/vault"
)

const annURI = "otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme"

func openAdd(t *testing.T, w *Window) *addDialog {
	t.Helper()
	w.showAdd()
	if w.adding == nil {
		t.Fatal("Add dialog not open")
	}
	return w.adding
}

func TestAddByPastedLink(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	a := openAdd(t, w)
	e.app.Clipboard().SetContent("")
	test.Tap(button(t, w, "Paste link"))
	if !hasText(t, w, "holds no text") {
		t.Error("empty clipboard not explained")
	}
	e.app.Clipboard().SetContent(annURI)
	test.Tap(button(t, w, "Paste link"))
	if got := e.vaultAccounts(); len(got) != 1 || got[0].Issuer != "Acme" {
		t.Fatalf("vault after paste: %+v", got)
	}
	if a.status.Text != "Added Acme: ann." || len(w.list.shown) != 1 {
		t.Errorf("status %q, list %d", a.status.Text, len(w.list.shown))
	}
	// The same link again: never added twice.
	test.Tap(button(t, w, "Paste link"))
	if len(e.vaultAccounts()) != 1 || a.status.Text != "Skipped Acme: ann, already in the vault." {
		t.Errorf("duplicate: status %q", a.status.Text)
	}
}

func TestAddByImageFile(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	png, err := testqr.PNG(annURI, "otpauth://totp/Beta:bob?secret=JBSWY3DPEHPK3PXQ&issuer=Beta")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "shot.png")
	os.WriteFile(p, png, 0o600)
	bad := filepath.Join(t.TempDir(), "bad.png")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nbroken"), 0o600)

	w.dropped(fyne.NewPos(0, 0), []fyne.URI{storage.NewFileURI(bad)})
	if !hasTextIn(t, w.adding.status, "bad.png") || len(e.vaultAccounts()) != 0 {
		t.Fatalf("a broken image: status %q", w.adding.status.Text)
	}
	w.dropped(fyne.NewPos(0, 0), []fyne.URI{storage.NewFileURI(p)})
	if got := e.vaultAccounts(); len(got) != 2 {
		t.Fatalf("vault after dropping the image: %d accounts (%q)", len(got), w.adding.status.Text)
	}
	if got := w.adding.status.Text; got != "Added 2 accounts: Acme: ann and Beta: bob." {
		t.Errorf("status %q", got)
	}
}

func TestAddFromScreen(t *testing.T) {
	defer func(f func(context.Context) ([]qrscan.Code, error)) { scanScreens = f }(scanScreens)
	scanScreens = func(context.Context) ([]qrscan.Code, error) {
		return []qrscan.Code{{Text: annURI, Kind: qrscan.KindOTPAuth}}, nil
	}
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	openAdd(t, w)
	test.Tap(button(t, w, "Scan screen"))
	if len(e.vaultAccounts()) != 1 {
		t.Fatal("screen scan added nothing")
	}
	scanScreens = func(context.Context) ([]qrscan.Code, error) { return nil, qrscan.ErrNoDisplay }
	test.Tap(button(t, w, "Scan screen"))
	if !hasTextIn(t, w.adding.status, "could not be scanned") {
		t.Errorf("no display: status %q", w.adding.status.Text)
	}
}

func TestReconfiguredAccountIsAsked(t *testing.T) {
	used := time.Unix(5e8, 0)
	old := acct("old", "Acme", "ann", "KRSXG5CTMVRXEZLU")
	old.Group = "Customer A"
	old.BackupCodes = []vault.BackupCode{{Code: "11111111"}, {Code: "22222222", UsedAt: &used}}
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(old)
	w := e.open()
	openAdd(t, w)
	e.app.Clipboard().SetContent(annURI) // same issuer and name, new secret
	test.Tap(button(t, w, "Paste link"))
	if !hasText(t, w, "different secret") || !hasText(t, w, "1 backup codes left") {
		t.Fatal("the reconfigured account was not shown beside the existing one")
	}
	var radios []*widget.RadioGroup
	for _, o := range overlays(w) {
		radios = append(radios, findAll[*widget.RadioGroup](t, o)...)
	}
	if len(radios) != 1 || radios[0].Selected != "Replace" {
		t.Fatalf("choices: %d", len(radios))
	}
	test.Tap(button(t, w, "Continue"))
	if got := w.adding.status.Text; got != "Replaced Acme: ann." {
		t.Errorf("status %q", got)
	}
	got := e.vaultAccounts()
	if len(got) != 1 || got[0].ID != "old" || got[0].Secret != "JBSWY3DPEHPK3PXP" || got[0].Group != "Customer A" || !got[0].BackupCodes[0].FromPreviousSetup {
		t.Fatalf("after Replace: %+v", got)
	}
}

func TestManualEntry(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	a := openAdd(t, w)
	m := a.manual
	test.Type(m.issuer, "Acme")
	test.Type(m.name, "ann")
	test.Type(m.secret, "not base32!")
	if !m.add.Disabled() || m.problem.Text == "" {
		t.Fatal("invalid secret accepted as typed")
	}
	m.secret.SetText("jbsw y3dp ehpk 3pxp")
	if m.add.Disabled() {
		t.Fatalf("valid entry refused: %q", m.problem.Text)
	}
	m.digits.SetText("12")
	if !m.add.Disabled() {
		t.Fatal("12 digits accepted")
	}
	m.digits.SetText("8")
	test.Tap(m.add)
	got := e.vaultAccounts()
	if len(got) != 1 || got[0].Secret != "JBSWY3DPEHPK3PXP" || got[0].Digits != 8 {
		t.Fatalf("manual account: %+v", got)
	}
	if m.secret.Text != "" {
		t.Error("the secret stays in the form after adding")
	}
}

func TestMigrationBatchProgress(t *testing.T) {
	accounts := []vault.Account{acct("", "A", "a", "JBSWY3DPEHPK3PXP"), acct("", "B", "b", "JBSWY3DPEHPK3PXQ")}
	links, err := otpauth.EncodeMigration(accounts, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	a := openAdd(t, w)
	e.app.Clipboard().SetContent(links[0])
	test.Tap(button(t, w, "Paste link"))
	if !hasTextIn(t, a.status, "1 of 2 scanned") {
		t.Fatalf("status %q", a.status.Text)
	}
	e.app.Clipboard().SetContent(links[1])
	test.Tap(button(t, w, "Paste link"))
	if hasTextIn(t, a.status, "scanned") || len(e.vaultAccounts()) != 2 {
		t.Fatalf("after part 2: status %q", a.status.Text)
	}
}
