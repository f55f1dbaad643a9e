package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/ratelimit"
	"github.com/latchkey/latchkey/portal/store"
)

// Password attempts are limited so that guessing is slow without letting a
// stranger lock the real user out (OWASP Authentication Cheat Sheet,
// "account lockout": an attacker must not be able to deny service by
// failing on purpose; its "device cookies" pattern keeps a separate budget
// for clients the account already trusts).
//
// So an account has two budgets. Attempts from an address the account has
// signed in from before spend the account's own budget (SignInPerAccount
// per SignInWindow), which nobody elsewhere can touch. Attempts from any
// other address (and every attempt for an address that matches no account,
// which therefore looks the same) spend a shared "stranger" budget with
// growing delays (strangerTiers): a few quick tries, then waits that grow to
// a day. A flood from a botnet slows strangers only; the user at their usual
// desk signs in as ever. Every address also has its own budget
// (Options.SignInPerAddress), which bounds what one host can do to all
// accounts.

// tier is one fixed window of a growing-delay limit.
type tier struct {
	limit  int64
	window time.Duration
}

// strangerTiers is the growing-delay budget of password attempts for an
// account from addresses it has never signed in from: 10 per 15 minutes,
// 25 per hour, 60 per day. An attempt refused by one tier does not count
// against the longer ones, so a steady guesser is held at the shortest
// wait its pace allows.
var strangerTiers = []tier{
	{limit: SignInPerAccount, window: SignInWindow},
	{limit: 25, window: time.Hour},
	{limit: 60, window: 24 * time.Hour},
}

// Rate-limit scopes of password attempts.
const (
	limitPasswordKnown    = "signin-account-known"
	limitPasswordStranger = "signin-account-stranger"
)

// passwordAttempt is a password about to be checked for an e-mail
// address: the account it names (zero when none) and whether the attempt
// comes from an address that account signed in from before.
type passwordAttempt struct {
	user  store.User
	found bool
	known bool
}

// admitPassword counts one password attempt for email from r and reports
// whether it may be checked; it looks the account up on the way (every
// caller needs it). The per-address budget is spent first, so one host
// cannot use many accounts' budgets at once.
func (h *Handler) admitPassword(ctx context.Context, r *http.Request, email string) (passwordAttempt, *flowError) {
	addr, subject := sourceAddress(r)
	if fe := h.limit(ctx, limitSignInAddress, subject, h.opts.SignInPerAddress, "too many sign-in attempts from your network; try again later"); fe != nil {
		return passwordAttempt{}, fe
	}
	var a passwordAttempt
	u, err := h.opts.Store.GetUserByEmail(ctx, email)
	switch {
	case err == nil:
		a.user, a.found = u, true
		if a.known, err = h.opts.Store.IsKnownAddress(ctx, u.ID, addr); err != nil {
			return passwordAttempt{}, h.internal(ctx, "sign-in: known address", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return passwordAttempt{}, h.internal(ctx, "sign-in: user look-up", err)
	}
	const msg = "too many sign-in attempts for this account from new networks; try again later, or from a computer you signed in from before"
	if a.known {
		fe := h.limit(ctx, limitPasswordKnown, strconv.FormatInt(a.user.ID, 10), SignInPerAccount,
			"too many sign-in attempts for this account; try again later")
		return a, fe
	}
	// Keyed by the normalised address, not the account: an address that
	// matches no account is limited exactly like one that does.
	return a, h.limitTiers(ctx, limitPasswordStranger, store.NormalizeEmail(email), strangerTiers, msg)
}

// limitTiers counts one hit of (scope, subject) against each tier in turn,
// stopping at the first that refuses: its Retry-After is the answer.
func (h *Handler) limitTiers(ctx context.Context, scope, subject string, tiers []tier, msg string) *flowError {
	for _, t := range tiers {
		win := ratelimit.Window{Counter: h.opts.Store, Limit: t.limit, Window: t.window}
		ok, retry, err := win.Allow(ctx, ratelimit.Key(scope+"/"+t.window.String(), subject))
		if err != nil {
			return h.unavailable(ctx, "rate limit unavailable ("+scope+")", err)
		}
		if !ok {
			return &flowError{status: http.StatusTooManyRequests, code: api.CodeRateLimited, message: msg, retryAfter: retry}
		}
	}
	return nil
}

// checkPassword verifies password for the attempt's account with the same
// work whether or not there is one (or it has a password): one Argon2id
// run. It reports whether the password is the account's.
func (h *Handler) checkPassword(ctx context.Context, a passwordAttempt, password string) bool {
	if !a.found || a.user.PasswordHash == "" {
		// No such account, or one without a password (SSO only): the
		// same work as a real verification, and the same answer.
		_ = h.opts.Passwords.VerifyDummy(ctx, password)
		return false
	}
	ok, err := h.opts.Passwords.Verify(ctx, password, a.user.PasswordHash)
	if errors.Is(err, auth.ErrHashFormat) || errors.Is(err, auth.ErrHashParams) {
		h.logError(ctx, "stored password hash of user "+strconv.FormatInt(a.user.ID, 10), err)
	}
	return ok
}
