package otpauth

import (
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Format writes a's canonical otpauth URI (see the package comment). a must
// be normalised; Format does not validate it. An account bound to a portal
// carries the portal's URL, so an export keeps the binding.
func Format(a vault.Account) string {
	var b strings.Builder
	b.WriteString("otpauth://")
	if a.Type == vault.HOTP {
		b.WriteString("hotp/")
	} else {
		b.WriteString("totp/")
	}
	b.WriteString(escape(Label(a.Issuer, a.Name), true))
	b.WriteString("?secret=")
	b.WriteString(a.Secret)
	for _, p := range params(a) {
		b.WriteByte('&')
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(escape(p[1], false))
	}
	return b.String()
}

// params lists the parameters after the secret, in canonical order.
func params(a vault.Account) [][2]string {
	var ps [][2]string
	add := func(k, v string) { ps = append(ps, [2]string{k, v}) }
	if a.Issuer != "" {
		add("issuer", a.Issuer)
	}
	if a.Algorithm != vault.SHA1 && a.Algorithm != "" {
		add("algorithm", string(a.Algorithm))
	}
	if a.Digits != DefaultDigits {
		add("digits", strconv.Itoa(a.Digits))
	}
	if a.Type != vault.HOTP && a.Period != DefaultPeriod {
		add("period", strconv.Itoa(a.Period))
	}
	if a.Type == vault.HOTP {
		add("counter", strconv.FormatUint(a.Counter, 10))
	}
	if a.Type == vault.Steam {
		add("encoder", "steam")
	}
	if a.Portal != nil && a.Portal.URL != "" {
		add("portal", a.Portal.URL)
	}
	return ps
}

// Label is the display and URI label of an account: "Issuer:Name", "Name"
// without an issuer, or ":Name" when such a name contains a colon, so that
// the part before it is not read back as an issuer. Parse and
// DecodeMigration split labels the same way.
func Label(issuer, name string) string {
	switch {
	case issuer != "":
		return issuer + ":" + name
	case strings.Contains(name, ":"):
		return ":" + name
	}
	return name
}

// escape percent-encodes everything but RFC 3986 unreserved characters and
// "@" (and ":" in a label). Spaces become %20 and "+" becomes %2B, so the
// output reads the same whichever way a reader treats "+".
func escape(s string, label bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) || (label && c == ':') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func keep(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~@", c) >= 0
}
