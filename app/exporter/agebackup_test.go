package exporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

const backupPass = "a long backup passphrase"

// testWorkFactor keeps scrypt fast in tests; real backups use age's default.
const testWorkFactor = 10

var exported = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// accountsWithFutureMember are fullAccounts as a newer Latchkey might have
// stored them: with a member this release does not know.
func accountsWithFutureMember(t *testing.T) ([]vault.Account, vault.Settings) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"schema": 2, "accounts": fullAccounts(),
		"settings": map[string]any{"clipboard_clear_seconds": 45, "future_setting": true}})
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"id":"a1",`), []byte(`"id":"a1","future_member":{"x":1},`), 1)
	var d vault.Document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d.Accounts, d.Settings
}

func makeBackup(t *testing.T) ([]byte, []vault.Account) {
	t.Helper()
	accounts, settings := accountsWithFutureMember(t)
	data, err := exporter.AgeBackup(accounts, settings, backupPass, exporter.BackupOptions{Now: exported, WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	assertNoSentinel(t, "backup file", string(data))
	return data, accounts
}

// TestAgeBackupWithAgeLibrary opens the backup as any age user would and
// checks the documented plaintext.
func TestAgeBackupWithAgeLibrary(t *testing.T) {
	data, accounts := makeBackup(t)
	if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n-> scrypt ")) {
		t.Fatalf("not an age scrypt file: %.40q", data)
	}
	id, _ := age.NewScryptIdentity(backupPass)
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(r)
	checkBackupPlaintext(t, plain, accounts)
}

func checkBackupPlaintext(t *testing.T, plain []byte, accounts []vault.Account) {
	t.Helper()
	var b struct {
		Format   string            `json:"format"`
		Version  int               `json:"version"`
		Exported time.Time         `json:"exported"`
		Accounts []json.RawMessage `json:"accounts"`
		Settings map[string]any    `json:"settings"`
	}
	strictJSON(t, plain, &b)
	if b.Format != "latchkey-backup" || b.Version != 1 || !b.Exported.Equal(exported) {
		t.Errorf("header: %q %d %v", b.Format, b.Version, b.Exported)
	}
	if b.Settings["clipboard_clear_seconds"] != 45.0 || b.Settings["future_setting"] != true {
		t.Errorf("settings %v", b.Settings)
	}
	if len(b.Accounts) != len(accounts) {
		t.Fatalf("%d accounts", len(b.Accounts))
	}
	for i, raw := range b.Accounts {
		want, _ := json.Marshal(accounts[i])
		if d := differentMembers(t, string(raw), string(want)); len(d) > 0 {
			t.Errorf("account %d: members %v differ", i, d)
		}
	}
}

// TestAgeBackupRestores imports the backup through app/importer: every
// field comes back, the unknown member too; only the id is the vault's to
// give.
func TestAgeBackupRestores(t *testing.T) {
	data, accounts := makeBackup(t)
	asked := 0
	opts := importer.Options{Password: func() (string, error) { asked++; return backupPass, nil }}
	res, err := importer.New().Read(context.Background(), "backup.age", data, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != importer.FormatAgeBackup || asked != 1 || len(res.Skipped) > 0 {
		t.Fatalf("format %q, asked %d times, skipped %v", res.Format, asked, res.Skipped)
	}
	if len(res.Entries) != len(accounts) {
		t.Fatalf("%d entries", len(res.Entries))
	}
	for i, e := range res.Entries {
		if e.Account.ID != "" {
			t.Errorf("entry %d keeps id %q", i, e.Account.ID)
		}
		if d := differentMembers(t, jsonOf(t, e.Account), jsonOf(t, accounts[i])); len(d) > 0 {
			t.Errorf("entry %d: members %v differ", i, d)
		}
	}
	if !strings.Contains(jsonOf(t, res.Entries[0].Account), `"future_member":{"x":1}`) {
		t.Error("the unknown member was dropped")
	}
}

func TestAgeBackupWrongPassphrase(t *testing.T) {
	data, _ := makeBackup(t)
	opts := importer.Options{Password: func() (string, error) { return "not the passphrase", nil }}
	_, err := importer.New().Read(context.Background(), "backup.age", data, "", opts)
	if !errors.Is(err, importer.ErrWrongPassword) {
		t.Fatalf("error %v, want ErrWrongPassword", err)
	}
}

func TestAgeBackupRefusesBadInput(t *testing.T) {
	tests := []struct {
		name, pass string
		wantErr    bool
	}{
		{"empty passphrase", "", true},
		{"ok", backupPass, false},
	}
	for _, tt := range tests {
		_, err := exporter.AgeBackup(fullAccounts(), vault.Settings{}, tt.pass, exporter.BackupOptions{WorkFactor: testWorkFactor})
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
	if _, err := exporter.AgeBackup(nil, vault.Settings{}, backupPass, exporter.BackupOptions{WorkFactor: 31}); err == nil {
		t.Error("work factor 31 accepted (age would panic)")
	}
}

// TestAgeBackupWithAgeCLI opens the backup with the real age command, which
// reads the passphrase from a terminal (given by util-linux script).
func TestAgeBackupWithAgeCLI(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age command is not installed")
	}
	script, err := exec.LookPath("script")
	if err != nil || runtime.GOOS != "linux" {
		t.Skip("needs util-linux script to give age a terminal")
	}
	data, accounts := makeBackup(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "backup.age"), filepath.Join(dir, "backup.json")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "-qec", agePath+" -d -o "+out+" "+in, os.DevNull)
	cmd.Stdin = strings.NewReader(backupPass + "\n")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("age -d: %v\n%s", err, msg)
	}
	plain, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkBackupPlaintext(t, plain, accounts)
}
