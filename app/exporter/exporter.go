package exporter

import (
	"fmt"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Format names an export format, as `export --format` takes it.
type Format string

// The export formats.
const (
	FormatURIs           Format = "uris"
	FormatAegis          Format = "aegis"
	FormatAegisEncrypted Format = "aegis-encrypted"
	FormatMigrationQR    Format = "migration-qr"
	FormatAge            Format = "age"
)

// Formats lists the export formats in the order help shows them.
func Formats() []Format {
	return []Format{FormatURIs, FormatAegis, FormatAegisEncrypted, FormatMigrationQR, FormatAge}
}

// Encrypted reports whether f is protected by a password the user chooses.
func (f Format) Encrypted() bool { return f == FormatAegisEncrypted || f == FormatAge }

// Text reports whether f is text that may go to standard output.
func (f Format) Text() bool {
	return f == FormatURIs || f == FormatAegis || f == FormatAegisEncrypted
}

// KeepsCodes reports whether f carries backup and recovery codes.
func (f Format) KeepsCodes() bool { return f == FormatAge }

// Lost counts the accounts whose backup codes or recovery code a format
// without them (see Format.KeepsCodes) leaves behind.
func Lost(f Format, accounts []vault.Account) int {
	if f.KeepsCodes() {
		return 0
	}
	n := 0
	for _, a := range accounts {
		if len(a.BackupCodes) > 0 || a.RecoveryCode != "" {
			n++
		}
	}
	return n
}

// normalized returns normalised copies of accounts, so that a hand-edited
// or older vault never produces a malformed export. The error names the
// account, never its secret.
func normalized(accounts []vault.Account) ([]vault.Account, error) {
	out := make([]vault.Account, len(accounts))
	for i, a := range accounts {
		a = a.Clone()
		if err := otpauth.Normalize(&a); err != nil {
			return nil, fmt.Errorf("account %d (%q): %w", i+1, a.Label(), err)
		}
		out[i] = a
	}
	return out, nil
}
