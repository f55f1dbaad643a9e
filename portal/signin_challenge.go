package portal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/ratelimit"
	"github.com/latchkey/latchkey/portal/store"
)

// The sign-in challenge carries a sign-in from one step to the next
// without server state: the user id, the stage reached, the source
// address, and an expiry, sealed (AES-GCM, Keyring.Seal) under the purpose
// purposeChallenge, so the client can neither read nor change it, and a
// value sealed for anything else (a TOTP secret) does not open as one. It
// is not a session: every step re-reads the user and tenant, and the stage
// it records still needs that stage's own proof (a second factor accepted
// once, a consumed e-mail link).
//
// A step that moves the sign-in on (a second factor accepted, a sign-in
// completed) burns the challenge's nonce in the store (burn), so the same
// challenge cannot mint a second session on another node either. Failed
// attempts do not burn it (a mistyped code may be retried); those are
// bounded by the rate limits.
const (
	purposeChallenge = "signin-challenge"
	// ChallengeTTL is how long a sign-in challenge stays valid.
	ChallengeTTL = 5 * time.Minute
	// challengeVersion is the sealed layout's version.
	challengeVersion = 1
	// limitChallengeBurn is the rate-limit scope of burnt nonces.
	limitChallengeBurn = "signin-challenge"
)

// burnWindows are the fixed windows a nonce may be burnt in. The store
// aligns a window to multiples of its length since the Unix epoch, so a
// challenge whose life crosses a window's end could be burnt once on each
// side; seal picks a length whose window holds the whole life. Both lengths
// are whole hours, so their ends coincide only every 600 hours; a challenge
// issued in the five minutes before such an end lives until it instead.
var burnWindows = []time.Duration{24 * time.Hour, 25 * time.Hour}

// Challenge stages: the state the client is asked to act on.
const (
	stageSecondFactor  = api.StateSecondFactor
	stageVerifyEmail   = api.StateVerifyEmail
	stageVerifyAddress = api.StateVerifyAddress
)

// challenge is the sealed content.
type challenge struct {
	V       int    `json:"v"`
	UserID  int64  `json:"u"`
	Stage   string `json:"s"`
	Addr    string `json:"a"`
	Expires int64  `json:"e"` // Unix microseconds
	Nonce   string `json:"n"`
	// Burn is the length of the fixed window the nonce is burnt in, in
	// seconds (see burnWindows).
	Burn int64 `json:"b"`
	// Scope is the session a completed verify_address or verify_email
	// stage grants.
	Scope store.SessionScope `json:"c,omitempty"`
	// Method is how the user proved the second factor, for the audit
	// entry of the completed sign-in.
	Method string `json:"m,omitempty"`
}

func (c challenge) expiresAt() time.Time { return time.UnixMicro(c.Expires).UTC() }

// sealChallenge seals c (user, stage, source address, and what completing
// it grants) with a fresh nonce and an expiry ChallengeTTL from now, and
// returns its encoded form and expiry.
func (h *Handler) sealChallenge(c challenge) (string, time.Time, error) {
	now := h.now()
	exp := now.Add(ChallengeTTL)
	burn := burnWindows[0]
	fits := false
	for _, w := range burnWindows {
		if windowOf(now, w) == windowOf(exp, w) {
			burn, fits = w, true
			break
		}
	}
	if !fits {
		exp = time.UnixMicro((windowOf(now, burn)+1)*burn.Microseconds() - 1)
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	c.V = challengeVersion
	c.Expires = exp.UnixMicro()
	c.Nonce = base64.RawURLEncoding.EncodeToString(nonce)
	c.Burn = int64(burn / time.Second)
	plain, err := json.Marshal(c)
	if err != nil {
		return "", time.Time{}, err
	}
	s, err := h.opts.Keyring.Seal(purposeChallenge, "", plain)
	if err != nil {
		return "", time.Time{}, err
	}
	return s.KeyID + "." + base64.RawURLEncoding.EncodeToString(s.Ciphertext), c.expiresAt(), nil
}

func windowOf(t time.Time, w time.Duration) int64 { return t.UnixMicro() / w.Microseconds() }

// openChallenge checks an encoded challenge from the client: its form,
// seal, expiry, stage (one of stages) and source address. Its errors are
// clear 4xx answers that change nothing.
func (h *Handler) openChallenge(encoded, addr string, stages ...string) (challenge, *flowError) {
	malformed := &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
		message: `member "challenge" is not a sign-in challenge of this portal; sign in again`}
	if encoded == "" {
		return challenge{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "challenge" is required`}
	}
	if len(encoded) > api.MaxChallengeLen {
		return challenge{}, malformed
	}
	keyID, body, ok := strings.Cut(encoded, ".")
	if !ok {
		return challenge{}, malformed
	}
	ct, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return challenge{}, malformed
	}
	plain, err := h.opts.Keyring.Open(purposeChallenge, "", auth.Sealed{KeyID: keyID, Ciphertext: ct})
	if err != nil {
		// A truncated or altered challenge, or one sealed by a key this
		// portal no longer holds: all mean "start again".
		return challenge{}, malformed
	}
	var c challenge
	if err := json.Unmarshal(plain, &c); err != nil || c.V != challengeVersion || c.UserID <= 0 || c.Nonce == "" || c.Burn <= 0 {
		return challenge{}, malformed
	}
	if !h.now().Before(c.expiresAt()) {
		return challenge{}, &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
			message: "the sign-in took too long and expired; sign in again"}
	}
	if c.Addr != addr {
		return challenge{}, &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
			message: "this sign-in was started from another network address; sign in again from this one"}
	}
	for _, s := range stages {
		if c.Stage == s {
			return c, nil
		}
	}
	return challenge{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
		message: "this sign-in challenge is for another step (" + c.Stage + ")"}
}

// burn spends the challenge's nonce: exactly one caller, on any node, gets
// nil; later ones get a 401.
func (h *Handler) burn(ctx context.Context, c challenge) *flowError {
	n, err := h.opts.Store.HitRateLimit(ctx, ratelimit.Key(limitChallengeBurn, c.Nonce), time.Duration(c.Burn)*time.Second)
	if err != nil {
		return h.internal(ctx, "sign-in challenge: burn", err)
	}
	if n > 1 {
		return &flowError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
			message: "this sign-in step was already completed; sign in again"}
	}
	return nil
}

// flowError is a sign-in or enrolment step's failure, answered as JSON by
// the API and as a page by the browser forms.
type flowError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // 429 only
}

func (e *flowError) Error() string { return e.message }

// internal logs err (redacted, with the request id) and returns a 500.
func (h *Handler) internal(ctx context.Context, what string, err error) *flowError {
	h.logError(ctx, what, err)
	return &flowError{status: http.StatusInternalServerError, code: api.CodeInternal,
		message: "internal error; quote request " + RequestID(ctx) + " to the portal's administrator"}
}

// unavailable logs err and returns a 503 (the rate limiter fails closed).
func (h *Handler) unavailable(ctx context.Context, what string, err error) *flowError {
	h.logError(ctx, what, err)
	return &flowError{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
		message: "the portal cannot reach its store"}
}

// writeFlowError answers e as JSON.
func writeFlowError(w http.ResponseWriter, e *flowError) {
	if e.status == http.StatusTooManyRequests {
		setRetryAfter(w, e.retryAfter)
	}
	writeError(w, e.status, e.code, e.message)
}

// isGone reports the store errors that mean a token or code cannot be
// used (unknown, spent, expired or revoked): to the user, a wrong code.
func isGone(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUsed) ||
		errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrRevoked)
}
