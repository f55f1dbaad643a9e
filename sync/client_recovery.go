package sync

import (
	"context"
	"errors"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxLinkTokenBytes bounds a link or session token from a portal (the
// portal's are 43 characters).
const maxLinkTokenBytes = 512

// PollRecovery asks the portal about the recovery request whose poll token
// (RecoveryTicket.PollToken) is pollToken. The first answer after an admin
// approved carries the link (RecoveryStatus.Link), which the portal hands
// out once only: keep it before anything else, and redeem it with
// RedeemLink. An unknown or expired-and-forgotten token is an *APIError
// with Status 404.
//
// The poll is not retried after a failure the portal may have acted on: a
// retry cannot bring back a link the lost answer carried. The caller's
// next poll is the retry (the link is also e-mailed to the user).
func (c *Client) PollRecovery(ctx context.Context, pollToken string) (api.RecoveryStatus, error) {
	if err := checkRecoveryToken("poll token", pollToken); err != nil {
		return api.RecoveryStatus{}, err
	}
	var out api.RecoveryStatus
	if _, err := c.do(ctx, call{method: http.MethodGet, path: api.PathRecoveryStatus, token: pollToken}, &out); err != nil {
		return api.RecoveryStatus{}, err
	}
	if err := checkStatus(out); err != nil {
		return api.RecoveryStatus{}, fmt.Errorf("%s: %w", c.endpoint(api.PathRecoveryStatus), err)
	}
	return out, nil
}

func checkStatus(s api.RecoveryStatus) error {
	if !slices.Contains(api.RecoveryStates, s.Status) {
		return fmt.Errorf("recovery status: unknown state %q", sanitize(s.Status, 40))
	}
	if s.Link != nil {
		if err := checkRecoveryToken("delivered link", s.Link.Token); err != nil {
			return fmt.Errorf("recovery status: %w", err)
		}
	}
	return nil
}

// ListRecoveryRequests returns the recovery queue the signed-in admin
// (sessionToken, a full session) may see, newest first; status ("": all)
// is one of RecoveryStates.
func (c *Client) ListRecoveryRequests(ctx context.Context, sessionToken, status string) ([]api.RecoveryQueueItem, error) {
	if err := checkRecoveryToken("session token", sessionToken); err != nil {
		return nil, err
	}
	path := api.PathAdminRecoveryRequests
	if status != "" {
		if !slices.Contains(api.RecoveryStates, status) {
			return nil, fmt.Errorf("recovery queue: status must be one of %s", strings.Join(api.RecoveryStates, ", "))
		}
		path += "?" + url.Values{"status": {status}}.Encode()
	}
	var out api.RecoveryQueue
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path, token: sessionToken, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out.Requests, nil
}

// Approve approves recovery request id with the phrase the admin read back
// with the user. The portal e-mails the link to the user and hands it to
// the requesting app; the answer says so but never holds the link. A wrong
// phrase is an *APIError with Status 422 and changes nothing.
func (c *Client) Approve(ctx context.Context, sessionToken string, id int64, phrase string) (api.RecoveryDecision, error) {
	if strings.TrimSpace(phrase) == "" {
		return api.RecoveryDecision{}, errors.New("approve: the phrase is empty; read it back with the user")
	}
	return c.decide(ctx, sessionToken, api.PathApproveRecovery(id), id, api.RecoveryApprove{Phrase: phrase})
}

// Deny denies recovery request id; reason ("" for none) is e-mailed to the
// user when the request matched an account.
func (c *Client) Deny(ctx context.Context, sessionToken string, id int64, reason string) (api.RecoveryDecision, error) {
	return c.decide(ctx, sessionToken, api.PathDenyRecovery(id), id, api.RecoveryDeny{Reason: reason})
}

// Forward sends pending request id to the platform's support queue.
func (c *Client) Forward(ctx context.Context, sessionToken string, id int64) (api.RecoveryDecision, error) {
	return c.decide(ctx, sessionToken, api.PathForwardRecovery(id), id, struct{}{})
}

// decide posts one decision. Decisions are not retried after a failure the
// portal may have acted on: the caller reloads the queue and sees.
func (c *Client) decide(ctx context.Context, sessionToken, path string, id int64, in any) (api.RecoveryDecision, error) {
	if err := checkRecoveryToken("session token", sessionToken); err != nil {
		return api.RecoveryDecision{}, err
	}
	if id <= 0 {
		return api.RecoveryDecision{}, fmt.Errorf("recovery request id must be positive, not %d", id)
	}
	var out api.RecoveryDecision
	if _, err := c.do(ctx, call{method: http.MethodPost, path: path, token: sessionToken, in: in}, &out); err != nil {
		return api.RecoveryDecision{}, err
	}
	return out, nil
}

// IssueLink has the portal e-mail a one-time recovery link to user userID
// (no request needed). The answer says until when it works; the link
// itself only ever reaches the user's mailbox.
func (c *Client) IssueLink(ctx context.Context, sessionToken string, userID int64) (api.IssuedLink, error) {
	if err := checkRecoveryToken("session token", sessionToken); err != nil {
		return api.IssuedLink{}, err
	}
	if userID <= 0 {
		return api.IssuedLink{}, fmt.Errorf("user id must be positive, not %d", userID)
	}
	var out api.DirectLinkIssued
	if _, err := c.do(ctx, call{method: http.MethodPost, path: api.PathUserRecoveryLink(userID), token: sessionToken, in: struct{}{}}, &out); err != nil {
		return api.IssuedLink{}, err
	}
	return out.Link, nil
}

// RedeemLink uses a recovery link with the account's password: link is
// its token (DeliveredLink.Token) or the whole link from the e-mail. The
// link is spent, the user's old authenticator disabled, and the answer is a
// session that can only enrol a new one. A wrong password is an *APIError
// with Status 401 (the link stays unused); a used, replaced, withdrawn or
// expired link one with Status 410.
func (c *Client) RedeemLink(ctx context.Context, link, password string) (api.RecoveryLinkRedeemed, error) {
	token, err := LinkToken(link)
	if err != nil {
		return api.RecoveryLinkRedeemed{}, err
	}
	var out api.RecoveryLinkRedeemed
	if _, err := c.do(ctx, call{method: http.MethodPost, path: api.PathRecoveryLinkRedeem, in: api.RecoveryLinkRedeem{Token: token, Password: password}}, &out); err != nil {
		return api.RecoveryLinkRedeemed{}, err
	}
	if err := checkRecoveryToken("session token", out.SessionToken); err != nil {
		return api.RecoveryLinkRedeemed{}, fmt.Errorf("%s: %w", c.endpoint(api.PathRecoveryLinkRedeem), err)
	}
	if out.Scope != "enrol" {
		return api.RecoveryLinkRedeemed{}, fmt.Errorf("%s: the session's scope is %q, not enrol", c.endpoint(api.PathRecoveryLinkRedeem), sanitize(out.Scope, 40))
	}
	return out, nil
}

// LinkToken takes a recovery link's token out of what a user pasted: the
// token itself, or the e-mailed link (…/recover/link?token=…). Spaces
// around it (from a mail client's line wrapping) are dropped.
func LinkToken(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "?") || strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", errors.New("recovery link: not a link the portal sent")
		}
		s = u.Query().Get("token")
		if s == "" {
			return "", errors.New("recovery link: the link has no token; copy the whole link from the e-mail")
		}
	}
	if err := checkRecoveryToken("recovery link token", s); err != nil {
		return "", err
	}
	return s, nil
}

// checkRecoveryToken refuses a token that cannot travel in a header or a JSON
// string as is: empty, too long, or not printable ASCII. Messages never
// quote it.
func checkRecoveryToken(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case len(s) > maxLinkTokenBytes:
		return fmt.Errorf("%s is longer than %d bytes", what, maxLinkTokenBytes)
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f {
			return fmt.Errorf("%s is not printable ASCII (byte %d)", what, i+1)
		}
	}
	return nil
}
