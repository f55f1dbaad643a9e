package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// Errors of CompleteRecovery; the CLI and UI add what to do.
var (
	// ErrNoLink: there is no recovery link to redeem yet.
	ErrNoLink = errors.New("no recovery link has reached this vault yet")
	// ErrLinkUnusable: the portal refused the link: used, replaced,
	// expired or unknown.
	ErrLinkUnusable = errors.New("the recovery link no longer works")
	// ErrLinkElsewhere: a pasted link names another portal than the
	// account's.
	ErrLinkElsewhere = errors.New("the recovery link is for another portal")
	// ErrEnrolmentLapsed: the enrol-only session the link granted ended
	// before the new authenticator was confirmed.
	ErrEnrolmentLapsed = errors.New("the enrolment session of the recovery has ended")
	// ErrCodeRefused: the portal refused the code computed from the new
	// secret, which means this computer's clock is off.
	ErrCodeRefused = errors.New("the portal refused the code of the new authenticator")
)

// CompleteOptions shape CompleteRecovery.
type CompleteOptions struct {
	// Link is a recovery link pasted from the e-mail (the whole link or
	// its token); "" uses the one the portal delivered to this vault.
	Link string
	// Password is the account's portal password, which redeeming a link
	// needs (a link replaces the second factor only). Not needed to resume
	// after the link was redeemed; never stored.
	Password string
}

// ErrPasswordNeeded: redeeming a link needs the account's portal password.
var ErrPasswordNeeded = errors.New("the recovery link needs the account's portal password")

// Completed is the outcome of CompleteRecovery.
type Completed struct {
	// Account is the account as now stored, with the new secret.
	Account vault.Account
	// BackupCodes is the number of new backup codes stored; RecoveryCode
	// whether a new recovery code was.
	BackupCodes  int
	RecoveryCode bool
	// CodesLost: the portal confirmed the new authenticator, but the
	// answer holding the new codes was lost on the way (a time-out, a
	// vault that could not save), so no new codes are stored.
	CodesLost bool
	// CodesErr is why the new codes could not be stored with the account
	// although they arrived; nil normally.
	CodesErr error
	// SavedErr is why the portal could not be told the codes are kept; the
	// recovery is complete either way. nil normally.
	SavedErr error
}

// CompleteRecovery finishes a recovery with the one-time link: it redeems
// the link (the portal disables the lost authenticator and grants an
// enrol-only session), begins a new authenticator, confirms it with a code
// computed from its secret, and then, in one vault save, replaces the
// account's secret (keeping its id, name, group, note and portal binding),
// stores the new backup codes and recovery code (the old ones stay,
// retired and marked from the previous setup) and clears the request.
// Last it tells the portal the codes are kept.
//
// The order keeps the vault working whatever fails: the session and the
// new secret are saved, pending in the request, before the portal is asked
// to confirm the secret, and the account's secret is replaced only once it
// has. Calling it again resumes where it stopped: with the saved session
// while it lasts, and a confirmation whose answer was lost is recognised
// (the portal then says the enrolment is confirmed), at the cost of its
// codes. Every error names the account.
func (c *Companion) CompleteRecovery(ctx context.Context, id string, opts CompleteOptions) (Completed, error) {
	a, err := c.account(id)
	if err != nil {
		return Completed{}, err
	}
	p, err := binding(a)
	if err != nil {
		return Completed{}, err
	}
	cl, err := c.Client(p.URL)
	if err != nil {
		return Completed{}, fmt.Errorf("recovering %q: %w", a.Label(), err)
	}
	var r vault.RecoveryRequest
	if p.Recovery != nil {
		r = *p.Recovery
	}
	now := c.now()
	switch pasted := strings.TrimSpace(opts.Link); {
	case pasted != "":
		token, err := linkFor(a, pasted)
		if err != nil {
			return Completed{}, err
		}
		if r, err = c.redeem(ctx, cl, a, r, token, opts.Password, false); err != nil {
			return Completed{}, err
		}
	case r.State == vault.RecoveryEnrolling && r.EnrolSession != "" && now.Before(r.EnrolSessionExpiresAt):
		// An earlier run stopped after redeeming: resume with its session.
	default:
		if Pollable(r) {
			res, err := c.poll(ctx, a, r)
			if err != nil {
				return Completed{}, err
			}
			if res.Err != nil {
				return Completed{}, res.Err
			}
			a, r = res.Account, res.Request
		}
		if r.Link == "" {
			return Completed{}, c.noLink(a, r)
		}
		if r, err = c.redeem(ctx, cl, a, r, r.Link, opts.Password, true); err != nil {
			return Completed{}, err
		}
	}
	return c.enrol(ctx, cl, a, r)
}

// NeedsPassword reports whether CompleteRecovery of a (with a pasted link
// or not) will redeem a link, and so needs CompleteOptions.Password: false
// only when an earlier run redeemed it and its enrol session still lasts.
func (c *Companion) NeedsPassword(a vault.Account, pasted bool) bool {
	switch {
	case a.Portal == nil:
		return false // not linked: CompleteRecovery says so first
	case pasted || a.Portal.Recovery == nil:
		return true
	}
	r := a.Portal.Recovery
	return r.State != vault.RecoveryEnrolling || r.EnrolSession == "" || !c.now().Before(r.EnrolSessionExpiresAt)
}

// noLink explains why there is nothing to redeem.
func (c *Companion) noLink(a vault.Account, r vault.RecoveryRequest) error {
	if r.State == "" {
		return fmt.Errorf("%q: %w: there is no recovery request", a.Label(), ErrNoLink)
	}
	state := State(r, c.now())
	if state == StateEnrolmentLapsed {
		return fmt.Errorf("%q: %w", a.Label(), ErrEnrolmentLapsed)
	}
	return fmt.Errorf("%q: %w (the request is %s)", a.Label(), ErrNoLink, state)
}

// linkFor reads a pasted link for a's portal: a link naming another host
// is refused, so a token is never sent to a portal it was not made for.
func linkFor(a vault.Account, pasted string) (string, error) {
	token, err := lksync.LinkToken(pasted)
	if err != nil {
		return "", fmt.Errorf("%q: %w", a.Label(), err)
	}
	if strings.Contains(pasted, "://") {
		u, err := url.Parse(strings.TrimSpace(pasted))
		if err != nil {
			return "", fmt.Errorf("%q: the recovery link is not a URL", a.Label())
		}
		bound, err := url.Parse(a.Portal.URL)
		if err != nil {
			return "", fmt.Errorf("%q: its portal URL: %w", a.Label(), err)
		}
		if lksync.Origin(u) != lksync.Origin(bound) {
			return "", fmt.Errorf("%q: %w: it is from %s, the account is linked to %s", a.Label(), ErrLinkElsewhere, lksync.Origin(u), lksync.Origin(bound))
		}
	}
	return token, nil
}

// redeem spends the link and saves the enrol session it grants as the
// request's state. stored says the link is the one kept in the vault,
// which a refusal then drops.
func (c *Companion) redeem(ctx context.Context, cl *lksync.Client, a vault.Account, r vault.RecoveryRequest, token, password string, stored bool) (vault.RecoveryRequest, error) {
	if password == "" {
		return r, fmt.Errorf("%q: %w", a.Label(), ErrPasswordNeeded)
	}
	g, err := cl.RedeemLink(ctx, token, password)
	if err != nil {
		var apiErr *api.APIError
		if errors.As(err, &apiErr) {
			switch apiErr.Status {
			case http.StatusUnauthorized:
				// Nothing was spent: the link stays, for the right password.
				return r, fmt.Errorf("%q at %s: %w", a.Label(), a.Portal.URL, ErrWrongPassword)
			case http.StatusBadRequest, http.StatusNotFound, http.StatusGone:
				if stored {
					next := r
					next.Link, next.LinkExpiresAt = "", time.Time{}
					if _, serr := c.setRecovery(a, &next); serr != nil {
						return r, fmt.Errorf("%q: %w (%s), and dropping it from the vault failed: %v", a.Label(), ErrLinkUnusable, apiErr.Message, serr)
					}
				}
				return r, fmt.Errorf("%q: %w (%s)", a.Label(), ErrLinkUnusable, apiErr.Message)
			case http.StatusForbidden:
				return r, fmt.Errorf("%q: the portal refused the recovery link: %s", a.Label(), apiErr.Message)
			}
		}
		return r, fmt.Errorf("redeeming the recovery link of %q: %w", a.Label(), err)
	}
	next := r
	if next.State == "" {
		next.RequestedAt = c.now().UTC() // a pasted link needs no request
	}
	next.State = vault.RecoveryEnrolling
	next.Link, next.LinkExpiresAt = "", time.Time{}
	next.EnrolSession, next.EnrolSessionExpiresAt = g.SessionToken, g.ExpiresAt.UTC()
	next.EnrolFactorID, next.EnrolURI, next.EnrolExpiresAt = 0, "", time.Time{}
	if _, err := c.setRecovery(a, &next); err != nil {
		// The link is spent and its session not kept: only a new link
		// helps. The account's secret is untouched.
		return r, fmt.Errorf("the recovery link of %q was used, but the vault could not keep its session (%w); ask for a new link", a.Label(), err)
	}
	return next, nil
}

// maxEnrolAttempts bounds the new enrolments one call begins when the
// portal says a pending one lapsed or was replaced.
const maxEnrolAttempts = 2

// enrol begins (or resumes) the new authenticator, confirms it and applies
// it. r is the request in state enrolling, as saved.
func (c *Companion) enrol(ctx context.Context, cl *lksync.Client, a vault.Account, r vault.RecoveryRequest) (Completed, error) {
	for begun := 0; ; {
		if r.EnrolURI == "" || !c.now().Before(r.EnrolExpiresAt) {
			if begun == maxEnrolAttempts {
				return Completed{}, fmt.Errorf("the portal replaced the new authenticator of %q twice while it was being confirmed; run the recovery again", a.Label())
			}
			begun++
			e, err := cl.BeginEnrolment(ctx, r.EnrolSession)
			if err != nil {
				return Completed{}, c.enrolFailed(a, r, "setting up the new authenticator", err)
			}
			if _, err := pendingAccount(a, e.OTPAuthURI, e.Secret); err != nil {
				return Completed{}, err
			}
			next := r
			next.EnrolFactorID, next.EnrolURI, next.EnrolExpiresAt = e.FactorID, e.OTPAuthURI, e.ExpiresAt.UTC()
			// Kept before the portal confirms it, so the secret of a
			// confirmed authenticator is always in the vault.
			if _, err := c.setRecovery(a, &next); err != nil {
				return Completed{}, fmt.Errorf("keeping the new authenticator of %q in the vault: %w; nothing was confirmed, run the recovery again", a.Label(), err)
			}
			r = next
		}
		fresh, err := pendingAccount(a, r.EnrolURI, "")
		if err != nil {
			return Completed{}, err
		}
		code, err := codes.Generate(fresh, c.now())
		if err != nil {
			return Completed{}, fmt.Errorf("computing the code of the new authenticator of %q: %w", a.Label(), err)
		}
		got, err := cl.ConfirmEnrolment(ctx, r.EnrolSession, api.EnrolmentConfirm{FactorID: r.EnrolFactorID, Code: code})
		if err == nil {
			return c.apply(ctx, cl, a, r, fresh, &got, "")
		}
		var apiErr *api.APIError
		if !errors.As(err, &apiErr) {
			return Completed{}, fmt.Errorf("confirming the new authenticator of %q: %w", a.Label(), err)
		}
		switch apiErr.Status {
		case http.StatusConflict:
			// Confirmed already (an earlier answer was lost) or replaced.
			// Only a confirmation in this session lets "saved" through.
			saved, serr := cl.EnrolmentSaved(ctx, r.EnrolSession)
			if serr == nil {
				return c.apply(ctx, cl, a, r, fresh, nil, grantToken(saved))
			}
			var savedErr *api.APIError
			if !errors.As(serr, &savedErr) || savedErr.Status != http.StatusConflict {
				return Completed{}, c.enrolFailed(a, r, "checking the new authenticator", serr)
			}
			r.EnrolURI = ""
		case http.StatusNotFound, http.StatusGone:
			r.EnrolURI = "" // lapsed: begin again
		case http.StatusBadRequest:
			return Completed{}, fmt.Errorf("%q: %w (%s): check this computer's clock", a.Label(), ErrCodeRefused, apiErr.Message)
		default:
			return Completed{}, c.enrolFailed(a, r, "confirming the new authenticator", err)
		}
	}
}

// enrolFailed reports a failed enrolment step; a session the portal no
// longer accepts is dropped from the vault, since only a new link helps.
func (c *Companion) enrolFailed(a vault.Account, r vault.RecoveryRequest, step string, err error) error {
	var apiErr *api.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		next := r
		next.EnrolSession, next.EnrolSessionExpiresAt = "", time.Time{}
		next.EnrolFactorID, next.EnrolURI, next.EnrolExpiresAt = 0, "", time.Time{}
		if _, serr := c.setRecovery(a, &next); serr != nil {
			return fmt.Errorf("%q: %w, and the vault could not record it: %v", a.Label(), ErrEnrolmentLapsed, serr)
		}
		return fmt.Errorf("%q: %w", a.Label(), ErrEnrolmentLapsed)
	}
	return fmt.Errorf("%s of %q: %w", step, a.Label(), err)
}

func grantToken(a api.SignInAnswer) string {
	if a.Session == nil {
		return ""
	}
	return a.Session.Token
}

// pendingAccount reads the new authenticator the portal proposed for a;
// secret, when given, must be the URI's.
func pendingAccount(a vault.Account, uri, secret string) (vault.Account, error) {
	fresh, err := otpauth.Parse(uri)
	if err != nil {
		return vault.Account{}, fmt.Errorf("reading the portal's new authenticator for %q: %w", a.Label(), err)
	}
	if fresh.Type != vault.TOTP {
		return vault.Account{}, fmt.Errorf("the portal's new authenticator for %q is %s, not TOTP", a.Label(), fresh.Type)
	}
	if secret != "" {
		canon, err := otpauth.CanonicalSecret(secret)
		if err != nil || canon != fresh.Secret {
			return vault.Account{}, fmt.Errorf("the portal's new authenticator for %q: its secret and its otpauth URI disagree", a.Label())
		}
	}
	return fresh, nil
}

// apply stores the confirmed authenticator: the account's secret replaced,
// the new codes stored (got nil: their answer was lost), the request
// cleared, all in one save. Then the portal is told the codes are kept
// (unless savedSession says it was already, in which case that session is
// ended), and the full session it grants is ended: recovering needs none.
func (c *Companion) apply(ctx context.Context, cl *lksync.Client, a vault.Account, r vault.RecoveryRequest, fresh vault.Account, got *api.EnrolmentCodes, savedSession string) (Completed, error) {
	now := c.now().UTC()
	out := Completed{CodesLost: got == nil}
	err := c.v.Update(func(d *vault.Document) error {
		old, ok := d.Account(a.ID)
		if !ok {
			// Deleted meanwhile: the new secret is the only one the
			// portal accepts now, so the account comes back with it.
			snapshot := a.Clone()
			old = &snapshot
		}
		if old.Portal == nil || !samePortal(old.Portal.URL, a.Portal.URL) {
			old.Portal = a.Portal
		}
		next := replaceSecret(*old, fresh)
		if got != nil {
			if withCodes, err := storeCodes(next, *got, now); err != nil {
				out.CodesErr = err
			} else {
				next = withCodes
				out.BackupCodes, out.RecoveryCode = len(got.BackupCodes), got.RecoveryCode != ""
			}
		}
		next.Portal.Recovery = nil
		next.Updated = now
		if cur, ok := d.Account(a.ID); ok {
			*cur = next
		} else {
			d.Accounts = append(d.Accounts, next)
		}
		out.Account = next.Clone()
		return nil
	})
	if err != nil {
		return Completed{}, fmt.Errorf("the portal confirmed the new authenticator of %q, but the vault could not save it (%w); its secret is kept pending in the vault: run the recovery again to finish", a.Label(), err)
	}
	if savedSession == "" {
		saved, err := cl.EnrolmentSaved(ctx, r.EnrolSession)
		out.SavedErr = err
		savedSession = grantToken(saved)
	}
	if savedSession != "" {
		// Nothing here needs the full session: leave none behind.
		_ = cl.SignOut(ctx, savedSession)
	}
	return out, nil
}

// replaceSecret is old with fresh's authenticator, as app.Plan's replace
// does it (group, note, favourite, icon and binding kept; the old backup
// codes and recovery code carried over, marked from the previous setup),
// keeping old's id, issuer and name too.
func replaceSecret(old, fresh vault.Account) vault.Account {
	fresh.ID, fresh.Issuer, fresh.Name = old.ID, old.Issuer, old.Name
	fresh.Portal = nil
	d := &vault.Document{Accounts: []vault.Account{old.Clone()}}
	plan := app.Plan{Items: []app.Item{{Action: app.ActionReplace, Account: fresh, Existing: &old}}}
	plan.Apply(d)
	return d.Accounts[0]
}

// storeCodes makes the portal's new codes the account's current set. The
// old recovery code, which the model holds one of, joins the retired codes
// (marked from the previous setup), so it stays readable too.
func storeCodes(a vault.Account, got api.EnrolmentCodes, now time.Time) (vault.Account, error) {
	if a.RecoveryCode != "" && got.RecoveryCode != "" {
		a.BackupCodes = append(a.BackupCodes, vault.BackupCode{Code: a.RecoveryCode, FromPreviousSetup: true})
		a.RecoveryCode, a.RecoveryFromPreviousSetup = "", false
	}
	return backupcodes.Replace(a, backupcodes.Found{Codes: got.BackupCodes, Recovery: got.RecoveryCode}, now)
}

// setRecovery stores r (nil: none) as the account's request and returns
// the account as saved.
func (c *Companion) setRecovery(a vault.Account, r *vault.RecoveryRequest) (vault.Account, error) {
	return c.updateLinked(a, a.Portal.URL, func(cur *vault.Portal) {
		if r == nil {
			cur.Recovery = nil
		} else {
			rr := *r
			cur.Recovery = &rr
		}
	})
}
