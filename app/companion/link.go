package companion

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// MaxLinkLength bounds a latchkey:// link, in bytes.
const MaxLinkLength = 4096

// ErrInvalidLink is wrapped by every error ParseLink returns.
var ErrInvalidLink = errors.New("invalid latchkey link")

// LinkRequest is what a latchkey://link asks: bind the account with Email
// (at Issuer, when given) to the portal at Portal.
type LinkRequest struct {
	Portal string // canonical, see otpauth.ParsePortalURL
	Email  string
	Issuer string // "" when the link names none
}

// IsLink reports whether s is meant as a latchkey:// link, well-formed or
// not, so a caller can route it to ParseLink.
func IsLink(s string) bool {
	const scheme = "latchkey:"
	s = strings.TrimSpace(s)
	return len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme)
}

// ParseLink reads latchkey://link?portal=URL&email=ADDRESS[&issuer=NAME],
// the link a portal's page offers to bind the desktop's account to it. It
// is strict: exactly those parameters, each once; the portal URL as
// otpauth.ParsePortalURL accepts it (https://, http:// on loopback only, no
// credentials); an e-mail address; no control characters anywhere; at most
// MaxLinkLength bytes. Errors wrap ErrInvalidLink and name the problem.
//
// Parsing changes nothing: the caller shows the request (see Propose) and
// binds only once the user confirmed.
func ParseLink(s string) (LinkRequest, error) {
	fail := func(format string, args ...any) (LinkRequest, error) {
		return LinkRequest{}, fmt.Errorf("%w: %s", ErrInvalidLink, fmt.Sprintf(format, args...))
	}
	if len(s) > MaxLinkLength {
		return fail("it is %d bytes long; the limit is %d", len(s), MaxLinkLength)
	}
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == ' ' {
			return fail("it contains a control character or space at byte %d", i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fail("it is not a URL")
	}
	switch {
	case !strings.EqualFold(u.Scheme, "latchkey"):
		return fail("it does not start with latchkey://")
	case u.Opaque != "" || u.User != nil || u.Port() != "" || !strings.EqualFold(u.Hostname(), "link"):
		return fail("only latchkey://link is understood")
	case u.Path != "" && u.Path != "/":
		return fail("latchkey://link takes no path")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fail("it has a fragment (#…)")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("its parameters are not valid percent-encoding")
	}
	for k, vs := range q {
		switch k {
		case "portal", "email", "issuer":
		default:
			return fail("parameter %s is not one latchkey://link takes (portal, email, issuer)", quote(k))
		}
		if len(vs) > 1 {
			return fail("parameter %s is given %d times", quote(k), len(vs))
		}
	}
	var req LinkRequest
	if _, ok := q["portal"]; !ok {
		return fail(`it has no "portal" parameter`)
	}
	if req.Portal, err = otpauth.ParsePortalURL(q.Get("portal")); err != nil {
		return fail("%v", err)
	}
	if req.Email, err = CheckEmail(q.Get("email")); err != nil {
		return fail("%v", err)
	}
	if req.Issuer, err = checkText("issuer", q.Get("issuer")); err != nil {
		return fail("%v", err)
	}
	return req, nil
}

// CheckEmail trims an account's e-mail address on its portal and checks it
// as the portal will.
func CheckEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New(`the e-mail address is missing`)
	}
	if !otpauth.IsEmailAddress(s) {
		return "", fmt.Errorf("e-mail address %s is not an address (name@domain, at most 254 bytes, no spaces)", quote(s))
	}
	return s, nil
}

// checkText trims a one-line display text and refuses what cannot be shown
// safely.
func checkText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > otpauth.MaxTextLength {
		return "", fmt.Errorf("the %s is longer than %d bytes", field, otpauth.MaxTextLength)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("the %s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "", fmt.Errorf("the %s has a control character", field)
		}
	}
	return s, nil
}

func quote(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

// Proposal is what a latchkey://link would do, for the user to confirm.
type Proposal struct {
	Request LinkRequest
	// Account is the account it would bind.
	Account vault.Account
	// Current is the account's binding now, nil when it has none.
	Current *vault.Portal
	// Replaces: the account is bound to another portal now, and that
	// binding (with any recovery request) would go.
	Replaces bool
	// Unchanged: the account is already bound so; confirming changes
	// nothing.
	Unchanged bool
}

// Propose finds the one account a link request names: its name (or its
// binding's e-mail) is the request's e-mail, case-insensitively, and its
// issuer the request's issuer when one is given.
func (c *Companion) Propose(req LinkRequest) (Proposal, error) {
	var found []vault.Account
	for _, a := range c.v.Document().Accounts {
		email := strings.EqualFold(a.Name, req.Email) || a.Portal != nil && strings.EqualFold(a.Portal.Email, req.Email)
		if email && (req.Issuer == "" || strings.EqualFold(strings.TrimSpace(a.Issuer), req.Issuer)) {
			found = append(found, a)
		}
	}
	who := quote(req.Email)
	if req.Issuer != "" {
		who += " at " + quote(req.Issuer)
	}
	switch len(found) {
	case 0:
		return Proposal{}, fmt.Errorf("no account for %s: add it first, e.g. by scanning the portal's QR code: %w", who, ErrNoAccount)
	case 1:
	default:
		labels := make([]string, len(found))
		for i, a := range found {
			labels[i] = strconv.Quote(a.Label())
		}
		slices.Sort(labels)
		return Proposal{}, fmt.Errorf("%d accounts match %s (%s); link one by hand with its full name", len(found), who, strings.Join(labels, ", "))
	}
	a := found[0]
	p := Proposal{Request: req, Account: a}
	if a.Portal != nil && a.Portal.URL != "" {
		cur := a.Portal.Clone()
		p.Current = &cur
		p.Replaces = !samePortal(cur.URL, req.Portal)
		p.Unchanged = !p.Replaces && strings.EqualFold(cur.Email, req.Email)
	}
	return p, nil
}

// Accept carries out a confirmed proposal.
func (c *Companion) Accept(p Proposal) (vault.Account, error) {
	return c.Link(p.Account.ID, p.Request.Portal, p.Request.Email, vault.LinkedByLink)
}

// Link binds the account with id to the portal at portalURL as email; by
// is one of the vault.LinkedBy constants. The URL and address are checked
// first (nothing changes on bad input). Linking again to the same portal
// only updates the address and keeps the binding's state; linking to
// another portal replaces the binding, dropping its recovery request, which
// callers confirm with the user first (Proposal.Replaces).
func (c *Companion) Link(id, portalURL, email, by string) (vault.Account, error) {
	canon, err := otpauth.ParsePortalURL(strings.TrimSpace(portalURL))
	if err != nil {
		return vault.Account{}, err
	}
	if email, err = CheckEmail(email); err != nil {
		return vault.Account{}, err
	}
	var saved vault.Account
	err = c.v.Update(func(d *vault.Document) error {
		a, ok := d.Account(id)
		if !ok {
			return fmt.Errorf("account %s: %w", id, ErrNoAccount)
		}
		if a.Portal != nil && samePortal(a.Portal.URL, canon) {
			a.Portal.URL, a.Portal.Email = canon, email
		} else {
			a.Portal = &vault.Portal{URL: canon, Email: email, LinkedAt: c.now().UTC(), LinkedBy: by}
		}
		saved = a.Clone()
		return nil
	})
	if err != nil {
		return vault.Account{}, fmt.Errorf("linking %s: %w", id, err)
	}
	return saved, nil
}

// Unlink removes the account's portal binding and returns the account as
// it was, so the caller can say what went (a queued request, say).
func (c *Companion) Unlink(id string) (vault.Account, error) {
	var before vault.Account
	err := c.v.Update(func(d *vault.Document) error {
		a, ok := d.Account(id)
		if !ok {
			return fmt.Errorf("account %s: %w", id, ErrNoAccount)
		}
		before = a.Clone()
		if _, err := binding(*a); err != nil {
			return err
		}
		a.Portal = nil
		return nil
	})
	if err != nil {
		return vault.Account{}, err
	}
	return before, nil
}

// updateLinked changes a's portal binding, provided the account is still
// in the vault and linked to portalURL, and returns the account as saved.
func (c *Companion) updateLinked(a vault.Account, portalURL string, change func(*vault.Portal)) (vault.Account, error) {
	return app.UpdateAccount(c.v, a, func(cur vault.Account) (vault.Account, error) {
		if cur.Portal == nil || !samePortal(cur.Portal.URL, portalURL) {
			return cur, fmt.Errorf("%q was linked elsewhere meanwhile", a.Label())
		}
		change(cur.Portal)
		return cur, nil
	})
}

// samePortal compares two canonical portal URLs.
func samePortal(a, b string) bool { return strings.EqualFold(a, b) }
