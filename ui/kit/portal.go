package kit

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
)

// PortalBudget bounds one user action's portal calls, retries included:
// a dialog never spins for longer than this.
const PortalBudget = companion.PortalBudget

// PortalHost is the portal's host for titles.
func PortalHost(portalURL string) string {
	if u, err := url.Parse(portalURL); err == nil && u.Host != "" {
		return u.Host
	}
	return portalURL
}

// ErrorSentence is err as one sentence for a dialog: what went wrong in
// words a user acts on (companion.Classify tells what it was). The portal's
// own messages are sanitised by the client and never hold a secret;
// neither do the client's errors, which name URLs without tokens.
func ErrorSentence(err error) string {
	if err == nil {
		return ""
	}
	f := companion.Classify(err)
	switch f.Kind {
	case companion.Cancelled:
		return "Cancelled."
	case companion.PinChanged:
		return "The portal's certificate changed since you trusted it: ask your admin before linking the account again."
	case companion.CertName:
		return "The portal's certificate is not valid for its address: ask your admin."
	case companion.CertExpired:
		return "The portal's certificate has expired or is not valid yet: ask your admin."
	case companion.CertUntrusted:
		return "The portal's certificate is not trusted on this computer: use \"Link to portal…\" to check and trust it."
	case companion.Refused:
		return refusalSentence(f.API)
	case companion.TimedOut:
		return "The portal did not answer in time: check the network and try again."
	case companion.Unreachable:
		return "The portal could not be reached: check the network and try again."
	}
	return SentenceOf(err.Error())
}

// refusalSentence words the portal's answer by its status.
func refusalSentence(e *api.APIError) string {
	switch e.Status {
	case 401:
		return "The portal did not accept the sign-in" + portalReason(e)
	case 403:
		return "The portal refused" + portalReason(e)
	case 404:
		return "The portal does not know this request any more" + portalReason(e)
	case 410:
		return "The link was already used, replaced or has expired: ask for a new one."
	case 429:
		return "The portal is busy with too many requests: try again in a few minutes."
	}
	if e.Status >= 500 {
		return "The portal has a problem of its own (" + fmt.Sprint(e.Status) + "): try again later."
	}
	return "The portal refused" + portalReason(e)
}

// portalReason is ": the portal's message." or ".".
func portalReason(e *api.APIError) string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		return "."
	}
	return ": " + strings.TrimRight(msg, ".") + "."
}

// SentenceOf makes one sentence of an error text: its first line, with a
// capital and a full stop.
func SentenceOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if s == "" {
		return "Something went wrong."
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	s = string(r)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
