package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/latchkey/latchkey/vault"
)

// exportSecret is a secret no message may contain.
const exportSecret = "SENTINELSECRETAAAAAAAAAAAAAAAAAA"

var exportURIs = []string{
	"otpauth://totp/Acme%20RMM:ann@acme.example?secret=" + exportSecret + "&issuer=Acme%20RMM",
	"otpauth://hotp/Vendor:ops?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vendor&algorithm=SHA256&digits=8&counter=7",
}

const steamURI = "otpauth://totp/Steam:gaben?secret=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU&issuer=Steam&digits=5&encoder=steam"

// exportVault is a vault holding exportURIs (and extra), the first account
// with backup codes, a recovery code, a note and a group.
func exportVault(t *testing.T, extra ...string) *harness {
	t.Helper()
	h := withVault(t)
	for _, u := range append(exportURIs, extra...) {
		h.run("add", u).assert(t, 0, "Added ", "")
	}
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		t.Fatal(err)
	}
	used := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	err = v.Update(func(d *vault.Document) error {
		a := &d.Accounts[0]
		a.Group, a.Note, a.Favourite, a.RecoveryCode = "Acme", "tenant admin", true, "RECOVERY-9999"
		a.BackupCodes = []vault.BackupCode{{Code: "1111-2222"}, {Code: "3333-4444", UsedAt: &used}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (r result) noSecret(t *testing.T) result {
	t.Helper()
	if strings.Contains(r.stderr, exportSecret) {
		t.Errorf("stderr reveals the secret: %q", r.stderr)
	}
	return r
}

func TestExportURIsToStdout(t *testing.T) {
	h := exportVault(t)
	for _, args := range [][]string{{"export", "--format", "uris"}, {"export", "--out", "-", "--format=uris"}} {
		r := h.run(args...).noSecret(t)
		r.assert(t, 0, "", "This output holds your 2FA secrets")
		if want := strings.Join(exportURIs, "\n") + "\n"; r.stdout != want {
			t.Errorf("%v: stdout %q, want %q", args, r.stdout, want)
		}
		if !strings.Contains(r.stderr, "backup and recovery codes of 1 account") {
			t.Errorf("no note on the codes left behind: %q", r.stderr)
		}
	}
}

func TestExportFileModesAndOverwrite(t *testing.T) {
	h := exportVault(t)
	pf := writeFile(t, "export password 1\n")
	tests := []struct {
		format string
		extra  []string
		warn   string
	}{
		{"uris", nil, "This file holds your 2FA secrets: anyone"},
		{"aegis", nil, "This file holds your 2FA secrets: anyone"},
		{"aegis-encrypted", []string{"--password-file", pf}, "encrypted with the password you chose"},
		{"age", []string{"--password-file", pf}, "encrypted with the password you chose"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(dir, "export."+tt.format)
			args := append([]string{"export", "--format", tt.format, "--out", out}, tt.extra...)
			h.run(args...).noSecret(t).assert(t, 0, "Exported 2 accounts to "+out, tt.warn)
			first := fileMode(t, out)
			h.run(args...).noSecret(t).assert(t, 1, "", "exists; give --force")
			h.run(append(args, "--force")...).noSecret(t).assert(t, 0, "Exported 2 accounts", "")
			if first != 0o600 || fileMode(t, out) != 0o600 {
				t.Errorf("modes %o, %o; want 600", first, fileMode(t, out))
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestExportAgeRestores exports a backup, restores it into a new vault and
// finds every field again, backup codes included.
func TestExportAgeRestores(t *testing.T) {
	h := exportVault(t)
	h.terminal = &fakeTerminal{answers: []string{"backup passphrase", "backup passphrase"}}
	out := filepath.Join(t.TempDir(), "backup.age")
	h.run("export", "--format", "age", "--out", out).noSecret(t).assert(t, 0, "Exported 2 accounts", "")
	if len(h.terminal.prompts) != 2 {
		t.Errorf("prompts %q, want the passphrase asked twice", h.terminal.prompts)
	}
	data, _ := os.ReadFile(out)
	id, _ := age.NewScryptIdentity("backup passphrase")
	rd, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		t.Fatalf("age cannot open the backup: %v", err)
	}
	plain, _ := io.ReadAll(rd)
	var b struct{ Format string }
	if json.Unmarshal(plain, &b); b.Format != "latchkey-backup" {
		t.Errorf("plaintext format %q", b.Format)
	}

	h2 := withVault(t)
	h2.run("import", out, "--password-file", writeFile(t, "wrong passphrase\n")).noSecret(t).assert(t, 1, "", "wrong password")
	h2.run("import", out, "--password-file", writeFile(t, "backup passphrase\n")).noSecret(t).assert(t, 0, "Added 2 accounts", "")
	want, got := accountsOf(t, h), accountsOf(t, h2)
	for i := range want {
		w, g := want[i], got[i]
		w.ID, g.ID, w.Updated, g.Updated = "", "", time.Time{}, time.Time{}
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if string(wj) != string(gj) {
			t.Errorf("account %d was not restored field for field", i)
		}
	}
	if got[0].BackupCodesLeft() != 1 || got[0].RecoveryCode != "RECOVERY-9999" {
		t.Errorf("backup codes left %d, recovery %q", got[0].BackupCodesLeft(), got[0].RecoveryCode)
	}
}

func accountsOf(t *testing.T, h *harness) []vault.Account {
	t.Helper()
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		t.Fatal(err)
	}
	return v.Accounts()
}

func TestExportMigrationQR(t *testing.T) {
	h := exportVault(t, steamURI)
	stem := filepath.Join(t.TempDir(), "codes.png")
	h.run("export", "--format", "migration-qr", "--out", stem).noSecret(t).assert(t, 1, "", `"Steam:gaben" (no Steam codes`)
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(stem), "*")); len(m) > 0 {
		t.Fatalf("a refused export wrote %v", m)
	}
	r := h.run("export", "--format", "migration-qr", "--out", stem, "--skip-unsupported").noSecret(t)
	png1 := strings.TrimSuffix(stem, ".png") + "-1.png"
	r.assert(t, 0, "Exported 2 accounts in 1 QR code: "+png1, "Left out: Steam: gaben (no Steam codes")
	if !strings.Contains(r.stderr, "This image holds your 2FA secrets") || fileMode(t, png1) != 0o600 {
		t.Errorf("stderr %q, mode %o", r.stderr, fileMode(t, png1))
	}
	h.run("export", "--format", "migration-qr", "--out", stem, "--skip-unsupported").assert(t, 1, "", png1+": the file exists")

	h2 := withVault(t)
	h2.run("import", png1).assert(t, 0, "Added 2 accounts", "")
	if got := accountsOf(t, h2); len(got) != 2 || got[1].Counter != 7 || got[1].Digits != 8 {
		t.Errorf("imported %+v", len(got))
	}
}

func TestExportUsageErrors(t *testing.T) {
	pf := writeFile(t, "export password 1\n")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no format", []string{"export"}, "needs --format"},
		{"unknown format", []string{"export", "--format", "csv"}, `"csv" is not one of`},
		{"stray argument", []string{"export", "--format", "uris", "out.txt"}, `"out.txt"`},
		{"password for a plain format", []string{"export", "--format", "aegis", "--password-file", pf}, "has no password"},
		{"skip for another format", []string{"export", "--format", "uris", "--skip-unsupported"}, "migration-qr only"},
		{"migration to stdout", []string{"export", "--format", "migration-qr"}, "give --out FILE"},
		{"migration to -", []string{"export", "--format", "migration-qr", "--out", "-"}, "give --out FILE"},
		{"age without --out", []string{"export", "--format", "age"}, "binary"},
		{"no terminal for the password", []string{"export", "--format", "aegis-encrypted"}, "use --password-file"},
		{"unknown flag", []string{"export", "--format", "uris", "--zip"}, "zip"},
	}
	h := exportVault(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.run(tt.args...).noSecret(t).assert(t, 2, "", tt.stderr)
		})
	}
}

func TestExportRuntimeErrors(t *testing.T) {
	h := exportVault(t)
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		terminal []string
		stderr   string
	}{
		{"passwords differ", []string{"export", "--format", "age", "--out", filepath.Join(dir, "a.age")}, []string{"one long password", "another long one"}, "differ"},
		{"password too short", []string{"export", "--format", "aegis-encrypted", "--out", filepath.Join(dir, "b.json")}, []string{"short", "short"}, "too short"},
		{"missing password file", []string{"export", "--format", "age", "--out", filepath.Join(dir, "c.age"), "--password-file", "/nonexistent/p"}, nil, "/nonexistent/p"},
		{"no such directory", []string{"export", "--format", "uris", "--out", filepath.Join(dir, "none", "x.txt")}, nil, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.terminal = nil
			if tt.terminal != nil {
				h.terminal = &fakeTerminal{answers: tt.terminal}
			}
			h.run(tt.args...).noSecret(t).assert(t, 1, "", tt.stderr)
		})
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) > 0 {
		t.Errorf("failed exports wrote %v", m)
	}
	empty := withVault(t)
	empty.run("export", "--format", "uris").assert(t, 1, "", "no accounts")
	none := newHarness(t)
	none.run("export", "--format", "uris").assert(t, 1, "", "latchkey init")
}
