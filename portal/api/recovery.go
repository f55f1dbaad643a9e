package api

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Paths of the recovery loop after POST /v1/recovery-requests.
const (
	// PathRecoveryStatus answers GET, with the request's poll token as the
	// bearer token, with a RecoveryStatus.
	PathRecoveryStatus = "/v1/recovery-requests/status"
	// PathAdminRecoveryRequests answers GET (session scope full) with the
	// RecoveryQueue the caller may see; ?status= filters it.
	PathAdminRecoveryRequests = "/v1/admin/recovery-requests"
	// PathRecoveryLinkRedeem answers POST with a RecoveryLinkRedeem body:
	// the link is consumed and a RecoveryLinkRedeemed (an enrol-only
	// session) returned.
	PathRecoveryLinkRedeem = "/v1/recovery-links/redeem"
)

// PathApproveRecovery is where an admin approves request id (POST, a
// RecoveryApprove body).
func PathApproveRecovery(id int64) string { return recoveryRequestPath(id, "approve") }

// PathDenyRecovery is where an admin denies request id (POST, an optional
// RecoveryDeny body).
func PathDenyRecovery(id int64) string { return recoveryRequestPath(id, "deny") }

// PathForwardRecovery is where a reseller's admin or a technician forwards
// request id to platform support (POST, no body).
func PathForwardRecovery(id int64) string { return recoveryRequestPath(id, "forward") }

// PathUserRecoveryLink is where an admin has a recovery link e-mailed to
// user id without a request (POST, no body).
func PathUserRecoveryLink(userID int64) string {
	return "/v1/admin/users/" + strconv.FormatInt(userID, 10) + "/recovery-link"
}

func recoveryRequestPath(id int64, action string) string {
	return PathAdminRecoveryRequests + "/" + strconv.FormatInt(id, 10) + "/" + action
}

// Recovery request states, as the poll and the queue report them.
const (
	RecoveryPending    = "pending"     // waiting for an admin
	RecoveryApproved   = "approved"    // approved; the link is being issued
	RecoveryDenied     = "denied"      // refused; ask again or call the admin
	RecoveryForwarded  = "forwarded"   // sent to platform support, which decides
	RecoveryLinkIssued = "link_issued" // a link was issued (and delivered to the app, once)
	RecoveryCompleted  = "completed"   // the link was used
	RecoveryExpired    = "expired"     // nobody decided in time
)

// RecoveryStates lists the states, for validation and filters.
var RecoveryStates = []string{RecoveryPending, RecoveryApproved, RecoveryDenied, RecoveryForwarded, RecoveryLinkIssued, RecoveryCompleted, RecoveryExpired}

// Actions an admin may take on a queued request (RecoveryQueueItem.Actions).
const (
	RecoveryActionApprove = "approve"
	RecoveryActionDeny    = "deny"
	RecoveryActionForward = "forward"
)

// MaxDenyReasonRunes bounds the optional reason of a denial, which is
// e-mailed to the requester.
const MaxDenyReasonRunes = 500

// RecoveryStatus is the answer of GET /v1/recovery-requests/status. Link
// is present exactly once: in the first answer after an admin approved the
// request (the portal then forgets it). String and LogValue redact it.
//
// LinkTo is where the link goes (LinkToApp or LinkToEmail): a request that
// did not prove the account's password never has Link, and its requester
// is told to look in the account's mailbox.
type RecoveryStatus struct {
	Status string `json:"status"`
	// ExpiresAt is when the request lapses (or lapsed) unless decided.
	ExpiresAt time.Time      `json:"expires_at"`
	LinkTo    string         `json:"link_to"`
	Link      *DeliveredLink `json:"link,omitempty"`
}

// String prints the state; a delivered link is redacted.
func (s RecoveryStatus) String() string {
	link := "none"
	if s.Link != nil {
		link = s.Link.String()
	}
	return fmt.Sprintf("RecoveryStatus{status: %s, expires_at: %s, link: %s}", s.Status, s.ExpiresAt.UTC().Format(time.RFC3339), link)
}

// GoString is String, so %#v prints no secret either.
func (s RecoveryStatus) GoString() string { return s.String() }

// LogValue keeps the link's token out of log/slog output.
func (s RecoveryStatus) LogValue() slog.Value { return slog.StringValue(s.String()) }

// DeliveredLink is a one-time recovery link handed to the requesting app:
// Token goes to POST /v1/recovery-links/redeem before ExpiresAt.
type DeliveredLink struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// String prints the expiry only.
func (l DeliveredLink) String() string {
	return "DeliveredLink{token: [REDACTED], expires_at: " + l.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString is String, so %#v prints no secret either.
func (l DeliveredLink) GoString() string { return l.String() }

// LogValue keeps the token out of log/slog output.
func (l DeliveredLink) LogValue() slog.Value { return slog.StringValue(l.String()) }

// RecoveryQueue is the answer of GET /v1/admin/recovery-requests, newest
// first.
type RecoveryQueue struct {
	Requests []RecoveryQueueItem `json:"requests"`
}

// RecoveryQueueItem is one recovery request as an admin sees it. Email and
// Message are the requester's own words: untrusted, to be escaped on
// display. Phrase is what the admin reads back with the user. User is the
// matched account (nil, with Matched false, when the address matched none:
// only the admins learn that). Actions are what the caller may do now.
type RecoveryQueueItem struct {
	ID          int64              `json:"id"`
	Status      string             `json:"status"`
	Email       string             `json:"email"`
	Message     string             `json:"message"`
	Phrase      string             `json:"phrase"`
	SourceAddr  string             `json:"source_addr"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	ExpiresAt   time.Time          `json:"expires_at"`
	DecidedAt   *time.Time         `json:"decided_at,omitempty"`
	DecidedBy   int64              `json:"decided_by,omitempty"`
	DeliveredAt *time.Time         `json:"delivered_at,omitempty"`
	Matched     bool               `json:"matched"`
	User        *RecoveryQueueUser `json:"user,omitempty"`
	TenantID    int64              `json:"tenant_id,omitempty"`
	TenantName  string             `json:"tenant_name,omitempty"`
	Actions     []string           `json:"actions"`
}

// String prints the request's id, state and actions; the requester's
// address, message and phrase are redacted.
func (q RecoveryQueueItem) String() string {
	return fmt.Sprintf("RecoveryQueueItem{id: %d, status: %s, matched: %v, email: [REDACTED], message: %d bytes, phrase: [REDACTED], actions: %v}",
		q.ID, q.Status, q.Matched, len(q.Message), q.Actions)
}

// GoString is String, so %#v prints no secret either.
func (q RecoveryQueueItem) GoString() string { return q.String() }

// LogValue keeps the phrase and the requester's words out of log/slog output.
func (q RecoveryQueueItem) LogValue() slog.Value { return slog.StringValue(q.String()) }

// RecoveryQueueUser is the account a request matched.
type RecoveryQueueUser struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// RecoveryApprove is the body of POST …/{id}/approve: the phrase the admin
// read back with the user (any case and spacing). String and LogValue
// redact it.
type RecoveryApprove struct {
	Phrase string `json:"phrase"`
}

// String prints the shape only.
func (a RecoveryApprove) String() string { return "RecoveryApprove{phrase: [REDACTED]}" }

// GoString is String, so %#v prints no secret either.
func (a RecoveryApprove) GoString() string { return a.String() }

// LogValue keeps the phrase out of log/slog output.
func (a RecoveryApprove) LogValue() slog.Value { return slog.StringValue(a.String()) }

// RecoveryDeny is the optional body of POST …/{id}/deny: a reason, at most
// MaxDenyReasonRunes characters, e-mailed to the requester when the
// request matched an account.
type RecoveryDeny struct {
	Reason string `json:"reason,omitempty"`
}

// RecoveryDecision is the answer of approve, deny and forward: the request
// as it now is and, after an approval, the link issued.
type RecoveryDecision struct {
	Request RecoveryQueueItem `json:"request"`
	Link    *IssuedLink       `json:"link,omitempty"`
}

// IssuedLink is what an admin learns about a link issued on their word:
// never the token (the admin must not be able to use it), only where it
// went and until when it works.
type IssuedLink struct {
	UserID    int64     `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	// Emailed: the link was handed to the mail server for the user's
	// address.
	Emailed bool `json:"emailed"`
	// ForApp: the requesting app receives the link on its next poll.
	ForApp bool `json:"for_app"`
}

// DirectLinkIssued is the answer of POST /v1/admin/users/{id}/recovery-link.
type DirectLinkIssued struct {
	Link IssuedLink `json:"link"`
}

// RecoveryLinkRedeem is the body of POST /v1/recovery-links/redeem: the
// link's token and the account's password. A link replaces the second
// factor only, so it is refused (401, the link left unused) without the
// right password; MaxLinkPasswordAttempts wrong ones withdraw it. String
// and LogValue redact both.
type RecoveryLinkRedeem struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// MaxLinkPasswordAttempts is how many wrong passwords a recovery link
// survives: the next one withdraws it.
const MaxLinkPasswordAttempts = 5

// String prints the shape only.
func (r RecoveryLinkRedeem) String() string {
	return "RecoveryLinkRedeem{token: [REDACTED], password: " + secretShape(r.Password) + "}"
}

// GoString is String, so %#v prints no secret either.
func (r RecoveryLinkRedeem) GoString() string { return r.String() }

// LogValue keeps the token out of log/slog output.
func (r RecoveryLinkRedeem) LogValue() slog.Value { return slog.StringValue(r.String()) }

// RecoveryLinkRedeemed is the answer of POST /v1/recovery-links/redeem: a
// session (Bearer token) of scope "enrol" until ExpiresAt, for
// /v1/enrolment. String and LogValue redact the token.
type RecoveryLinkRedeemed struct {
	SessionToken string    `json:"session_token"`
	ExpiresAt    time.Time `json:"expires_at"`
	Scope        string    `json:"scope"`
}

// String prints the scope and expiry only.
func (r RecoveryLinkRedeemed) String() string {
	return "RecoveryLinkRedeemed{session_token: [REDACTED], scope: " + r.Scope + ", expires_at: " + r.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString is String, so %#v prints no secret either.
func (r RecoveryLinkRedeemed) GoString() string { return r.String() }

// LogValue keeps the session token out of log/slog output.
func (r RecoveryLinkRedeemed) LogValue() slog.Value { return slog.StringValue(r.String()) }
