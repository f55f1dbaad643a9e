package vault

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testWorkFactor keeps scrypt fast in tests; production uses age's default.
const testWorkFactor = 10

const testPass = "correct horse battery staple"

var testEpoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func passphrase(p string) func() (string, error) {
	return func() (string, error) { return p, nil }
}

// newTestVault creates a vault with both a keyring entry and a passphrase.
func newTestVault(t testing.TB) (*Vault, *MemoryKeyring) {
	t.Helper()
	kr := NewMemoryKeyring()
	v, err := Create(t.TempDir(), CreateOptions{
		Options:    Options{Keyring: kr, WorkFactor: testWorkFactor, Now: func() time.Time { return testEpoch }},
		Passphrase: testPass,
		UseKeyring: true,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return v, kr
}

func makeAccounts(n int) []Account {
	accounts := make([]Account, n)
	for i := range accounts {
		used := testEpoch.Add(-time.Hour)
		accounts[i] = Account{
			ID:        fmt.Sprintf("acct-%04d", i),
			Issuer:    fmt.Sprintf("Tenant %d RMM", i%37),
			Name:      fmt.Sprintf("tech%d@customer%d.example", i, i%37),
			Type:      []Type{TOTP, HOTP, Steam}[i%3],
			Secret:    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
			Algorithm: []Algorithm{SHA1, SHA256, SHA512}[i%3],
			Digits:    6 + i%3,
			Period:    30,
			Counter:   uint64(i),
			Group:     fmt.Sprintf("customer-%d", i%37),
			Note:      "break-glass: call the NOC",
			Favourite: i%10 == 0,
			Icon:      "shield",
			Created:   testEpoch,
			Updated:   testEpoch,
			BackupCodes: []BackupCode{
				{Code: "1234-5678"}, {Code: "2345-6789", UsedAt: &used}, {Code: "3456-7890"},
			},
			RecoveryCode: "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
		}
		if i%5 == 0 {
			accounts[i].Portal = &Portal{URL: "https://portal.example", Tenant: "t1", UserID: "u1"}
		}
	}
	return accounts
}

// snapshot reads every file of dir, to prove a failed operation left the
// directory as it was.
func snapshot(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == LockFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func assertUnchanged(t testing.TB, dir string, before map[string][]byte) {
	t.Helper()
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Fatalf("files changed: before %d files, after %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Fatalf("%s changed", name)
		}
	}
}
