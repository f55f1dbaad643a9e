package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// Polled is what one poll of a recovery request found.
type Polled struct {
	Account vault.Account
	// Request is the request as now stored.
	Request vault.RecoveryRequest
	// State is the request's state as shown (see State).
	State vault.RecoveryState
	// Checked: the portal answered this time.
	Checked bool
	// NewLink: this answer carried the one-time link, now kept in the
	// vault. The portal hands it out once.
	NewLink bool
	// Err is why the portal could not be asked; nil when it answered or
	// when there was nothing to ask (queued, decided, link already here).
	Err error
}

// Pollable reports whether asking the portal about r can tell anything
// new: it was sent, no link is here yet, and the portal has not closed it.
// A request whose expiry passed by this computer's clock is asked about
// once more: only the portal's answer is final (an admin may have approved
// it in its last minute, or the clocks disagree).
func Pollable(r vault.RecoveryRequest) bool {
	if r.State != vault.RecoverySent || r.PollToken == "" || r.Link != "" {
		return false
	}
	switch r.PortalStatus {
	case api.RecoveryDenied, api.RecoveryCompleted, api.RecoveryExpired:
		return false
	}
	return true
}

// Followed reports whether a view that follows r while it is open (the
// desktop's recovery dialog) keeps a schedule: a queued request is to be
// sent (Flush), a pollable one asked about (Poll). Any other is settled
// until the user acts.
func Followed(r vault.RecoveryRequest) bool {
	return r.State == vault.RecoveryQueued || Pollable(r)
}

// The pace of a view following a request: it asks every PollFirst at first,
// each answer without news waiting half again as long, up to PollMax; a
// portal that cannot be asked doubles the wait, up to PollMaxOffline. News,
// or the user asking, starts over at PollFirst. (The queue of a closed
// view keeps its own, slower schedule: Options.RetryBase and RetryMax.)
const (
	PollFirst      = 10 * time.Second
	PollMax        = time.Minute
	PollMaxOffline = 2 * time.Minute
)

// PollPace is the wait before a view's next poll. The zero value waits
// PollFirst.
type PollPace struct{ wait time.Duration }

// Wait is the wait before the next poll.
func (p *PollPace) Wait() time.Duration {
	if p.wait <= 0 {
		return PollFirst
	}
	return p.wait
}

// Reset starts over at PollFirst: there was news, or the user asked.
func (p *PollPace) Reset() { p.wait = PollFirst }

// Quiet slows down after an answer without news.
func (p *PollPace) Quiet() { p.wait = min(p.Wait()*3/2, PollMax) }

// Failed slows down faster after the portal could not be asked.
func (p *PollPace) Failed() { p.wait = min(p.Wait()*2, PollMaxOffline) }

// FirstPoll is the wait before the first poll of a view that opens on r:
// a request asked about a moment ago (by another window, or before a
// restart) waits out the rest of PollFirst; any other is asked at once.
func FirstPoll(r vault.RecoveryRequest, now time.Time) time.Duration {
	if r.CheckedAt.IsZero() {
		return 0
	}
	return max(PollFirst-now.Sub(r.CheckedAt), 0)
}

// Poll asks the portal where the account's recovery request stands
// (GET /v1/recovery-requests/status with its poll token) and records the
// answer. The first answer after an admin approved carries the one-time
// link: it is saved in the vault before anything else, with its expiry,
// so it survives a closed terminal. A portal that cannot be reached is
// reported in Polled.Err and changes nothing; the error is an account
// problem or a failed save.
func (c *Companion) Poll(ctx context.Context, id string) (Polled, error) {
	a, err := c.account(id)
	if err != nil {
		return Polled{}, err
	}
	p, err := binding(a)
	if err != nil {
		return Polled{}, err
	}
	if p.Recovery == nil {
		return Polled{}, fmt.Errorf("%q has no recovery request", a.Label())
	}
	return c.poll(ctx, a, *p.Recovery)
}

// PollAll polls every request that can tell something new and lists every
// stored request, in vault order, polled or not. It stops at a vault
// failure or when ctx ends; a portal that cannot be reached is reported on
// its requests only.
func (c *Companion) PollAll(ctx context.Context) ([]Polled, error) {
	var out []Polled
	for _, p := range c.Outstanding() {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res, err := c.poll(ctx, p.Account, p.Request)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (c *Companion) poll(ctx context.Context, a vault.Account, r vault.RecoveryRequest) (Polled, error) {
	res := Polled{Account: a, Request: r, State: State(r, c.now())}
	if !Pollable(r) {
		return res, nil
	}
	cl, err := c.Client(a.Portal.URL)
	if err != nil {
		res.Err = err
		return res, nil
	}
	st, err := cl.PollRecovery(ctx, r.PollToken)
	var apiErr *api.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		// The portal forgets a request some time after it lapsed.
		st = api.RecoveryStatus{Status: api.RecoveryExpired}
	case err != nil:
		res.Err = fmt.Errorf("asking %s about the recovery request of %q: %w", a.Portal.URL, a.Label(), err)
		return res, nil
	}
	next := r
	next.PortalStatus = st.Status
	next.CheckedAt = c.now().UTC()
	if !st.ExpiresAt.IsZero() {
		next.ExpiresAt = st.ExpiresAt.UTC()
	}
	if st.Link != nil {
		next.Link, next.LinkExpiresAt = st.Link.Token, st.Link.ExpiresAt.UTC()
	}
	saved, err := c.updateRecovery(a, r, func(cur *vault.RecoveryRequest) { *cur = next })
	if err != nil {
		if st.Link != nil {
			return res, fmt.Errorf("the recovery link for %q arrived but the vault could not keep it (%w): use the link in the e-mail the portal sent", a.Label(), err)
		}
		return res, fmt.Errorf("recording the recovery status of %q: %w", a.Label(), err)
	}
	return Polled{Account: saved, Request: next, State: State(next, c.now()), Checked: true, NewLink: st.Link != nil}, nil
}

// updateRecovery edits the account's stored request, provided it is still
// the one read (same portal, same request), and returns the account as
// saved.
func (c *Companion) updateRecovery(a vault.Account, was vault.RecoveryRequest, edit func(*vault.RecoveryRequest)) (vault.Account, error) {
	return app.UpdateAccount(c.v, a, func(cur vault.Account) (vault.Account, error) {
		if cur.Portal == nil || !samePortal(cur.Portal.URL, a.Portal.URL) || cur.Portal.Recovery == nil ||
			!cur.Portal.Recovery.RequestedAt.Equal(was.RequestedAt) {
			return cur, fmt.Errorf("the recovery request of %q changed meanwhile", a.Label())
		}
		edit(cur.Portal.Recovery)
		return cur, nil
	})
}
