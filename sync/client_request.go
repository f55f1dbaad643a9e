package sync

import (
	"context"
	"errors"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
	"unicode"
)

// Bounds on what a RecoveryTicket from a portal may hold: the phrase is
// shown on a terminal and in the app, the token stored in the vault.
const (
	maxPhraseBytes    = 200
	maxPollTokenBytes = 512
)

// RequestRecovery asks the portal's admins for a recovery link for the
// account with in.Email (POST /v1/recovery-requests, no sign-in needed).
// The portal answers alike whether or not the address has an account, so
// a ticket is no proof that it does.
//
// The request is not idempotent: each one the portal takes is a request in
// the admins' queue. It is therefore retried only when the connection never
// opened or the portal answered 429; after a timeout or a 5xx the portal may
// have taken it, and the caller decides whether to send it again.
func (c *Client) RequestRecovery(ctx context.Context, in api.RecoveryRequestCreate) (api.RecoveryTicket, error) {
	var out api.RecoveryRequestCreated
	// With a client-chosen poll token a resend files nothing new, so the
	// POST may be retried like a GET.
	if _, err := c.do(ctx, call{method: http.MethodPost, path: api.PathRecoveryRequests, in: in, idempotent: in.PollToken != ""}, &out); err != nil {
		return api.RecoveryTicket{}, err
	}
	if err := checkTicket(out.Request); err != nil {
		return api.RecoveryTicket{}, fmt.Errorf("%s: %w", c.endpoint(api.PathRecoveryRequests), err)
	}
	return out.Request, nil
}

// checkTicket refuses a ticket the app could not use or should not display:
// missing members, or a phrase or token with control characters (a
// terminal escape in a phrase would be run by the user's terminal).
func checkTicket(t api.RecoveryTicket) error {
	switch {
	case t.Phrase == "":
		return errors.New("recovery ticket: no phrase")
	case t.PollToken == "":
		return errors.New("recovery ticket: no poll token")
	case t.ExpiresAt.IsZero():
		return errors.New("recovery ticket: no expiry")
	case len(t.Phrase) > maxPhraseBytes:
		return fmt.Errorf("recovery ticket: phrase longer than %d bytes", maxPhraseBytes)
	case len(t.PollToken) > maxPollTokenBytes:
		return fmt.Errorf("recovery ticket: poll token longer than %d bytes", maxPollTokenBytes)
	}
	for _, r := range t.Phrase {
		if !unicode.IsPrint(r) {
			return errors.New("recovery ticket: the phrase has a character that cannot be shown")
		}
	}
	for i := 0; i < len(t.PollToken); i++ {
		if b := t.PollToken[i]; b <= ' ' || b >= 0x7f {
			return errors.New("recovery ticket: the poll token is not printable ASCII")
		}
	}
	return nil
}
