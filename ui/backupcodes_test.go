package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/vault"
)

func withCodes() vault.Account {
	a := acct("a", "Acme RMM", "ann", "JBSWY3DPEHPK3PXP")
	a.BackupCodes = []vault.BackupCode{{Code: "4827-1930"}, {Code: "5512-0847"}, {Code: "9931-2204"}}
	a.RecoveryCode = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
	return a
}

func TestBackupCodeCopyAndMarkUsed(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(withCodes())
	w := e.open()
	w.list.showBackupCodes(w.list.shown[0])
	if !hasText(t, w, "3 backup codes left") || !hasText(t, w, "ABCD-EFGH") {
		t.Fatal("the codes are not shown")
	}
	test.Tap(button(t, w, "Copy and mark used"))
	if e.app.Clipboard().Content() != "4827-1930" {
		t.Fatalf("clipboard %q", e.app.Clipboard().Content())
	}
	if got := e.vaultAccounts()[0]; got.BackupCodesLeft() != 2 || got.BackupCodes[0].UsedAt == nil {
		t.Fatalf("not marked used: %+v", got.BackupCodes)
	}
	if !hasText(t, w, "2 backup codes left") || !hasText(t, w, "Only 2 backup codes left") {
		t.Error("the count or the low-codes warning is not shown")
	}
	test.Tap(button(t, w, "Undo"))
	if e.vaultAccounts()[0].BackupCodesLeft() != 3 {
		t.Error("undo did not restore the code")
	}
	e.sched.Advance(31 * time.Second)
	if e.app.Clipboard().Content() != "" {
		t.Error("the backup code stayed on the clipboard")
	}
}

func TestBackupCodesRowCount(t *testing.T) {
	a := withCodes()
	used := time.Unix(9e8, 0)
	a.BackupCodes[0].UsedAt = &used
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(a)
	w := e.open()
	row := newAccountRow(w.list)
	row.show(w.list.view(0))
	if !strings.Contains(row.name.Text, "2 backup codes") || row.name.Importance != widget.WarningImportance {
		t.Errorf("row: %q importance %v", row.name.Text, row.name.Importance)
	}
}

func TestBackupCodesPaste(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(withCodes())
	w := e.open()
	w.list.showBackupCodes(w.list.shown[0])
	if got := describeFound("Your codes:\n1. 1111-2222\n2. 3333-4444\n"); !strings.Contains(got, "Found 2 codes") {
		t.Errorf("preview %q", got)
	}
	v := &backupView{l: w.list, a: vault.Account{ID: "a"}, box: container.NewVBox()}
	v.save("1. 1111-2222\n2. 3333-4444\n", false)
	if got := e.vaultAccounts()[0]; got.BackupCodesLeft() != 5 {
		t.Fatalf("after add: %d left", got.BackupCodesLeft())
	}
	v.save("4827-1930", false) // already stored
	if e.vaultAccounts()[0].BackupCodesLeft() != 5 || len(overlays(w)) < 2 {
		t.Error("a duplicate code was saved or not refused")
	}
	v.save("9999-0001\n9999-0002", true)
	got := e.vaultAccounts()[0]
	if got.BackupCodesLeft() != 2 || len(got.BackupCodes) != 7 {
		t.Errorf("after replace: %d left of %d kept", got.BackupCodesLeft(), len(got.BackupCodes))
	}
}

func TestLockedOutGuide(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(withCodes())
	w := e.open()
	w.list.showLockedOut(w.list.shown[0])
	for _, want := range []string{"1. ", "2. ", "3. ", "4. ", "5. ", "Acme RMM"} {
		if !hasText(t, w, want) {
			t.Errorf("the guide lacks %q", want)
		}
	}
	test.Tap(button(t, w, "Copy the message"))
	if msg := e.app.Clipboard().Content(); !strings.Contains(msg, "ann") || strings.Contains(msg, "JBSWY3DP") {
		t.Errorf("admin message %q", msg)
	}
	test.Tap(button(t, w, "Copy a backup code and mark it used"))
	if e.app.Clipboard().Content() != "4827-1930" || e.vaultAccounts()[0].BackupCodesLeft() != 2 {
		t.Error("the guide's backup-code action did not copy and mark the code")
	}
}

func TestPrintSheetWritesPrivatePDF(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(withCodes())
	w := e.open()
	path := filepath.Join(t.TempDir(), "sheet.pdf")
	(&backupView{l: w.list, a: vault.Account{ID: "a"}, box: container.NewVBox()}).writeSheet(path)
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("sheet: %v, %d bytes", err, len(b))
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("sheet mode %v", st.Mode().Perm())
	}
	if !hasText(t, w, "Break-glass sheet saved") {
		t.Error("no confirmation shown")
	}
}
