package ui

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/vault"
)

const testPass = "correct horse battery"

var testNow = time.Date(2026, 11, 22, 9, 0, 10, 0, time.UTC)

func testConfig(t *testing.T, kr vault.Keyring) Config {
	return Config{Home: filepath.Join(t.TempDir(), "vault"), Keyring: kr, WorkFactor: 10,
		Now: func() time.Time { return testNow }, Scheduler: &syncScheduler{}}
}

// waitFor polls until cond holds: vault work runs in goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// findAll walks a canvas object tree.
func findAll[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject) []T {
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

func content(w *Window) fyne.CanvasObject { return w.win.Content() }

func hasText(t *testing.T, w *Window, s string) bool {
	for _, l := range findAll[*widget.Label](t, content(w)) {
		if strings.Contains(l.Text, s) {
			return true
		}
	}
	return false
}

func hasTextIn(t *testing.T, o fyne.CanvasObject, s string) bool {
	for _, l := range findAll[*widget.Label](t, o) {
		if l.Text == s {
			return true
		}
	}
	return false
}

func button(t *testing.T, w *Window, label string) *widget.Button {
	for _, b := range findAll[*widget.Button](t, content(w)) {
		if b.Text == label {
			return b
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}

func passwordEntries(t *testing.T, w *Window) []*widget.Entry {
	var out []*widget.Entry
	for _, e := range findAll[*widget.Entry](t, content(w)) {
		if e.Password {
			out = append(out, e)
		}
	}
	return out
}

func TestFirstRunCreatesVault(t *testing.T) {
	a := test.NewTempApp(t)
	kr := vault.NewMemoryKeyring()
	w := NewWindow(a, testConfig(t, kr))
	if !hasText(t, w, "Welcome to Latchkey") {
		t.Fatal("first run does not show the welcome screen")
	}
	waitFor(t, "keyring probe", func() bool { return !hasText(t, w, "Checking the OS keyring") })
	entries := passwordEntries(t, w)
	test.Type(entries[0], testPass)
	test.Type(entries[1], "different")
	test.Tap(button(t, w, "Create vault"))
	if !hasText(t, w, "differ") {
		t.Fatal("mismatched passphrases accepted")
	}
	entries[1].SetText(testPass)
	test.Tap(button(t, w, "Create vault"))
	waitFor(t, "the account list", func() bool { return w.vault != nil })
	if !hasText(t, w, "No accounts yet") {
		t.Error("empty vault does not say so")
	}
	if kr.Len() != 1 {
		t.Error("the key was not stored in the keyring")
	}
}

func TestWelcomeWithoutKeyring(t *testing.T) {
	a := test.NewTempApp(t)
	down := vault.NewMemoryKeyring()
	down.Fail = errors.New("no Secret Service")
	w := NewWindow(a, testConfig(t, down))
	waitFor(t, "keyring probe", func() bool { return hasText(t, w, "not available") })
	for _, c := range findAll[*widget.Check](t, content(w)) {
		if !c.Disabled() || c.Checked {
			t.Error("keyring option offered without a keyring")
		}
	}
}

func newVaultWithAccounts(t *testing.T, cfg Config, accounts []vault.Account) {
	t.Helper()
	v, err := vault.Create(cfg.Home, vault.CreateOptions{Options: vault.Options{Keyring: cfg.Keyring, WorkFactor: 10}, Passphrase: testPass, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = accounts; return nil }); err != nil {
		t.Fatal(err)
	}
}

// rfcAccount is RFC 6238's SHA1 seed, whose code at 59 s is 94287082.
var rfcAccount = vault.Account{Issuer: "RFC 6238", Name: "sha1", Type: vault.TOTP,
	Secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Algorithm: vault.SHA1, Digits: 8, Period: 30}

func TestUnlockAndLock(t *testing.T) {
	a := test.NewTempApp(t)
	kr := vault.NewMemoryKeyring()
	cfg := testConfig(t, kr)
	now := time.Unix(59, 0)
	cfg.Now = func() time.Time { return now }
	newVaultWithAccounts(t, cfg, []vault.Account{rfcAccount})
	cfg.Keyring = vault.NoKeyring{} // as if the keyring were off: the passphrase is needed

	w := NewWindow(a, cfg)
	waitFor(t, "unlock screen", func() bool { return hasText(t, w, "Latchkey is locked") })
	entry := passwordEntries(t, w)[0]
	test.Type(entry, "wrong passphrase")
	test.Tap(button(t, w, "Unlock"))
	waitFor(t, "wrong passphrase message", func() bool { return hasText(t, w, "Wrong passphrase.") })
	if entry.Text != "" {
		t.Error("wrong passphrase left in the entry")
	}
	test.Type(entry, testPass)
	test.Tap(button(t, w, "Unlock"))
	waitFor(t, "accounts", func() bool { return w.vault != nil })

	row := newRow()
	w.list.updateRow(0, row)
	if !hasTextIn(t, row, "RFC 6238") || !hasTextIn(t, row, "sha1") {
		t.Fatal("account row does not show issuer and name")
	}
	if got := w.list.rows[0].code; got != "9428 7082" {
		t.Errorf("code shown %q, want 9428 7082", got)
	}
	// RFC 6238 Appendix B: SHA1 at 1111111109 s is 07081804.
	now = time.Unix(1111111109, 0)
	cfg.Scheduler.(*syncScheduler).tick()
	if got := w.list.rows[0].code; got != "0708 1804" {
		t.Errorf("after a tick the code shown is %q, want 0708 1804", got)
	}
	test.Tap(button(t, w, "Lock"))
	if w.vault != nil || !hasText(t, w, "Latchkey is locked") {
		t.Error("Lock did not lock")
	}
}

func TestLockShortcut(t *testing.T) {
	a := test.NewTempApp(t)
	kr := vault.NewMemoryKeyring()
	cfg := testConfig(t, kr)
	newVaultWithAccounts(t, cfg, nil)
	w := NewWindow(a, cfg)
	waitFor(t, "accounts", func() bool { return w.vault != nil })
	w.win.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(&lockShortcut)
	if w.vault != nil {
		t.Error("Ctrl+L did not lock")
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{"123456": "123 456", "1234567": "123 4567", "12345678": "1234 5678", "2F9J5": "2F9J5"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// syncScheduler runs work at once on the test goroutine; ticks are driven
// by the test.
type syncScheduler struct {
	ticks []func()
}

func (s *syncScheduler) Go(work, then func()) { work(); then() }

func (s *syncScheduler) Every(_ time.Duration, f func()) func() {
	s.ticks = append(s.ticks, f)
	i := len(s.ticks) - 1
	return func() { s.ticks[i] = func() {} }
}

func (s *syncScheduler) tick() {
	for _, f := range s.ticks {
		f()
	}
}
