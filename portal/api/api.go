package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// API paths served by the portal.
const (
	// PathTime answers GET with a TimeResponse: the portal's clock, for
	// clock-drift checks.
	PathTime = "/v1/time"
	// PathHealth answers GET with a HealthResponse (200) or an error (503).
	PathHealth = "/healthz"
	// PathRecoveryRequests answers POST with a RecoveryRequestCreate body:
	// 202 and a RecoveryRequestCreated, whether or not the e-mail address
	// belongs to an account.
	PathRecoveryRequests = "/v1/recovery-requests"
)

// TimeResponse is the body of GET /v1/time. Time is the portal's clock in
// UTC, RFC 3339 with nanoseconds; UnixMS is the same instant in
// milliseconds since the Unix epoch, for clients without an RFC 3339
// parser.
type TimeResponse struct {
	Time   time.Time `json:"time"`
	UnixMS int64     `json:"unix_ms"`
}

// NewTimeResponse is the answer for the instant t.
func NewTimeResponse(t time.Time) TimeResponse {
	t = t.UTC().Round(0)
	return TimeResponse{Time: t, UnixMS: t.UnixMilli()}
}

// Check reports whether the two fields name the same millisecond, which a
// client checks before trusting the answer.
func (r TimeResponse) Check() error {
	if r.Time.IsZero() {
		return fmt.Errorf("time answer: no time")
	}
	if r.Time.UnixMilli() != r.UnixMS {
		return fmt.Errorf("time answer: time and unix_ms disagree by %d ms", r.Time.UnixMilli()-r.UnixMS)
	}
	return nil
}

// HealthResponse is the body of a healthy GET /healthz.
type HealthResponse struct {
	Status        string `json:"status"` // "ok"
	SchemaVersion int    `json:"schema_version"`
}

// ErrorResponse is the body of every error answer of the portal:
//
//	{"error": {"code": "not_found", "message": "no such endpoint"}}
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the inside of an ErrorResponse. Code is stable and meant for
// programs; Message is one sentence for people and may change.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of the portal. Clients switch on these, never on messages.
const (
	CodeBadRequest       = "bad_request"        // 400: malformed request (JSON syntax, trailing data, empty body)
	CodeUnknownField     = "unknown_field"      // 400: a JSON member the endpoint does not take
	CodeInvalid          = "invalid"            // 400/422: well-formed but unacceptable values
	CodeUnauthenticated  = "unauthenticated"    // 401
	CodeForbidden        = "forbidden"          // 403
	CodeNotFound         = "not_found"          // 404
	CodeMethodNotAllowed = "method_not_allowed" // 405
	CodeConflict         = "conflict"           // 409: the state changed (already decided, confirmed, exists)
	CodeTooLarge         = "too_large"          // 413
	CodeUnsupportedMedia = "unsupported_media"  // 415: the body is not application/json
	CodeRateLimited      = "rate_limited"       // 429
	CodeInternal         = "internal"           // 500: details are in the portal's log, under the request id
	CodeUnavailable      = "unavailable"        // 503: e.g. the store cannot be reached
)

// APIError is an error answer of the portal, as the client returns it.
type APIError struct {
	Status    int    // HTTP status
	Code      string // one of the Code constants, or "" when the body was not the error shape
	Message   string // sanitised and truncated
	RequestID string // X-Request-Id, to find the portal's log line
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "portal answered %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Limits of a RecoveryRequestCreate, checked by the portal.
const (
	// MaxRecoveryEmailBytes bounds the e-mail address (RFC 5321's path
	// limit of 256 octets less the angle brackets).
	MaxRecoveryEmailBytes = 254
	// MaxRecoveryMessageRunes bounds the free-text message, in characters.
	MaxRecoveryMessageRunes = 1000
)

// RecoveryRequestCreate is the body of POST /v1/recovery-requests: someone
// who lost their authenticator asks the admins of the account with this
// e-mail address for a recovery link. Message is optional free text for the
// admin. Both are the requester's data: String and LogValue redact them.
//
// PollToken is optional: a token the client chose (NewPollToken: 32 random
// bytes, base64url without padding). The portal uses it as the request's
// poll token, and a second POST with the same token and address answers
// with the same ticket instead of filing a second request, so a client may
// resend after an answer it never received without the admins seeing the
// request twice. Without it the portal chooses the token.
//
// Password is optional: the account's password. A request filed with it
// (and it matched) may have its link handed to the requesting app; without
// it the link goes by e-mail to the account's stored address only, so
// whoever files a request in someone else's name never receives its link.
// A wrong password is refused like a wrong sign-in (401), and counts
// against the same limits.
type RecoveryRequestCreate struct {
	Email     string `json:"email"`
	Message   string `json:"message,omitempty"`
	PollToken string `json:"poll_token,omitempty"`
	Password  string `json:"password,omitempty"`
}

// NewPollToken returns a fresh client-chosen poll token for
// RecoveryRequestCreate.PollToken.
func NewPollToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// String prints the shape only, never the address or the message.
func (r RecoveryRequestCreate) String() string {
	return fmt.Sprintf("RecoveryRequestCreate{email: %d bytes, message: %d bytes, password: %s}", len(r.Email), len(r.Message), secretShape(r.Password))
}

// GoString is String, so %#v prints no secret either.
func (r RecoveryRequestCreate) GoString() string { return r.String() }

// LogValue keeps the address and message out of log/slog output.
func (r RecoveryRequestCreate) LogValue() slog.Value { return slog.StringValue(r.String()) }

// RecoveryRequestCreated is the 202 answer of POST /v1/recovery-requests.
// It has the same shape whether or not the address matched an account.
type RecoveryRequestCreated struct {
	Request RecoveryTicket `json:"request"`
}

// RecoveryTicket is what the requester keeps: Phrase, to show on screen and
// read to (or hear from) the admin on the phone; PollToken, the secret the
// requesting app polls with to receive the link once an admin approved
// (the portal stores only its SHA-256); ExpiresAt, when the request lapses
// unless decided. String and LogValue print Redacted for the secrets.
//
// LinkTo says where the link of this request will go once approved:
// LinkToApp (the request proved the account's password) or LinkToEmail.
type RecoveryTicket struct {
	Phrase    string    `json:"phrase"`
	PollToken string    `json:"poll_token"`
	ExpiresAt time.Time `json:"expires_at"`
	LinkTo    string    `json:"link_to"`
}

// Where the link of an approved request goes (RecoveryTicket.LinkTo,
// RecoveryStatus.LinkTo).
const (
	LinkToApp   = "app"   // to the requesting app's next poll, once
	LinkToEmail = "email" // to the account's stored e-mail address only
)

// String prints the expiry only; the phrase and the poll token are redacted.
func (t RecoveryTicket) String() string {
	return "RecoveryTicket{phrase: [REDACTED], poll_token: [REDACTED], expires_at: " + t.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// LogValue keeps the phrase and the poll token out of log/slog output.
func (t RecoveryTicket) LogValue() slog.Value { return slog.StringValue(t.String()) }

// IsLoopbackHost reports whether host (a name or an IP literal, without a
// port) is "localhost" or a loopback address: the only hosts a portal may
// be reached at over plain http (a development portal), by the server's
// configuration and the client alike.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
