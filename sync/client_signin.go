package sync

import (
	"context"
	"errors"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
)

// errNoSession is returned for a call that needs a session token but got
// none, before anything is sent.
var errNoSession = errors.New("portal client: no session token; sign in first")

// None of the sign-in calls is retried after the portal may have acted on
// it (see call): a replayed second factor would be refused as a replay, and
// a replayed enrolment would start another one.

// SignIn sends the password step. The answer says what comes next; a wrong
// address or password is an *APIError with Status 401.
func (c *Client) SignIn(ctx context.Context, req api.SignInRequest) (api.SignInAnswer, error) {
	var out api.SignInAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathSignIn, in: req}, &out)
	return out, err
}

// SecondFactor sends a second factor for the challenge of a
// StateSecondFactor answer.
func (c *Client) SecondFactor(ctx context.Context, req api.SecondFactorRequest) (api.SignInAnswer, error) {
	var out api.SignInAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathSignInSecondFactor, in: req}, &out)
	return out, err
}

// RequestEmailCode asks the portal to e-mail a one-time sign-in code, when
// the answer's Methods include MethodEmailCode.
func (c *Client) RequestEmailCode(ctx context.Context, challenge string) (api.EmailCodeSent, error) {
	var out api.EmailCodeSent
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathSignInEmailCode, in: api.ChallengeRequest{Challenge: challenge}}, &out)
	return out, err
}

// CompleteSignIn finishes a sign-in in StateVerifyEmail or
// StateVerifyAddress once the user confirmed the e-mailed link. Until then
// the answer repeats the waiting state, so a client may poll it.
func (c *Client) CompleteSignIn(ctx context.Context, challenge string) (api.SignInAnswer, error) {
	var out api.SignInAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathSignInComplete, in: api.ChallengeRequest{Challenge: challenge}}, &out)
	return out, err
}

// VerifyEmailToken consumes the token of an e-mailed verification link.
func (c *Client) VerifyEmailToken(ctx context.Context, token string) (api.EmailVerified, error) {
	var out api.EmailVerified
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathEmailVerifications, in: api.EmailVerificationRequest{Token: token}}, &out)
	return out, err
}

// BeginEnrolment starts enrolling a new authenticator with a full or
// enrol-only session.
func (c *Client) BeginEnrolment(ctx context.Context, session string) (api.Enrolment, error) {
	if session == "" {
		return api.Enrolment{}, errNoSession
	}
	var out api.Enrolment
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathEnrolment, token: session}, &out)
	return out, err
}

// BeginEnrolmentWithPassword starts replacing the authenticator of a user
// who has one, with a full session: the portal asks for the current
// password again. A wrong one is an *APIError with Status 401.
func (c *Client) BeginEnrolmentWithPassword(ctx context.Context, session, currentPassword string) (api.Enrolment, error) {
	if session == "" {
		return api.Enrolment{}, errNoSession
	}
	var out api.Enrolment
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathEnrolment, token: session, in: api.EnrolmentBegin{CurrentPassword: currentPassword}}, &out)
	return out, err
}

// ConfirmEnrolment confirms the pending authenticator with its first code.
// The answer's codes are shown this once.
func (c *Client) ConfirmEnrolment(ctx context.Context, session string, req api.EnrolmentConfirm) (api.EnrolmentCodes, error) {
	if session == "" {
		return api.EnrolmentCodes{}, errNoSession
	}
	var out api.EnrolmentCodes
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathEnrolmentConfirm, token: session, in: req}, &out)
	return out, err
}

// EnrolmentSaved tells the portal the user saved the codes. The answer's
// Session replaces the caller's, which stops working.
func (c *Client) EnrolmentSaved(ctx context.Context, session string) (api.SignInAnswer, error) {
	if session == "" {
		return api.SignInAnswer{}, errNoSession
	}
	var out api.SignInAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathEnrolmentSaved, token: session}, &out)
	return out, err
}

// Session asks who the session is.
func (c *Client) Session(ctx context.Context, session string) (api.SessionInfo, error) {
	if session == "" {
		return api.SessionInfo{}, errNoSession
	}
	var out api.SessionInfo
	_, err := c.do(ctx, call{method: http.MethodGet, path: api.PathSession, token: session, idempotent: true}, &out)
	return out, err
}

// SignOut ends the session. Retrying is safe: ending an ended session
// answers 401, which SignOut reports as done.
func (c *Client) SignOut(ctx context.Context, session string) error {
	if session == "" {
		return errNoSession
	}
	var out api.SignedOut
	_, err := c.do(ctx, call{method: http.MethodDelete, path: api.PathSession, token: session, idempotent: true}, &out)
	var apiErr *api.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		return nil
	}
	return err
}
