package importer

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/vault"
)

const (
	backupSentinel = "SENTINELSECRETAAAAAAAAAAAAAAAAAA"
	backupPass     = "a long backup passphrase"
)

func testBackup(t testing.TB) []byte {
	t.Helper()
	accounts := []vault.Account{{Issuer: "Acme", Name: "ann", Type: vault.TOTP, Secret: backupSentinel,
		Algorithm: vault.SHA1, Digits: 6, Period: 30, BackupCodes: []vault.BackupCode{{Code: "1111-2222"}}}}
	data, err := exporter.AgeBackup(accounts, vault.Settings{}, backupPass, exporter.BackupOptions{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func withPass(p string) Options {
	return Options{Password: func() (string, error) { return p, nil }}
}

func readBackup(data []byte, opts Options) (*Result, error) {
	return New().Read(context.Background(), "backup.age", data, FormatAgeBackup, opts)
}

func TestAgeBackupDetect(t *testing.T) {
	plain := testBackup(t)
	var armored bytes.Buffer
	w := armor.NewWriter(&armored)
	w.Write(plain)
	w.Close()
	tests := []struct {
		name string
		data []byte
		want Format
	}{
		{"binary", plain, FormatAgeBackup},
		{"armored", armored.Bytes(), FormatAgeBackup},
		{"armored after a blank line", append([]byte("\n"), armored.Bytes()...), FormatAgeBackup},
		{"other text", []byte("age-encryption.org is a site"), ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	res, err := New().Read(context.Background(), "backup.txt", armored.Bytes(), "", withPass(backupPass))
	if err != nil || len(res.Entries) != 1 || len(res.Entries[0].Account.BackupCodes) != 1 {
		t.Fatalf("armored backup: %v, %+v", err, res)
	}
}

func TestAgeBackupErrors(t *testing.T) {
	good := testBackup(t)
	x25519, _ := age.GenerateX25519Identity()
	var keyFile bytes.Buffer
	w, _ := age.Encrypt(&keyFile, x25519.Recipient())
	w.Write([]byte("{}"))
	w.Close()
	costly := regexp.MustCompile(`(-> scrypt \S+) 10\n`).ReplaceAll(good, []byte("$1 30\n"))
	damaged := bytes.Clone(good)
	damaged[len(damaged)-5] ^= 1

	tests := []struct {
		name  string
		data  []byte
		opts  Options
		is    error  // nil: check want only
		want  string // part of the message
		asked bool   // whether the password may be asked
	}{
		{"no password callback", good, Options{}, ErrPasswordRequired, "", true},
		{"wrong password", good, withPass("not it"), ErrWrongPassword, "", true},
		{"empty password", good, withPass(""), ErrWrongPassword, "", true},
		{"encrypted to a key", keyFile.Bytes(), withPass(backupPass), nil, "not with a passphrase", false},
		{"work factor beyond the limit", costly, withPass(backupPass), ErrTooCostly, "30", false},
		{"damaged payload", damaged, withPass(backupPass), nil, "damaged", true},
		{"truncated header", []byte("age-encryption.org/v1\n"), withPass(backupPass), nil, "no recipient", false},
		{"broken armour", []byte("-----BEGIN AGE ENCRYPTED FILE-----\n!!!\n"), withPass(backupPass), nil, "armour", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := false
			opts := tt.opts
			if opts.Password != nil {
				inner := opts.Password
				opts.Password = func() (string, error) { asked = true; return inner() }
			}
			_, err := readBackup(tt.data, opts)
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Errorf("error %v, want %v", err, tt.is)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %v, want it to say %q", err, tt.want)
			case asked && !tt.asked:
				t.Error("asked for the password before checking the file")
			}
			if strings.Contains(err.Error(), backupSentinel) || strings.Contains(err.Error(), backupPass) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

func TestParseBackup(t *testing.T) {
	tests := []struct {
		name     string
		plain    string
		accounts int
		err      string
	}{
		{"ok", `{"format":"latchkey-backup","version":1,"accounts":[{"name":"a","secret":"JBSWY3DP"}]}`, 1, ""},
		{"no accounts", `{"format":"latchkey-backup","version":1}`, 0, ""},
		{"null accounts", `{"format":"latchkey-backup","version":1,"accounts":null}`, 0, ""},
		{"unknown members", `{"format":"latchkey-backup","version":1,"later":[1],"accounts":[]}`, 0, ""},
		{"not JSON", `age`, 0, "not a Latchkey backup"},
		{"other JSON", `{"db":{}}`, 0, "not a Latchkey backup"},
		{"no version", `{"format":"latchkey-backup"}`, 0, "valid version"},
		{"newer version", `{"format":"latchkey-backup","version":2,"accounts":[]}`, 0, "update Latchkey"},
		{"accounts not a list", `{"format":"latchkey-backup","version":1,"accounts":{}}`, 0, "not a list"},
		{"account of the wrong type", `{"format":"latchkey-backup","version":1,"accounts":[{"digits":"six"}]}`, 0, "accounts"},
		{"trailing data", `{"format":"latchkey-backup","version":1} {}`, 0, "after the document"},
		{"too deep", `{"format":"latchkey-backup","version":1,"accounts":[{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, 0, "deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBackup([]byte(tt.plain), &Result{})
			if tt.err == "" && (err != nil || len(got) != tt.accounts) {
				t.Fatalf("%d accounts, error %v", len(got), err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// TestAgeBackupSkipsInvalidAccounts: an account that fails normalisation is
// listed, the others imported.
func TestAgeBackupSkipsInvalidAccounts(t *testing.T) {
	accounts := []vault.Account{
		{Name: "good", Secret: "JBSWY3DPEHPK3PXP"},
		{Name: "bad", Type: "motp", Secret: backupSentinel},
	}
	data, err := exporter.AgeBackup(accounts, vault.Settings{}, backupPass, exporter.BackupOptions{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	res, err := readBackup(data, withPass(backupPass))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || len(res.Skipped) != 1 || res.Skipped[0].Source != "backup.age account 2" {
		t.Fatalf("entries %d, skipped %+v", len(res.Entries), res.Skipped)
	}
	if strings.Contains(res.Skipped[0].Reason, backupSentinel) {
		t.Error("the reason reveals the secret")
	}
}

// FuzzParseBackup: no plaintext makes the backup parser panic, and what it
// accepts are accounts the importer can check.
func FuzzParseBackup(f *testing.F) {
	f.Add([]byte(`{"format":"latchkey-backup","version":1,"exported":"2026-11-22T09:00:00Z","accounts":[{"issuer":"A","name":"b","secret":"JBSWY3DP","backup_codes":[{"code":"1","used_at":"2026-01-01T00:00:00Z","x":1}],"portal":{"url":"u","y":2}}],"settings":{}}`))
	f.Add([]byte(`{"format":"latchkey-backup","version":1,"accounts":[{"digits":1e400}]}`))
	f.Add([]byte(`{"format":"latchkey-backup","version":1,"accounts":[[]]}`))
	f.Add([]byte(`{"format":"latchkey-backup","version":1,"accounts":[null,{"extra":{"a":[{}]}}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		accounts, err := parseBackup(plain, &Result{})
		if err != nil {
			return
		}
		res := &Result{Name: "fuzz"}
		for i, a := range accounts {
			res.add(string(rune('a'+i%26)), a)
		}
	})
}
