package auth

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Redacted is what appears in place of a secret.
const Redacted = "[REDACTED]"

// Secret holds a secret string (a password, a typed code, a token as
// received) so that formatting it, logging it with log/slog or encoding it
// as JSON or text yields Redacted. Reveal returns the value, and is the one
// call to look for in review.
type Secret string

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// String prints Redacted.
func (s Secret) String() string { return Redacted }

// GoString prints Redacted.
func (s Secret) GoString() string { return Redacted }

// Format prints Redacted for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue keeps the secret out of log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText writes Redacted (and so does encoding/json).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// sensitiveParam matches key=value and "key": "value" pairs whose key names
// a secret, in query strings, form bodies, JSON and free text.
var sensitiveParam = regexp.MustCompile(`(?i)((?:password|passwd|passphrase|pwd|token|secret|otp|totp|phrase|recovery[_-]?code|backup[_-]?code|email[_-]?code|pepper)"?\s*[=:]\s*"?)([^&\s"',;}]+)`)

// phcString matches a password hash in PHC form.
var phcString = regexp.MustCompile(`\$argon2(?:id|i|d)\$[^\s"';}]*`)

// Redact returns s with everything shaped like a secret of this package
// replaced by Redacted: values of parameters named password, token, secret,
// otp, phrase and the like; PHC password hashes; 43-character link tokens;
// 32-character base32 TOTP secrets; backup codes (xxxxx-xxxxx) and recovery
// codes (xxxx-…-xxxx, or either run together in upper case); and runs of
// exactly 6 or 8 digits, or two groups of 3 or 4 digits ("123 456",
// "1234 5678"). It is a second line of defence for text from elsewhere (a
// request path, a dependency's error) and errs towards redacting: an
// eight-digit date goes too. The first line is never to format a secret.
func Redact(s string) string {
	s = sensitiveParam.ReplaceAllString(s, "${1}"+Redacted)
	s = phcString.ReplaceAllString(s, Redacted)
	return redactRuns(s)
}

func isRunByte(c byte) bool { return isURLBase64(c) }

// redactRuns scans maximal runs of [A-Za-z0-9_-] and replaces the
// secret-shaped ones.
func redactRuns(s string) string {
	type span struct{ start, end int }
	var runs []span
	for i := 0; i < len(s); {
		if !isRunByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isRunByte(s[j]) {
			j++
		}
		runs = append(runs, span{i, j})
		i = j
	}
	var cut []span
	for k := 0; k < len(runs); k++ {
		r := runs[k]
		w := s[r.start:r.end]
		// Two digit groups separated by one space: "123 456", "1234 5678".
		if k+1 < len(runs) && (len(w) == 3 || len(w) == 4) && allDigits(w) {
			n := runs[k+1]
			if n.start == r.end+1 && s[r.end] == ' ' && n.end-n.start == len(w) && allDigits(s[n.start:n.end]) {
				cut = append(cut, span{r.start, n.end})
				k++
				continue
			}
		}
		if secretShaped(w) {
			cut = append(cut, r)
		}
	}
	if len(cut) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, c := range cut {
		b.WriteString(s[last:c.start])
		b.WriteString(Redacted)
		last = c.end
	}
	b.WriteString(s[last:])
	return b.String()
}

func secretShaped(w string) bool {
	switch {
	case len(w) == TokenLen:
		return true // a link token (any 43-character run)
	case (len(w) == TOTPDigits || len(w) == EmailCodeDigits) && allDigits(w):
		return true
	case len(w) == 32 && allBase32(w):
		return true // a TOTP secret
	case grouped(w, 5, 2) || grouped(w, 4, 6):
		// A backup or recovery code as displayed (they always hold a
		// digit and a letter; "hello-world" has no digit).
		return mixed(w)
	case (len(w) == BackupCodeLen || len(w) == RecoveryCodeLen) && w == strings.ToUpper(w):
		_, err := CanonicalCode(w, len(w))
		return err == nil && mixed(w)
	}
	return false
}

// mixed reports whether w holds both a digit and a letter, as every
// generated backup and recovery code does.
func mixed(w string) bool {
	return strings.ContainsAny(w, "0123456789") && strings.IndexFunc(w, func(r rune) bool {
		return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
	}) >= 0
}

// grouped reports whether w is n groups of size alphanumerics joined by "-".
func grouped(w string, size, n int) bool {
	if len(w) != size*n+n-1 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (i+1)%(size+1) == 0 {
			if c != '-' {
				return false
			}
		} else if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func allDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

func allBase32(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
