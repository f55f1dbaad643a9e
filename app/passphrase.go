package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
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

// Strength rates a passphrase for the strength meter, from 0 (very weak)
// to 4 (very strong), with zxcvbn's estimate of the guesses it takes
// (common words, names, keyboard walks, dates and l33t count for little).
type Strength struct {
	Score int
	Label string
}

var strengthLabels = [...]string{"Very weak", "Weak", "Fair", "Strong", "Very strong"}

// PassphraseStrength rates p. Passphrases below MinPassphraseLen are at
// most "Very weak" whatever else they have.
func PassphraseStrength(p string) Strength {
	if p == "" {
		return Strength{}
	}
	score := zxcvbn.PasswordStrength(p, []string{"latchkey"}).Score
	if utf8.RuneCountInString(p) < MinPassphraseLen {
		score = 0
	}
	score = max(0, min(score, len(strengthLabels)-1))
	return Strength{Score: score, Label: strengthLabels[score]}
}
