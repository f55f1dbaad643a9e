package app

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MinPassphraseLen is the shortest passphrase accepted for a vault. The
// passphrase guards identity.age against offline guessing, slowed only by
// scrypt; shorter ones fall to a laptop in days.
const MinPassphraseLen = 8

// ErrWeakPassphrase is returned for passphrases below MinPassphraseLen.
var ErrWeakPassphrase = errors.New("passphrase too short")

// CheckPassphrase enforces the minimum for a new passphrase.
func CheckPassphrase(p string) error {
	if n := utf8.RuneCountInString(p); n < MinPassphraseLen {
		return fmt.Errorf("%w: %d characters, at least %d needed", ErrWeakPassphrase, n, MinPassphraseLen)
	}
	return nil
}
