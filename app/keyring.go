package app

import (
	"errors"
	"strings"

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

// KeyringEnv is the environment variable that switches the OS keyring off
// for a run, window or command line: LATCHKEY_KEYRING=off.
const KeyringEnv = "LATCHKEY_KEYRING"

// KeyringOff reports whether the environment (getenv, as os.Getenv) switches
// the OS keyring off: KeyringEnv is "off" in any letter case.
func KeyringOff(getenv func(string) string) bool {
	return strings.EqualFold(getenv(KeyringEnv), "off")
}
