package exporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"filippo.io/age"

	"github.com/latchkey/latchkey/vault"
)

// The Latchkey backup's plaintext header (see the package comment).
const (
	BackupFormat  = "latchkey-backup"
	BackupVersion = 1
)

// Backup is the plaintext of a Latchkey backup.
type Backup struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Exported time.Time       `json:"exported"`
	Accounts []vault.Account `json:"accounts"`
	Settings vault.Settings  `json:"settings"`
}

// maxWorkFactor is the largest work factor age accepts (it panics beyond).
const maxWorkFactor = 30

// BackupOptions tune AgeBackup.
type BackupOptions struct {
	// Now stamps the backup; zero means time.Now.
	Now time.Time
	// WorkFactor is age's scrypt work factor (log2 N); 0 means age's
	// default. Tests lower it.
	WorkFactor int
}

// AgeBackup encrypts every account and the settings with passphrase as an
// age file (scrypt recipient).
func AgeBackup(accounts []vault.Account, settings vault.Settings, passphrase string, opts BackupOptions) ([]byte, error) {
	plain, err := backupJSON(accounts, settings, opts.Now)
	if err != nil {
		return nil, err
	}
	return encryptAge(plain, passphrase, opts.WorkFactor)
}

// backupJSON is the backup's plaintext. Accounts are written by their own
// MarshalJSON, so members a newer Latchkey added travel too.
func backupJSON(accounts []vault.Account, settings vault.Settings, now time.Time) ([]byte, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if accounts == nil {
		accounts = []vault.Account{}
	}
	b := Backup{Format: BackupFormat, Version: BackupVersion, Exported: now.UTC().Truncate(time.Second),
		Accounts: accounts, Settings: settings}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return buf.Bytes(), nil
}

func encryptAge(plain []byte, passphrase string, workFactor int) ([]byte, error) {
	if passphrase == "" {
		return nil, errors.New("backup: the passphrase is empty")
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if workFactor < 0 || workFactor > maxWorkFactor {
		return nil, fmt.Errorf("backup: scrypt work factor %d is out of range (1 to %d)", workFactor, maxWorkFactor)
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return buf.Bytes(), nil
}
