package sync

import (
	"fmt"
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
