package companion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// Errors of SignIn and of the stored sessions; the CLI and UI add what to
// do.
var (
	// ErrVerifyAddress: the portal waits for the e-mailed confirmation of
	// a sign-in from this network.
	ErrVerifyAddress = errors.New("the portal e-mailed a link to confirm a sign-in from this network")
	// ErrVerifyEmail: the account's e-mail address is unconfirmed (it has
	// never signed in); the portal e-mailed a link.
	ErrVerifyEmail = errors.New("the portal e-mailed a link to confirm the account's e-mail address")
	// ErrEnrolFirst: the account has no authenticator at the portal: it
	// can only enrol one, in the browser.
	ErrEnrolFirst = errors.New("the account has no authenticator at the portal yet")
	// ErrWrongPassword: the portal refused the address or the password.
	ErrWrongPassword = errors.New("the portal refused the e-mail address or the password")
	// ErrCodeNotAccepted: the portal refused the account's TOTP codes.
	ErrCodeNotAccepted = errors.New("the portal refused the account's codes")
	// ErrNotSignedIn: no live portal session is kept in the vault.
	ErrNotSignedIn = errors.New("not signed in to a portal")
	// ErrSeveralSessions: sessions to several portals are kept; the
	// caller must pick one.
	ErrSeveralSessions = errors.New("signed in to several portals")
	// ErrSessionEnded: the portal no longer accepts the kept session
	// (expired, signed out elsewhere, or the account was locked).
	ErrSessionEnded = errors.New("the portal session has ended")
)

// Session is a portal session kept in the vault for the admin commands:
// the account that signed in and until when. The token stays inside the
// package; String and LogValue show none.
type Session struct {
	AccountID string
	Label     string // the account, as vault.Account.Label names it
	Portal    string // canonical URL
	Email     string
	ExpiresAt time.Time
	token     string
}

// String names the session without its token.
func (s Session) String() string {
	return fmt.Sprintf("Session{portal: %s, account: %q, expires_at: %s, token: %s}",
		s.Portal, s.Label, s.ExpiresAt.UTC().Format(time.RFC3339), redactedShape(s.token))
}

// GoString is String, so %#v prints no token either.
func (s Session) GoString() string { return s.String() }

// LogValue keeps the token out of log/slog output.
func (s Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

func redactedShape(s string) string {
	if s == "" {
		return "none"
	}
	return "[REDACTED]"
}

// SignedIn is the outcome of SignIn.
type SignedIn struct {
	Session Session
	// Who is the portal's answer to "who am I"; zero when that failed
	// (the session is kept anyway).
	Who api.SessionInfo
	// WhoErr is why Who is zero.
	WhoErr error
}

// SignIn signs the account's portal user in with password and a TOTP code
// computed from the account, and keeps the session in the vault (one per
// portal: another account's session to the same portal is dropped). When
// the portal refuses the current code, the next period's is tried once:
// the current one may have been spent already (by an enrolment a moment
// ago), and the portal accepts one period of drift. The states the portal
// may ask for instead are errors: ErrVerifyAddress, ErrVerifyEmail,
// ErrEnrolFirst.
func (c *Companion) SignIn(ctx context.Context, id, password string) (SignedIn, error) {
	a, err := c.account(id)
	if err != nil {
		return SignedIn{}, err
	}
	p, err := binding(a)
	if err != nil {
		return SignedIn{}, err
	}
	if p.Email == "" {
		return SignedIn{}, fmt.Errorf("%q has %w", a.Label(), ErrNoEmail)
	}
	if a.Type != vault.TOTP {
		return SignedIn{}, fmt.Errorf("%q is a %s account; signing in to a portal takes a TOTP account", a.Label(), a.Type)
	}
	if password == "" {
		return SignedIn{}, fmt.Errorf("signing in as %q: the password is empty", a.Label())
	}
	cl, err := c.Client(p.URL)
	if err != nil {
		return SignedIn{}, err
	}
	ans, err := cl.SignIn(ctx, api.SignInRequest{Email: p.Email, Password: password})
	if err != nil {
		var apiErr *api.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			return SignedIn{}, fmt.Errorf("signing in to %s as %s: %w", p.URL, p.Email, ErrWrongPassword)
		}
		return SignedIn{}, signInFailed(a, p.URL, err)
	}
	if ans.State == api.StateSecondFactor {
		if ans, err = c.secondFactor(ctx, cl, a, ans); err != nil {
			return SignedIn{}, err
		}
	}
	switch ans.State {
	case api.StateSignedIn:
	case api.StateVerifyAddress:
		return SignedIn{}, fmt.Errorf("signing in to %s as %s: %w", p.URL, p.Email, ErrVerifyAddress)
	case api.StateVerifyEmail:
		return SignedIn{}, fmt.Errorf("signing in to %s as %s: %w", p.URL, p.Email, ErrVerifyEmail)
	default:
		return SignedIn{}, fmt.Errorf("signing in to %s as %s: the portal answered the unknown state %q", p.URL, p.Email, ans.State)
	}
	g := ans.Session
	if g == nil || g.Token == "" {
		return SignedIn{}, fmt.Errorf("signing in to %s as %s: the portal granted no session", p.URL, p.Email)
	}
	if g.Scope != api.ScopeFull {
		_ = cl.SignOut(ctx, g.Token) // it can only enrol, which is the browser's job
		return SignedIn{}, fmt.Errorf("signing in to %s as %s: %w", p.URL, p.Email, ErrEnrolFirst)
	}
	s := Session{AccountID: a.ID, Label: a.Label(), Portal: p.URL, Email: p.Email, ExpiresAt: g.ExpiresAt.UTC(), token: g.Token}
	replaced, err := c.keepSession(a, s)
	if err != nil {
		_ = cl.SignOut(ctx, g.Token)
		return SignedIn{}, fmt.Errorf("keeping the session of %q in the vault: %w", a.Label(), err)
	}
	for _, old := range replaced {
		_ = cl.SignOut(ctx, old) // superseded; it would lapse anyway
	}
	out := SignedIn{Session: s}
	out.Who, out.WhoErr = cl.Session(ctx, g.Token)
	return out, nil
}

// secondFactor answers a second_factor step with the account's TOTP code,
// then the next period's once if the portal refused it.
func (c *Companion) secondFactor(ctx context.Context, cl *lksync.Client, a vault.Account, ans api.SignInAnswer) (api.SignInAnswer, error) {
	if !slices.Contains(ans.Methods, api.MethodTOTP) {
		return ans, fmt.Errorf("signing in as %q: the portal does not take an authenticator code now (it offers %s)", a.Label(), strings.Join(ans.Methods, ", "))
	}
	now := c.now()
	for i, gen := range []func(vault.Account, time.Time) (string, error){codes.Generate, codes.Next} {
		code, err := gen(a, now)
		if err != nil {
			return ans, fmt.Errorf("computing the code of %q: %w", a.Label(), err)
		}
		next, err := cl.SecondFactor(ctx, api.SecondFactorRequest{Challenge: ans.Challenge, Method: api.MethodTOTP, Code: code})
		if err == nil {
			return next, nil
		}
		var apiErr *api.APIError
		if i == 0 && errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized && apiErr.Code == api.CodeUnauthenticated {
			continue
		}
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			return ans, fmt.Errorf("signing in as %q: %w: wait for the next code, and check this computer's clock", a.Label(), ErrCodeNotAccepted)
		}
		return ans, signInFailed(a, a.Portal.URL, err)
	}
	return ans, fmt.Errorf("signing in as %q: %w", a.Label(), ErrCodeNotAccepted)
}

func signInFailed(a vault.Account, portalURL string, err error) error {
	return fmt.Errorf("signing in to %s as %q: %w", portalURL, a.Label(), err)
}

// keepSession stores s on its account's binding and drops the sessions of
// other accounts to the same portal; it returns the tokens it replaced.
func (c *Companion) keepSession(a vault.Account, s Session) ([]string, error) {
	var replaced []string
	err := c.v.Update(func(d *vault.Document) error {
		cur, ok := d.Account(a.ID)
		if !ok {
			return fmt.Errorf("%q was deleted meanwhile", a.Label())
		}
		if cur.Portal == nil || !samePortal(cur.Portal.URL, s.Portal) {
			return fmt.Errorf("%q was linked elsewhere meanwhile", a.Label())
		}
		for i := range d.Accounts {
			o := &d.Accounts[i]
			if o.Portal != nil && samePortal(o.Portal.URL, s.Portal) && o.Portal.SessionToken != "" {
				replaced = append(replaced, o.Portal.SessionToken)
				o.Portal.SessionToken, o.Portal.SessionExpiresAt = "", time.Time{}
			}
		}
		cur.Portal.SessionToken, cur.Portal.SessionExpiresAt = s.token, s.ExpiresAt
		return nil
	})
	return replaced, err
}

// Sessions lists the live portal sessions kept in the vault (not past
// their expiry), in vault order.
func (c *Companion) Sessions() []Session {
	now := c.now()
	var out []Session
	for _, a := range c.v.Document().Accounts {
		p := a.Portal
		if p == nil || p.SessionToken == "" || !now.Before(p.SessionExpiresAt) {
			continue
		}
		out = append(out, Session{AccountID: a.ID, Label: a.Label(), Portal: p.URL, Email: p.Email, ExpiresAt: p.SessionExpiresAt, token: p.SessionToken})
	}
	return out
}

// SessionFor picks the live session to the portal at portalURL, or, with
// portalURL "", the only live session.
func (c *Companion) SessionFor(portalURL string) (Session, error) {
	all := c.Sessions()
	if portalURL != "" {
		canon, err := otpauth.ParsePortalURL(strings.TrimSpace(portalURL))
		if err != nil {
			return Session{}, err
		}
		portalURL = canon
		for _, s := range all {
			if samePortal(s.Portal, portalURL) {
				return s, nil
			}
		}
		return Session{}, fmt.Errorf("%w %s", ErrNotSignedIn, portalURL)
	}
	switch len(all) {
	case 0:
		return Session{}, ErrNotSignedIn
	case 1:
		return all[0], nil
	}
	urls := make([]string, len(all))
	for i, s := range all {
		urls[i] = s.Portal
	}
	return Session{}, fmt.Errorf("%w (%s)", ErrSeveralSessions, strings.Join(urls, ", "))
}

// SignOut ends the kept sessions to the portal at portalURL ("": all of
// them, expired ones too) at the portal, and drops them from the vault.
// The portal's refusals do not keep a session in the vault: a session the
// portal cannot end has ended. It returns the sessions dropped; the error
// is the vault's.
func (c *Companion) SignOut(ctx context.Context, portalURL string) ([]Session, error) {
	if portalURL != "" {
		canon, err := otpauth.ParsePortalURL(strings.TrimSpace(portalURL))
		if err != nil {
			return nil, err
		}
		portalURL = canon
	}
	var gone []Session
	for _, a := range c.v.Document().Accounts {
		p := a.Portal
		if p == nil || p.SessionToken == "" || (portalURL != "" && !samePortal(p.URL, portalURL)) {
			continue
		}
		gone = append(gone, Session{AccountID: a.ID, Label: a.Label(), Portal: p.URL, Email: p.Email, ExpiresAt: p.SessionExpiresAt, token: p.SessionToken})
	}
	if len(gone) == 0 {
		return nil, nil
	}
	for _, s := range gone {
		if !c.now().Before(s.ExpiresAt) {
			continue
		}
		if cl, err := c.Client(s.Portal); err == nil {
			_ = cl.SignOut(ctx, s.token)
		}
	}
	if err := c.forgetSessions(gone); err != nil {
		return nil, fmt.Errorf("dropping the portal sessions from the vault: %w", err)
	}
	return gone, nil
}

// forgetSessions drops the given sessions from the vault, where they are
// still the ones kept.
func (c *Companion) forgetSessions(ss []Session) error {
	return c.v.Update(func(d *vault.Document) error {
		for _, s := range ss {
			if a, ok := d.Account(s.AccountID); ok && a.Portal != nil && a.Portal.SessionToken == s.token {
				a.Portal.SessionToken, a.Portal.SessionExpiresAt = "", time.Time{}
			}
		}
		return nil
	})
}
