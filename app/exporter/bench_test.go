package exporter_test

import (
	"testing"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/vault"
)

func BenchmarkURIs1000(b *testing.B) {
	accounts := googleAccounts(1000)
	for b.Loop() {
		if _, err := exporter.URIs(accounts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAegis1000(b *testing.B) {
	accounts := googleAccounts(1000)
	for b.Loop() {
		if _, err := exporter.Aegis(accounts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMigrationQR100 is ten codes of ten accounts, PNGs included.
func BenchmarkMigrationQR100(b *testing.B) {
	accounts := googleAccounts(100)
	for b.Loop() {
		if _, err := exporter.MigrationQR(accounts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAgeBackup1000 is the encryption at age's default work factor,
// which dominates: about a second by design.
func BenchmarkAgeBackup1000(b *testing.B) {
	accounts := googleAccounts(1000)
	for b.Loop() {
		if _, err := exporter.AgeBackup(accounts, vault.Settings{}, "a long backup passphrase", exporter.BackupOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
