package otpauth

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// MaxPortalURLLength bounds a portal address, in bytes. Real base URLs are
// a few dozen bytes; the bound keeps a hostile link from filling the vault.
const MaxPortalURLLength = 2048

// ParsePortalURL checks a team portal's base URL, from an otpauth link's
// portal parameter, a latchkey://link or the user, and returns its
// canonical form: scheme and host in lower case, the default port and a
// trailing slash dropped. It accepts what the portal client (sync.New)
// accepts, and less: https://, or http:// for a loopback host only; no
// credentials, query or fragment; an ASCII host name (IDN as punycode, so
// look-alike letters cannot pose as a known portal); no control characters
// or spaces; at most MaxPortalURLLength bytes. The error names the input.
func ParsePortalURL(s string) (string, error) {
	canon, problem := portalURL(s)
	if problem != "" {
		return "", fmt.Errorf("portal URL %s %s", quote(withoutCredentials(s)), problem)
	}
	return canon, nil
}

// withoutCredentials is s with any user:password@ replaced, since an error
// quoting s must not show a password.
func withoutCredentials(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	scheme, rest, _ := strings.Cut(u.String(), "://")
	return scheme + "://[credentials]@" + rest
}

// portalURL returns the canonical form of s, or what is wrong with it (a
// phrase that does not repeat s).
func portalURL(s string) (canon, problem string) {
	if len(s) > MaxPortalURLLength {
		return "", fmt.Sprintf("is %d bytes long; the limit is %d", len(s), MaxPortalURLLength)
	}
	if s == "" {
		return "", "is empty"
	}
	for i, r := range s {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) || (r >= 0x80 && r < 0xa0) {
			return "", fmt.Sprintf("has a control character or space at byte %d", i)
		}
	}
	if !utf8.ValidString(s) {
		return "", "is not valid UTF-8"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", "is not a URL"
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return "", "is not an absolute URL: it must start with https://"
	case scheme != "https" && scheme != "http":
		return "", fmt.Sprintf("has scheme %s; a portal is reached over https:// only", quote(u.Scheme))
	case u.Opaque != "" || u.Host == "":
		return "", "has no host"
	case u.User != nil:
		return "", "contains credentials (user@ or user:password@), which a portal link never has"
	case u.RawQuery != "" || u.ForceQuery:
		return "", "has a query (?…); a portal's base URL has none"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "", "has a fragment (#…); a portal's base URL has none"
	}
	host := strings.ToLower(u.Hostname())
	if problem := checkHost(host); problem != "" {
		return "", problem
	}
	if scheme == "http" && !api.IsLoopbackHost(host) {
		return "", fmt.Sprintf("uses plain http:// for %s; only a portal on this computer (localhost) may, others need https://", host)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Sprintf("has port %s, which is not 1 to 65535", quote(port))
		}
		if scheme == "https" && n == 443 || scheme == "http" && n == 80 {
			port = ""
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return scheme + "://" + host + path, ""
}

// checkHost accepts DNS names of letters, digits, hyphens and dots, and IP
// literals.
func checkHost(host string) string {
	if host == "" {
		return "has no host"
	}
	if strings.Contains(host, ":") { // IPv6 literal, already unbracketed
		if strings.Contains(host, "%") {
			return "has an IPv6 zone, which is not a portal's address"
		}
		return ""
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			if r >= utf8.RuneSelf {
				return "has a host name with non-ASCII letters; give its punycode (xn--) form"
			}
			return fmt.Sprintf("has a host name with %q, which no host name has", r)
		}
	}
	return ""
}

// IsEmailAddress reports whether s looks like an e-mail address as the
// portal accepts one: one "@" between a non-empty local part and domain,
// no spaces or control characters, at most sync.MaxRecoveryEmailBytes.
func IsEmailAddress(s string) bool {
	if s == "" || len(s) > api.MaxRecoveryEmailBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}

// paramPortal reads the portal parameter a portal's enrolment link carries
// into a's portal binding; the account's e-mail there is its name, when
// the name is an address.
func paramPortal(a *vault.Account, q map[string]string) error {
	v, ok := q["portal"]
	if !ok {
		return nil
	}
	canon, problem := portalURL(v)
	if problem != "" {
		return uriErr("parameter \"portal\" %s", problem)
	}
	a.Portal = &vault.Portal{URL: canon, LinkedBy: vault.LinkedByEnrolment}
	if IsEmailAddress(a.Name) {
		a.Portal.Email = a.Name
	}
	return nil
}
