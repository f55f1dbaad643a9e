package ui

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/vault"
)

// The RFC 6238 SHA1 seed: 94287082 in the step of 59 s, 07081804 at 1111111109 s.
var rfcAccount = vault.Account{ID: "rfc", Issuer: "RFC 6238", Name: "sha1", Type: vault.TOTP,
	Secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Algorithm: vault.SHA1, Digits: 8, Period: 30}

func acct(id, issuer, name, secret string) vault.Account {
	return vault.Account{ID: id, Issuer: issuer, Name: name, Type: vault.TOTP, Secret: secret,
		Algorithm: vault.SHA1, Digits: 6, Period: 30}
}

func TestFirstRunCreatesVault(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0))
	w := e.open()
	if !hasText(t, w, "Welcome to Latchkey") {
		t.Fatal("first run does not show the welcome screen")
	}
	entries := passwordEntries(t, w)
	test.Type(entries[0], testPass)
	test.Type(entries[1], "different")
	test.Tap(button(t, w, "Create vault"))
	if !hasText(t, w, "differ") {
		t.Fatal("mismatched passphrases accepted")
	}
	entries[1].SetText("short")
	entries[0].SetText("short")
	test.Tap(button(t, w, "Create vault"))
	if !hasText(t, w, "at least 8") {
		t.Fatal("a short passphrase accepted")
	}
	entries[0].SetText(testPass)
	entries[1].SetText(testPass)
	test.Tap(button(t, w, "Create vault"))
	if w.vault == nil || !hasText(t, w, "No accounts yet") {
		t.Fatal("vault not created, or the empty state not shown")
	}
	if e.kr.Len() != 1 {
		t.Error("the key was not stored in the keyring")
	}
}

func TestWelcomeWithoutKeyring(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0))
	down := vault.NewMemoryKeyring()
	down.Fail = errors.New("no Secret Service")
	e.cfg.Keyring = down
	w := e.open()
	if !hasText(t, w, "not available") {
		t.Fatal("keyring failure not explained")
	}
	for _, c := range findAll[*widget.Check](t, w.win.Content()) {
		if !c.Disabled() || c.Checked {
			t.Error("keyring option offered without a keyring")
		}
	}
}

func TestUnlockShowsCodes(t *testing.T) {
	e := newEnv(t, time.Unix(59, 0)).withAccounts(rfcAccount)
	e.cfg.Keyring = vault.NoKeyring{} // as if the keyring were off: the passphrase is needed
	w := e.open()
	if !hasText(t, w, "Latchkey is locked") {
		t.Fatal("no unlock screen")
	}
	entry := passwordEntries(t, w)[0]
	test.Type(entry, "wrong passphrase")
	test.Tap(button(t, w, "Unlock"))
	if !hasText(t, w, "Wrong passphrase.") || entry.Text != "" {
		t.Fatal("wrong passphrase not reported, or left in the entry")
	}
	test.Type(entry, testPass)
	test.Tap(button(t, w, "Unlock"))
	if w.vault == nil {
		t.Fatal("not unlocked")
	}
	row := newAccountRow(w.list)
	row.show(w.list.view(0))
	if row.issuer.Text != "RFC 6238" || row.name.Text != "sha1" || row.code.Text != "9428 7082" {
		t.Fatalf("row shows %q %q %q", row.issuer.Text, row.name.Text, row.code.Text)
	}
	// 59 s is the last second of its step: the next code shows beside it.
	if row.next.Text == "" {
		t.Error("the next code is not shown in the last seconds")
	}
	// The jump of decades also locks the window (idle): keep the list.
	l := w.list
	e.sched.Now = time.Unix(1111111108, 0)
	e.sched.Advance(time.Second)
	row.show(l.view(0))
	if row.code.Text != "0708 1804" {
		t.Errorf("after a tick the row shows %q, want 0708 1804", row.code.Text)
	}
}

func TestLockShortcutAndAutoLock(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	w := e.open()
	if w.vault == nil {
		t.Fatal("keyring did not unlock")
	}
	w.list.confirmShowQR(w.list.shown[0])
	w.win.Canvas().(test.WindowlessCanvas).(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(&lockShortcut)
	if w.vault != nil || !hasText(t, w, "Latchkey is locked") {
		t.Fatal("Ctrl+L did not lock")
	}
	if len(overlays(w)) != 0 {
		t.Fatal("a dialog stayed open over the lock screen")
	}

	w2 := e.open()
	e.sched.Advance(4 * time.Minute)
	w2.list.copyIndex(0) // activity
	e.sched.Advance(4 * time.Minute)
	if w2.vault == nil {
		t.Fatal("locked although used 4 minutes ago")
	}
	e.sched.Advance(2 * time.Minute)
	if w2.vault != nil {
		t.Fatal("not locked after 5 idle minutes")
	}
}

func TestCopyAndClipboardClear(t *testing.T) {
	e := newEnv(t, time.Unix(40, 0)).withAccounts(rfcAccount)
	w := e.open()
	clip := e.app.Clipboard()
	w.list.copyIndex(0)
	if clip.Content() != "94287082" || !hasText(t, w, "Copied, clears in 30 s") {
		t.Fatalf("clipboard %q", clip.Content())
	}
	e.sched.Advance(29 * time.Second)
	if clip.Content() != "94287082" {
		t.Fatal("cleared too early")
	}
	e.sched.Advance(2 * time.Second)
	if clip.Content() != "" {
		t.Fatalf("not cleared after 30 s: %q", clip.Content())
	}
	// Something else copied meanwhile is left alone.
	w.list.copyIndex(0)
	clip.SetContent("the user's own text")
	e.sched.Advance(31 * time.Second)
	if clip.Content() != "the user's own text" {
		t.Error("cleared a clipboard that no longer held the code")
	}
}

func TestCopyNearExpiryTakesNextCode(t *testing.T) {
	e := newEnv(t, time.Unix(58, 0)).withAccounts(rfcAccount)
	w := e.open()
	w.list.copyIndex(0)
	got := e.app.Clipboard().Content()
	if got == "94287082" || len(got) != 8 || !hasText(t, w, "next code") {
		t.Fatalf("2 s before expiry copied %q", got)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(
		acct("a", "Acme RMM", "ann", "JBSWY3DPEHPK3PXP"), acct("b", "Acme PSA", "bob", "JBSWY3DPEHPK3PXQ"),
		acct("c", "GitHub", "ann", "JBSWY3DPEHPK3PXR"))
	w := e.open()
	test.Type(w.list.search, "acme")
	if len(w.list.shown) != 2 || !hasText(t, w, "2 of 3 accounts") {
		t.Fatalf("search shows %d", len(w.list.shown))
	}
	test.Type(w.list.search, " bob")
	if len(w.list.shown) != 1 || w.list.shown[0].Name != "bob" {
		t.Fatalf("search shows %v", w.list.shown)
	}
	w.list.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if e.app.Clipboard().Content() == "" {
		t.Error("Enter in the search did not copy the match")
	}
}

func TestDeleteAndUndo(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("a", "Acme", "ann", "JBSWY3DPEHPK3PXP"), acct("b", "Beta", "bob", "JBSWY3DPEHPK3PXQ"))
	w := e.open()
	w.list.delete(w.list.shown[0])
	if got := e.vaultAccounts(); len(got) != 1 || got[0].ID != "b" {
		t.Fatalf("after delete: %v", got)
	}
	test.Tap(button(t, w, "Undo"))
	if got := e.vaultAccounts(); len(got) != 2 || got[0].ID != "a" {
		t.Fatalf("after undo: %v", got)
	}
	if len(w.list.shown) != 2 {
		t.Error("list not refreshed after undo")
	}
}

func TestEditAndFavourite(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("a", "Acme", "ann", "JBSWY3DPEHPK3PXP"), acct("b", "Beta", "bob", "JBSWY3DPEHPK3PXQ"))
	w := e.open()
	w.list.setFavourite(w.list.shown[1], true)
	if w.list.shown[0].ID != "b" {
		t.Error("favourite not listed first")
	}
	w.list.change(w.list.shown[1], func(a vault.Account) (vault.Account, error) {
		a.Group, a.Note = "Customer A", "desk"
		return a, nil
	}, nil)
	got := e.vaultAccounts()
	if got[0].Group != "Customer A" || !got[1].Favourite {
		t.Errorf("edits not saved: %+v", got)
	}
}

func TestHOTPNextCode(t *testing.T) {
	h := rfcAccount
	h.Type, h.Digits, h.Period = vault.HOTP, 6, 30
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(h)
	w := e.open()
	if w.list.rows[0].code != "755 224" || w.list.rows[0].progress >= 0 {
		t.Fatalf("HOTP row: %+v", w.list.rows[0])
	}
	w.list.advance(w.list.shown[0])
	if w.list.rows[0].code != "287 082" || e.vaultAccounts()[0].Counter != 1 {
		t.Fatalf("after next: %+v", w.list.rows[0])
	}
}

// "Next code" of a menu opened while the account was HOTP checks the type
// of the account as stored: a TOTP account's counter does not move (the
// window advanced it, unchecked, before app.AdvanceCounter).
func TestNextCodeRefusesTOTP(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("a", "Acme", "ann", "JBSWY3DPEHPK3PXP"))
	w := e.open()
	stale := w.list.shown[0]
	stale.Type = vault.HOTP // as a menu built before it was replaced saw it
	w.list.advance(stale)
	if c := e.vaultAccounts()[0].Counter; c != 0 {
		t.Errorf("TOTP counter advanced to %d", c)
	}
	if !hasText(t, w, `"Acme: ann" is a totp account: only HOTP counters advance`) {
		t.Error("no error shown")
	}
}

// An account deleted in another window is named when a change misses it.
func TestChangeDeletedAccount(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("a", "Acme", "ann", "JBSWY3DPEHPK3PXP"))
	w := e.open()
	gone := w.list.shown[0]
	if err := w.vault.Update(func(d *vault.Document) error { d.Accounts = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	w.list.setFavourite(gone, true)
	if !hasText(t, w, `"Acme: ann" was deleted meanwhile`) {
		t.Error("the vanished account is not named")
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{"123456": "123 456", "1234567": "123 4567", "12345678": "1234 5678", "2F9J5": "2F9J5"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToastNeverShowsCode(t *testing.T) {
	e := newEnv(t, time.Unix(40, 0)).withAccounts(rfcAccount)
	w := e.open()
	w.list.copyIndex(0)
	if strings.Contains(w.list.toast.label.Text, "9428") {
		t.Error("the toast shows the code")
	}
}

func TestTrayOnlyWithABus(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if runtime.GOOS == "linux" {
		if trayHostPossible(env(nil)) {
			t.Error("tray offered without a D-Bus session bus")
		}
		if !trayHostPossible(env(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"})) {
			t.Error("no tray although a session bus exists")
		}
	}
}

func TestMoveUpAndDown(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(acct("a", "Alpha", "x", "JBSWY3DPEHPK3PXP"), acct("b", "Beta", "y", "JBSWY3DPEHPK3PXQ"), acct("c", "Gamma", "z", "JBSWY3DPEHPK3PXR"))
	w := e.open()
	w.list.move(w.list.shown[2], -1)
	if ids := []string{w.list.shown[0].ID, w.list.shown[1].ID, w.list.shown[2].ID}; ids[1] != "c" || ids[2] != "b" {
		t.Fatalf("after moving Gamma up: %v", ids)
	}
	w.list.move(w.list.shown[0], -1)
	if !strings.Contains(w.list.toast.label.Text, "edge") {
		t.Error("moving the first account up was not refused")
	}
	// The order is the vault's: a new window shows it too.
	w2 := e.open()
	if w2.list.shown[1].ID != "c" {
		t.Error("the order was not saved")
	}
}

func TestSettingsPersist(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	w := e.open()
	w.showSettings()
	var selects []*widget.Select
	var checks []*widget.Check
	for _, o := range overlays(w) {
		selects = append(selects, findAll[*widget.Select](t, o)...)
		checks = append(checks, findAll[*widget.Check](t, o)...)
	}
	if len(selects) != 3 || len(checks) != 3 {
		t.Fatalf("settings shows %d selects and %d checks", len(selects), len(checks))
	}
	selects[0].SetSelected("15 minutes") // lock after
	selects[1].SetSelected("2 minutes")  // clear clipboard after
	selects[2].SetSelected("Dark")       // theme
	checks[0].SetChecked(true)           // lock when hidden
	checks[1].SetChecked(false)          // keyring off
	test.Tap(button(t, w, "Save"))

	s := w.vault.Settings()
	if s.AutoLockSeconds != 900 || s.ClipboardClearSeconds != 120 {
		t.Errorf("vault settings: %+v", s)
	}
	if e.app.Preferences().String(prefTheme) != "dark" || !e.app.Preferences().Bool(prefLockOnHide) {
		t.Error("device preferences not saved")
	}
	if e.kr.Len() != 0 || w.vault.Status().Keyring {
		t.Error("keyring not switched off")
	}
	// A new window (the next start) uses them.
	e.cfg.Keyring = vault.NoKeyring{}
	e.cfg.Passphrase = func() (string, error) { return testPass, nil }
	w2 := e.open()
	w2.list.copyIndex(0)
	if !strings.Contains(w2.list.toast.label.Text, "120 s") {
		t.Errorf("clipboard delay not used: %q", w2.list.toast.label.Text)
	}
}

func TestBackgroundRedrawsLess(t *testing.T) {
	e := newEnv(t, time.Unix(1e9+1, 0)).withAccounts(rfcAccount) // 1 s into a period
	w := e.open()
	w.background = true
	e.sched.Advance(time.Second)
	before := w.list.lastRedraw
	e.sched.Advance(2 * time.Second)
	if !w.list.lastRedraw.Equal(before) {
		t.Error("redrew for countdown changes alone while in the background")
	}
	e.sched.Advance(30 * time.Second) // a new code
	if w.list.lastRedraw.Equal(before) {
		t.Error("a new code was not drawn while in the background")
	}
	w.background = false
	last := w.list.lastRedraw
	e.sched.Advance(time.Second)
	if w.list.lastRedraw.Equal(last) {
		t.Error("the countdown does not move in the foreground")
	}
}

func TestWelcomeStrengthAndNoPassphrase(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0))
	w := e.open()
	entries := passwordEntries(t, w)
	test.Type(entries[0], "password")
	if !hasText(t, w, "Strength: Very weak") {
		t.Error("a weak passphrase is not rated")
	}
	entries[0].SetText("correct horse battery staple")
	if !hasText(t, w, "Strength: Strong") && !hasText(t, w, "Strength: Very strong") {
		t.Error("a strong passphrase is not rated")
	}
	var noPass *widget.Check
	for _, c := range findAll[*widget.Check](t, w.win.Content()) {
		if strings.HasPrefix(c.Text, "No passphrase") {
			noPass = c
		}
	}
	if noPass == nil || noPass.Disabled() {
		t.Fatal("going without a passphrase is not offered with a working keyring")
	}
	noPass.SetChecked(true)
	if !hasText(t, w, "every account is lost") {
		t.Fatal("no warning of what skipping the passphrase means")
	}
	test.Tap(button(t, w, "Create vault"))
	if w.vault == nil || w.vault.Status().HasPassphrase || !w.vault.Status().Keyring {
		t.Fatalf("expected a keyring-only vault: %+v", w.vault)
	}
}

func TestNoPassphraseNeedsKeyring(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0))
	down := vault.NewMemoryKeyring()
	down.Fail = errors.New("no Secret Service")
	e.cfg.Keyring = down
	w := e.open()
	for _, c := range findAll[*widget.Check](t, w.win.Content()) {
		if strings.HasPrefix(c.Text, "No passphrase") && !c.Disabled() {
			t.Fatal("going without a passphrase offered without a keyring")
		}
	}
}

func TestTicksNotifyOnlyChangedRows(t *testing.T) {
	h := rfcAccount
	h.ID, h.Issuer, h.Type, h.Digits = "hotp", "HOTP", vault.HOTP, 6
	e := newEnv(t, time.Unix(1e9+1, 0)).withAccounts(h, rfcAccount)
	w := e.open()
	calls := map[string]int{}
	for i, a := range w.list.shown {
		item, err := w.list.data.GetItem(i)
		if err != nil {
			t.Fatal(err)
		}
		id := a.ID
		item.AddListener(binding.NewDataListener(func() { calls[id]++ }))
	}
	e.sched.Advance(3 * time.Second)
	if calls["hotp"] != 1 { // once when added, never again: nothing changed
		t.Errorf("the HOTP row was notified %d times", calls["hotp"])
	}
	if calls["rfc"] < 3 {
		t.Errorf("the TOTP row's countdown was notified %d times in 3 s", calls["rfc"])
	}
}
