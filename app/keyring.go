package app

import (
	"errors"

	"github.com/latchkey/latchkey/vault"
)

// ProbeKeyring reports whether the keyring answers, by reading an entry that
// does not exist: "missing" means it works. It may take the keyring's whole
// timeout, so call it off the UI goroutine.
func ProbeKeyring(kr vault.Keyring) error {
	if kr == nil {
		return vault.ErrKeyringUnavailable
	}
	_, err := kr.Get("latchkey-probe-" + vault.NewAccountID())
	if err == nil || errors.Is(err, vault.ErrKeyringEntryMissing) {
		return nil
	}
	return err
}
