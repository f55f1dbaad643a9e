package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

// ReadPassphraseFile reads a passphrase from the first line of a file, as
// --passphrase-file and LATCHKEY_PASSPHRASE_FILE give it.
func ReadPassphraseFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 64<<10)).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%s starts with an empty line", path)
	}
	return line, nil
}
