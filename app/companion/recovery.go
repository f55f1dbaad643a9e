package companion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// The states shown for a request beyond the stored ones (see State): they
// are derived from the portal's last answer and the clock, never stored.
const (
	// StateExpired: the request lapsed undecided (the portal said so, or
	// its expiry passed).
	StateExpired vault.RecoveryState = "expired"
	// StateForwarded: sent on to platform support, which decides.
	StateForwarded vault.RecoveryState = "forwarded"
	// StateApproved: an admin approved; the link is on its way.
	StateApproved vault.RecoveryState = "approved"
	// StateLinkDelivered: the portal handed the one-time link to this
	// vault: complete the recovery with it.
	StateLinkDelivered vault.RecoveryState = "link_delivered"
	// StateLinkEmailed: a link was issued but did not reach this vault;
	// the e-mailed copy is the way on.
	StateLinkEmailed vault.RecoveryState = "link_emailed"
	// StateLinkExpired: the delivered link's time ran out unused.
	StateLinkExpired vault.RecoveryState = "link_expired"
	// StateDenied: an admin refused the request.
	StateDenied vault.RecoveryState = "denied"
	// StateCompleted: the link was used (the portal says so).
	StateCompleted vault.RecoveryState = "completed"
	// StateEnrolmentLapsed: the link was redeemed, but its enrol-only
	// session ended before a new authenticator was confirmed.
	StateEnrolmentLapsed vault.RecoveryState = "enrolment_lapsed"
)

// ErrOutstanding: the account already has a request that is still pending.
var ErrOutstanding = errors.New("a recovery request is already pending")

// maxLastError bounds the failure kept with a queued request.
const maxLastError = 300

// RequestOptions shape one recovery request.
type RequestOptions struct {
	// Message is free text for the admin (optional).
	Message string
	// Replace makes a new request even when one is pending; the old one's
	// phrase and token are dropped.
	Replace bool
	// Password is the account's portal password (optional, never
	// stored). With it the approved link comes to this app; without it,
	// or for a request queued offline and sent later, the link goes to the
	// account's mailbox only. A wrong one is ErrWrongPassword and nothing
	// is stored.
	Password string
}

// Outcome is the result of RequestRecovery.
type Outcome struct {
	Account vault.Account
	// Request is the request as stored: sent (with the phrase to read
	// out) or queued.
	Request vault.RecoveryRequest
	// Queued is why the request was queued: the portal could not be
	// reached. nil when it was sent.
	Queued error
}

// RequestRecovery asks the account's portal for a recovery link. When the
// portal cannot be reached the request is queued in the vault instead (see
// the package comment) and Outcome.Queued says why; a refusal by the portal
// (a 4xx) is returned as an error and nothing is stored. A request still
// pending is refused with ErrOutstanding unless opts.Replace.
func (c *Companion) RequestRecovery(ctx context.Context, id string, opts RequestOptions) (Outcome, error) {
	msg, err := CheckMessage(opts.Message)
	if err != nil {
		return Outcome{}, err
	}
	a, err := c.account(id)
	if err != nil {
		return Outcome{}, err
	}
	p, err := binding(a)
	if err != nil {
		return Outcome{}, err
	}
	if p.Email == "" {
		return Outcome{}, fmt.Errorf("%q has %w", a.Label(), ErrNoEmail)
	}
	if r := p.Recovery; r != nil && !opts.Replace {
		if state := State(*r, c.now()); InProgress(state) {
			return Outcome{}, fmt.Errorf("%q: %w (%s since %s)", a.Label(), ErrOutstanding, state, r.RequestedAt.Local().Format("2006-01-02 15:04"))
		}
	}
	now := c.now().UTC()
	// The token is chosen here and kept with the queued request, so every
	// resend (after a timeout the portal may have acted on) names the same
	// request and the admins see it once.
	req := vault.RecoveryRequest{State: vault.RecoveryQueued, Message: msg, RequestedAt: now, PollToken: api.NewPollToken()}
	ticket, sendErr := c.send(ctx, *p, msg, req.PollToken, opts.Password)
	out := Outcome{Account: a}
	switch {
	case sendErr == nil:
		markSent(&req, ticket, now)
	case Offline(sendErr):
		c.markFailedAttempt(&req, sendErr, now)
		out.Queued = sendErr
	case isStatus(sendErr, 401):
		return Outcome{}, fmt.Errorf("sending the recovery request of %q to %s: %w", a.Label(), p.URL, ErrWrongPassword)
	default:
		return Outcome{}, fmt.Errorf("sending the recovery request of %q: %w", a.Label(), sendErr)
	}
	saved, err := c.updateLinked(a, p.URL, func(cur *vault.Portal) { cur.Recovery = &req })
	out.Request = req
	if err != nil {
		// A sent request's phrase is in out.Request, so the caller can still
		// show it although the vault does not hold it.
		return out, fmt.Errorf("keeping the recovery request of %q in the vault: %w", a.Label(), err)
	}
	out.Account = saved
	return out, nil
}

// send performs one request to the portal of p with the client-chosen
// poll token and, when given, the account's password.
func (c *Companion) send(ctx context.Context, p vault.Portal, msg, pollToken, password string) (api.RecoveryTicket, error) {
	cl, err := c.Client(p.URL)
	if err != nil {
		return api.RecoveryTicket{}, err
	}
	return cl.RequestRecovery(ctx, api.RecoveryRequestCreate{Email: p.Email, Message: msg, PollToken: pollToken, Password: password})
}

// isStatus reports whether err is the portal's answer with that status.
func isStatus(err error, status int) bool {
	var apiErr *api.APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

func markSent(r *vault.RecoveryRequest, t api.RecoveryTicket, now time.Time) {
	r.State = vault.RecoverySent
	r.Phrase, r.PollToken, r.ExpiresAt = t.Phrase, t.PollToken, t.ExpiresAt.UTC()
	r.LinkTo = t.LinkTo
	r.SentAt = now
	r.NextAttemptAt, r.LastError = time.Time{}, ""
}

// markFailedAttempt records an attempt that met an unreachable portal and
// schedules the next.
func (c *Companion) markFailedAttempt(r *vault.RecoveryRequest, err error, now time.Time) {
	r.Attempts++
	r.LastAttemptAt = now
	r.NextAttemptAt = now.Add(c.backoff(r.Attempts))
	r.LastError = oneLine(err)
}

// backoff is the wait after the n-th failed attempt: RetryBase·2^(n-1),
// at most RetryMax. No jitter: one desktop is no thundering herd.
func (c *Companion) backoff(n int) time.Duration {
	d := c.opts.RetryBase
	for i := 1; i < n && d < c.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.opts.RetryMax)
}

// oneLine is err as stored with a request: one bounded line.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > maxLastError {
		s = strings.ToValidUTF8(s[:maxLastError], "") + "…"
	}
	return s
}

// Offline reports whether err means the portal could not be reached or
// could not take a request now, so sending it later may work: no route or
// name, a refused or reset connection, a timeout, 429, or a 5xx. A TLS
// certificate that is not trusted, a 4xx, or an answer that is not the
// portal's are not: waiting does not mend them. A cancelled context is not
// either: the user gave up.
func Offline(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *api.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == 429 || apiErr.Status >= 500
	}
	if _, refused := certificateKind(err); refused {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// CheckMessage trims a message for the admin and checks it as the portal
// will: at most sync.MaxRecoveryMessageRunes characters, no control
// characters but newline and tab, no bidirectional controls.
func CheckMessage(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", errors.New("the message is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > api.MaxRecoveryMessageRunes {
		return "", fmt.Errorf("the message is %d characters long; the limit is %d", n, api.MaxRecoveryMessageRunes)
	}
	for i, r := range []rune(s) {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Bidi_Control, r) {
			return "", fmt.Errorf("the message has a control character at character %d", i+1)
		}
	}
	return s, nil
}

// State is r's state as shown: for a sent request, what the portal last
// said of it (see the State* constants), the delivered link's state, or
// StateExpired past its expiry; for one being completed, enrolling or
// StateEnrolmentLapsed; else its stored state.
func State(r vault.RecoveryRequest, now time.Time) vault.RecoveryState {
	switch r.State {
	case vault.RecoverySent:
		if r.Link != "" {
			if !r.LinkExpiresAt.IsZero() && !now.Before(r.LinkExpiresAt) {
				return StateLinkExpired
			}
			return StateLinkDelivered
		}
		switch r.PortalStatus {
		case api.RecoveryApproved:
			return StateApproved
		case api.RecoveryLinkIssued:
			return StateLinkEmailed
		case api.RecoveryDenied:
			return StateDenied
		case api.RecoveryCompleted:
			return StateCompleted
		case api.RecoveryExpired:
			return StateExpired
		}
		if !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt) {
			return StateExpired
		}
		if r.PortalStatus == api.RecoveryForwarded {
			return StateForwarded
		}
	case vault.RecoveryEnrolling:
		if r.EnrolSession == "" || !now.Before(r.EnrolSessionExpiresAt) {
			return StateEnrolmentLapsed
		}
	}
	return r.State
}

// InProgress reports whether a request in state (as State shows it) is still
// under way, so that asking again needs RequestOptions.Replace.
func InProgress(state vault.RecoveryState) bool {
	switch state {
	case vault.RecoveryQueued, vault.RecoverySent, vault.RecoveryEnrolling,
		StateForwarded, StateApproved, StateLinkDelivered, StateLinkEmailed:
		return true
	}
	return false
}

// Pending is one account's recovery request, as Outstanding lists it.
type Pending struct {
	Account vault.Account
	Request vault.RecoveryRequest
	State   vault.RecoveryState // see State
}

// Outstanding lists the accounts that have a recovery request, in vault
// order. The polling step walks its sent ones.
func (c *Companion) Outstanding() []Pending {
	now := c.now()
	var out []Pending
	for _, a := range c.v.Document().Accounts {
		if a.Portal == nil || a.Portal.Recovery == nil {
			continue
		}
		r := *a.Portal.Recovery
		out = append(out, Pending{Account: a, Request: r, State: State(r, now)})
	}
	return out
}

// FlushOptions select what Flush sends.
type FlushOptions struct {
	// Force sends queued requests whose next attempt is not due yet (the
	// user asked to send now).
	Force bool
	// AccountID, when set, limits Flush to that account.
	AccountID string
}

// Flushed is what became of one queued request.
type Flushed struct {
	Account vault.Account
	// Request is the request as now stored: sent, still queued (with its
	// next attempt), or failed.
	Request vault.RecoveryRequest
	// Err is the attempt's error; nil when the request was sent.
	Err error
}

// Flush sends the queued requests that are due (all of them with Force),
// one after another, saving each outcome as it comes, so an interrupted
// flush loses nothing. A portal still unreachable reschedules its request;
// one refusing it (4xx) marks it failed. The error is a vault failure or
// ctx ending; the requests' own failures are in the results.
func (c *Companion) Flush(ctx context.Context, opts FlushOptions) ([]Flushed, error) {
	var out []Flushed
	for _, p := range c.Outstanding() {
		r := p.Request
		if r.State != vault.RecoveryQueued || (opts.AccountID != "" && p.Account.ID != opts.AccountID) {
			continue
		}
		now := c.now().UTC()
		if !opts.Force && now.Before(r.NextAttemptAt) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res, err := c.flushOne(ctx, p.Account, r, now)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (c *Companion) flushOne(ctx context.Context, a vault.Account, r vault.RecoveryRequest, now time.Time) (Flushed, error) {
	next := r
	if next.PollToken == "" { // queued by a release that let the portal choose
		next.PollToken = api.NewPollToken()
	}
	// A queued request was written without the password (it is never
	// kept), so its link goes by e-mail.
	ticket, sendErr := c.send(ctx, *a.Portal, r.Message, next.PollToken, "")
	switch {
	case sendErr == nil:
		markSent(&next, ticket, now)
	case errors.Is(sendErr, context.Canceled):
		return Flushed{}, sendErr // the user gave up: the request stays as it was
	case Offline(sendErr):
		c.markFailedAttempt(&next, sendErr, now)
	default:
		next.State = vault.RecoveryFailed
		next.Attempts++
		next.LastAttemptAt, next.NextAttemptAt = now, time.Time{}
		next.LastError = oneLine(sendErr)
	}
	res := Flushed{Account: a, Err: sendErr}
	err := c.v.Update(func(d *vault.Document) error {
		cur, ok := d.Account(a.ID)
		if !ok || cur.Portal == nil || cur.Portal.Recovery == nil || !samePortal(cur.Portal.URL, a.Portal.URL) ||
			cur.Portal.Recovery.State != vault.RecoveryQueued || !cur.Portal.Recovery.RequestedAt.Equal(r.RequestedAt) {
			return fmt.Errorf("the recovery request of %q changed meanwhile", a.Label())
		}
		cur.Portal.Recovery = &next
		res.Account = cur.Clone()
		return nil
	})
	res.Request = next
	if err != nil {
		return res, fmt.Errorf("keeping the recovery request of %q in the vault: %w", a.Label(), err)
	}
	return res, nil
}

// NextAttempt is the earliest time a queued request falls due; false when
// none is queued.
func (c *Companion) NextAttempt() (time.Time, bool) {
	var next time.Time
	found := false
	for _, p := range c.Outstanding() {
		if p.Request.State != vault.RecoveryQueued {
			continue
		}
		if !found || p.Request.NextAttemptAt.Before(next) {
			next, found = p.Request.NextAttemptAt, true
		}
	}
	return next, found
}

// RunQueue sends queued requests as they fall due until ctx ends, which is
// what it returns. The desktop app runs it on a goroutine of its own and
// signals wake when a send is worth trying at once (the user asked, the
// network came back): a woken flush sends everything queued.
func (c *Companion) RunQueue(ctx context.Context, wake <-chan struct{}) error {
	force := false
	for {
		// A failed save is retried at the next round; the request is
		// still queued in the vault.
		_, _ = c.Flush(ctx, FlushOptions{Force: force})
		wait := c.opts.RetryMax
		if next, ok := c.NextAttempt(); ok {
			wait = min(max(next.Sub(c.now()), time.Second), c.opts.RetryMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
			force = true
		case <-t.C:
			force = false
		}
	}
}
