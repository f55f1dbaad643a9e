package portal

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
)

// checkEmail trims the "email" member of a request and checks it as every
// endpoint that takes one does (sign-in, recovery requests, new users):
// present, at most MaxRecoveryEmailBytes, and plausibly an address. It
// returns the trimmed address, or why it is refused in words that name the
// member, never its value ("" when it is not).
func checkEmail(s string) (email, problem string) {
	email = strings.TrimSpace(s)
	switch {
	case email == "":
		return "", `member "email" is required`
	case len(email) > api.MaxRecoveryEmailBytes:
		return "", fmt.Sprintf(`member "email" is longer than %d bytes`, api.MaxRecoveryEmailBytes)
	case !plausibleEmail(email):
		return "", `member "email" is not an e-mail address`
	}
	return email, ""
}

// plausibleEmail: valid UTF-8 without control, space or bidirectional
// characters, one '@' between a non-empty local part and domain. Whether
// the address exists is the mail's business.
func plausibleEmail(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.IsSpace(c) || isBidiControl(c) {
			return false
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}
