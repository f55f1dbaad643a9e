package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/latchkey/latchkey/vault"
)

// FormatAgeBackup is Latchkey's own backup (`latchkey export --format age`):
// the accounts as JSON, encrypted with an age passphrase. The plaintext is
// described in app/exporter's package comment:
// {"format": "latchkey-backup", "version": 1, "exported", "accounts", "settings"}.
const FormatAgeBackup Format = "age"

const (
	ageIntro       = "age-encryption.org/v1\n"
	ageArmorHeader = "-----BEGIN AGE ENCRYPTED FILE-----"
	backupFormat   = "latchkey-backup"
	backupVersion  = 1
	// backupWorkFactor is the scrypt work factor Latchkey's backups have:
	// age's default (app/exporter leaves it).
	backupWorkFactor = 18
)

func init() {
	register(reader{name: FormatAgeBackup, priority: 10, detect: isAgeFile,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readAgeBackup(res, data, opts)
		}})
}

func isAgeFile(data []byte) bool {
	return bytes.HasPrefix(data, []byte(ageIntro)) ||
		bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(ageArmorHeader))
}

// readAgeBackup checks the age header, asks for the passphrase, decrypts
// and reads the backup's accounts.
func readAgeBackup(res *Result, data []byte, opts Options) error {
	data, err := unarmor(data)
	if err != nil {
		return err
	}
	if err := checkAgeHeader(data); err != nil {
		return err
	}
	pass, err := opts.password()
	if err != nil {
		return err
	}
	plain, err := decryptAge(data, pass)
	if err != nil {
		return err
	}
	accounts, err := parseBackup(plain, res)
	if err != nil || res.full() {
		return err
	}
	for i, a := range accounts {
		if res.full() {
			break // the import is refused: read no further
		}
		// The vault gives restored accounts their own ids; the other
		// fields, times included, are kept.
		a.ID = ""
		res.add(fmt.Sprintf("%s account %d", res.Name, i+1), a)
	}
	return nil
}

// unarmor decodes the ASCII-armoured form (age -a).
func unarmor(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, []byte(ageIntro)) {
		return data, nil
	}
	out, err := io.ReadAll(armor.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("damaged age armour: %w", err)
	}
	return out, nil
}

// checkAgeHeader reads the recipient stanzas before any key derivation: a
// file encrypted to an age key (such as a vault.age) is not a backup, and
// a work factor beyond the limit would hang the import.
func checkAgeHeader(data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var types []string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "---") {
			break
		}
		args, ok := strings.CutPrefix(line, "-> ")
		if !ok {
			continue
		}
		f := strings.Fields(args)
		if len(f) == 0 {
			continue
		}
		types = append(types, f[0])
		if f[0] == "scrypt" && len(f) == 3 {
			if n, err := strconv.Atoi(f[2]); err == nil && n > MaxAgeWorkFactor {
				return fmt.Errorf("%w: the age scrypt work factor is %d; Latchkey writes %d (age's default) and reads at most %d",
					ErrTooCostly, n, backupWorkFactor, MaxAgeWorkFactor)
			}
		}
	}
	if len(types) == 0 {
		return errors.New("damaged age file: no recipient in its header")
	}
	if len(types) != 1 || types[0] != "scrypt" {
		return fmt.Errorf("the age file is encrypted to a key (%s), not with a passphrase: it is not a Latchkey backup", strings.Join(types, ", "))
	}
	return nil
}

// decryptAge opens a passphrase-encrypted age file. A passphrase that does
// not unwrap the key is ErrWrongPassword; anything else is damage.
func decryptAge(data []byte, pass string) ([]byte, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, ErrWrongPassword // age refuses only the empty passphrase
	}
	id.SetMaxWorkFactor(MaxAgeWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongPassword
		}
		return nil, fmt.Errorf("damaged age file: %w", err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("damaged age file: %w", err)
	}
	return plain, nil
}

// backupHeader is the part of the plaintext read before the accounts.
type backupHeader struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Accounts json.RawMessage `json:"accounts"`
}

// parseBackup reads the accounts of a backup's plaintext, unless they are
// more than res may hold.
func parseBackup(plain []byte, res *Result) ([]vault.Account, error) {
	var h backupHeader
	if err := decodeJSON(plain, &h); err != nil {
		return nil, fmt.Errorf("decrypted, but not a Latchkey backup: %w", err)
	}
	switch {
	case h.Format != backupFormat:
		return nil, fmt.Errorf("decrypted, but not a Latchkey backup (format %q)", clip(h.Format))
	case h.Version < 1:
		return nil, fmt.Errorf("a Latchkey backup without a valid version (%d)", h.Version)
	case h.Version > backupVersion:
		return nil, fmt.Errorf("a Latchkey backup of version %d, newer than this release reads (%d): update Latchkey", h.Version, backupVersion)
	}
	return backupAccounts(h.Accounts, res)
}

// backupAccounts decodes the accounts through vault.Document, whose
// decoder keeps the members a newer Latchkey wrote, so that restoring does
// not drop them. They are counted first: a vault account decodes into far
// more memory than a hostile "{}" takes.
func backupAccounts(raw json.RawMessage, res *Result) ([]vault.Account, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '[' {
		return nil, errors.New("the Latchkey backup's accounts are not a list")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("the Latchkey backup's accounts: %w", err)
	}
	if !res.expect(len(items)) {
		return nil, nil
	}
	doc := make([]byte, 0, len(raw)+32)
	doc = append(doc, `{"schema":2,"accounts":`...)
	doc = append(append(doc, raw...), '}')
	var d vault.Document
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("the Latchkey backup's accounts: %w", err)
	}
	return d.Accounts, nil
}

// clip shortens untrusted text quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
