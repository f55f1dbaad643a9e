package auth

import (
	"errors"
	"strings"
)

// One-time code shapes.
const (
	// BackupCodeCount is how many backup codes a set holds (OWASP Forgot
	// Password Cheat Sheet: "most services provide the user with ten").
	BackupCodeCount = 10
	// BackupCodeLen is the characters of a backup code, shown as
	// xxxxx-xxxxx: 50 bits, above OWASP's "12 digits for improved
	// security" (40 bits).
	BackupCodeLen = 10
	// RecoveryCodeLen is the characters of the recovery code, shown as six
	// groups of four: 120 bits.
	RecoveryCodeLen = 24
	// EmailCodeDigits is the digits of an e-mailed sign-in code, shown as
	// "1234 5678": OWASP's PINs are 6 to 12 digits; 8 keeps guessing at
	// 1 in 10⁸ per try while the code is short-lived and attempt-limited.
	EmailCodeDigits = 8
)

// codeAlphabet is Crockford's base32: digits and upper-case letters without
// I, L, O and U. Reading back is forgiving (see CanonicalCode): O is taken
// as 0 and I or L as 1, case is ignored.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ErrCodeFormat is returned for typed text that cannot be a code of the
// kind asked for. It never contains the text.
var ErrCodeFormat = errors.New("not a code of the expected form")

// NewBackupCodes returns BackupCodeCount distinct backup codes, formatted
// xxxxx-xxxxx for display. Every code holds at least one digit and one
// letter, so that the desktop app's paste reader (app/backupcodes) tells it
// from a word and Redact from a number (this costs under 0.1 bit).
func NewBackupCodes() []string {
	out := make([]string, 0, BackupCodeCount)
	seen := make(map[string]bool, BackupCodeCount)
	for len(out) < BackupCodeCount {
		c := randomCode(BackupCodeLen)
		if seen[c] || !digitAndLetter(c) {
			continue
		}
		seen[c] = true
		out = append(out, group(c, 5))
	}
	return out
}

// NewRecoveryCode returns a recovery code of RecoveryCodeLen characters,
// formatted in groups of four (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX). Like backup
// codes it always holds a digit and a letter.
func NewRecoveryCode() string {
	for {
		c := randomCode(RecoveryCodeLen)
		if digitAndLetter(c) {
			return group(c, 4)
		}
	}
}

// NewEmailCode returns an e-mailed sign-in code of EmailCodeDigits uniform
// random digits, formatted "1234 5678".
func NewEmailCode() string {
	b := make([]byte, EmailCodeDigits)
	for i := range b {
		b[i] = byte('0' + randomIndex(10))
	}
	return string(b[:4]) + " " + string(b[4:])
}

func digitAndLetter(c string) bool {
	return strings.ContainsAny(c, "0123456789") && strings.ContainsAny(c, codeAlphabet[10:])
}

func randomCode(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = codeAlphabet[randomIndex(len(codeAlphabet))]
	}
	return string(b)
}

func group(s string, size int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += size {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+size, len(s))])
	}
	return b.String()
}

// maxTypedCode bounds the text a code parser reads.
const maxTypedCode = 128

// CanonicalCode is the form a backup or recovery code is hashed and
// compared in: spaces, tabs, dashes, dots and underscores removed, upper
// case, O read as 0 and I or L as 1. It fails unless exactly n characters
// of the code alphabet remain. It does not say which characters were wrong.
func CanonicalCode(typed string, n int) (string, error) {
	if len(typed) > maxTypedCode {
		return "", ErrCodeFormat
	}
	out := make([]byte, 0, n)
	for i := 0; i < len(typed); i++ {
		c := typed[i]
		switch {
		case c == ' ' || c == '\t' || c == '-' || c == '.' || c == '_':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", ErrCodeFormat
		}
		out = append(out, c)
	}
	if len(out) != n {
		return "", ErrCodeFormat
	}
	return string(out), nil
}

// CanonicalBackupCode is CanonicalCode for a backup code.
func CanonicalBackupCode(typed string) (string, error) { return CanonicalCode(typed, BackupCodeLen) }

// CanonicalRecoveryCode is CanonicalCode for the recovery code.
func CanonicalRecoveryCode(typed string) (string, error) {
	return CanonicalCode(typed, RecoveryCodeLen)
}

// CanonicalEmailCode is the digits of a typed e-mail code, spaces and
// dashes removed; it fails unless exactly EmailCodeDigits digits remain.
func CanonicalEmailCode(typed string) (string, error) {
	if len(typed) > maxTypedCode {
		return "", ErrCodeFormat
	}
	out := make([]byte, 0, EmailCodeDigits)
	for i := 0; i < len(typed); i++ {
		c := typed[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
		case c >= '0' && c <= '9':
			out = append(out, c)
		default:
			return "", ErrCodeFormat
		}
	}
	if len(out) != EmailCodeDigits {
		return "", ErrCodeFormat
	}
	return string(out), nil
}
