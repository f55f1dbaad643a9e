package vault

import (
	"testing"
)

// BenchmarkOpen1000 measures an unlock from the keyring (an in-memory fake,
// so the OS keyring's IPC is not counted), decryption and parsing of a vault
// of 1,000 accounts.
func BenchmarkOpen1000(b *testing.B) {
	v, kr := newTestVault(b)
	if err := v.Update(func(d *Document) error { d.Accounts = makeAccounts(1000); return nil }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Open(v.Dir(), Options{Keyring: kr}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave1000 measures a save of 1,000 accounts: encoding,
// encryption, the generation kept, and the fsyncs of file and directory.
func BenchmarkSave1000(b *testing.B) {
	v, _ := newTestVault(b)
	if err := v.Update(func(d *Document) error { d.Accounts = makeAccounts(1000); return nil }); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		if err := v.Update(func(d *Document) error { d.Accounts[i%1000].Counter++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
