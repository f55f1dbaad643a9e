package vault

import (
	"fmt"
	"log/slog"
	"time"
)

// How a portal binding was made (Portal.LinkedBy).
const (
	// LinkedByEnrolment: the otpauth link of the portal's enrolment QR
	// carried the portal's address.
	LinkedByEnrolment = "enrolment"
	// LinkedByLink: a latchkey://link the portal's page offered, confirmed
	// by the user.
	LinkedByLink = "link"
	// LinkedByHand: the user typed the portal's address.
	LinkedByHand = "manual"
)

// RecoveryState is where an account's recovery request stands.
type RecoveryState string

// The states of a RecoveryRequest. A request starts queued or sent; a
// queued one becomes sent or failed. Later states (approved, link received)
// belong to the polling of the portal, which adds them here.
const (
	// RecoveryQueued: the portal could not be reached; the request waits
	// in the vault to be sent.
	RecoveryQueued RecoveryState = "queued"
	// RecoverySent: the portal took the request; Phrase, PollToken and
	// ExpiresAt are set.
	RecoverySent RecoveryState = "sent"
	// RecoveryFailed: the portal refused a queued request (LastError says
	// why). It is not sent again.
	RecoveryFailed RecoveryState = "failed"
	// RecoveryEnrolling: the recovery link was redeemed and a new
	// authenticator is being set up (the Enrol* fields); it ends with the
	// request removed once the portal confirmed the new one.
	RecoveryEnrolling RecoveryState = "enrolling"
)

// RecoveryRequest is an account's outstanding "I lost my authenticator"
// request to its portal. It lives in the vault so a request made offline
// survives a restart and is sent later, and so the poll token of a sent one
// is kept encrypted. String and LogValue never show the phrase, the poll
// token or the message.
type RecoveryRequest struct {
	State RecoveryState `json:"state"`
	// Message is the user's note for the admin, kept to be sent later.
	Message string `json:"message,omitempty"`
	// Phrase is the verification phrase the portal gave, which the user
	// reads to the admin on the phone.
	Phrase string `json:"phrase,omitempty"`
	// PollToken is the secret the app asks the portal about the request
	// with. It is never printed.
	PollToken string `json:"poll_token,omitempty"`
	// ExpiresAt is when the portal lets an undecided request lapse.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RequestedAt is when the user asked; SentAt when the portal took it.
	RequestedAt time.Time `json:"requested_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	// Attempts counts the sends that failed; NextAttemptAt is the earliest
	// time a queued request is sent again without being asked to.
	Attempts      int       `json:"attempts,omitempty"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// LastError is why the last attempt failed, one sentence without secrets.
	LastError string `json:"last_error,omitempty"`
	// LinkTo is where the portal said the link will go: "app" (the
	// request proved the account's password) or "email" (the account's
	// mailbox only). Empty before the portal took the request.
	LinkTo string `json:"link_to,omitempty"`

	// PortalStatus is the portal's answer to the last poll of a sent
	// request (one of sync's Recovery* states), CheckedAt when it came.
	PortalStatus string    `json:"portal_status,omitempty"`
	CheckedAt    time.Time `json:"checked_at,omitzero"`
	// Link is the token of the one-time recovery link the portal handed to
	// the app (once), kept until it is redeemed; LinkExpiresAt is when it
	// stops working. A secret: never printed.
	Link          string    `json:"link,omitempty"`
	LinkExpiresAt time.Time `json:"link_expires_at,omitzero"`
	// EnrolSession is the enrol-only session the redeemed link granted,
	// until EnrolSessionExpiresAt. EnrolURI is the new authenticator the
	// portal proposed (an otpauth URI holding its secret), pending until
	// the portal confirms it: factor EnrolFactorID, to be confirmed before
	// EnrolExpiresAt. All secrets: never printed.
	EnrolSession          string    `json:"enrol_session,omitempty"`
	EnrolSessionExpiresAt time.Time `json:"enrol_session_expires_at,omitzero"`
	EnrolFactorID         int64     `json:"enrol_factor_id,omitempty"`
	EnrolURI              string    `json:"enrol_uri,omitempty"`
	EnrolExpiresAt        time.Time `json:"enrol_expires_at,omitzero"`

	extra extra
}

// String shows the state and times only.
func (r RecoveryRequest) String() string {
	return fmt.Sprintf("RecoveryRequest{state: %s, phrase: %s, poll_token: %s, message: %d bytes, attempts: %d, expires_at: %s, portal_status: %q, link: %s, enrol_session: %s, enrol_uri: %s}",
		r.State, redacted(r.Phrase), redacted(r.PollToken), len(r.Message), r.Attempts, r.ExpiresAt.UTC().Format(time.RFC3339),
		r.PortalStatus, redacted(r.Link), redacted(r.EnrolSession), redacted(r.EnrolURI))
}

// GoString is String, so %#v prints no secret either.
func (r RecoveryRequest) GoString() string { return r.String() }

// LogValue keeps the phrase, the poll token, the link, the enrolment's
// secrets and the message out of log/slog output.
func (r RecoveryRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

func redacted(s string) string {
	if s == "" {
		return "none"
	}
	return "[REDACTED]"
}

// PortalTrust is the user's decision to trust one certificate for one
// portal that no certificate authority of the system vouches for (a
// self-signed certificate, or one from a private CA). The client accepts
// that certificate, and only it, for that origin; see sync.Options.
type PortalTrust struct {
	// Origin is the portal's https://host[:port], lower case, the port
	// only when it is not 443.
	Origin string `json:"origin"`
	// SHA256 is the fingerprint of the trusted certificate's DER bytes:
	// "SHA256:" and 64 lower-case hex digits.
	SHA256 string `json:"sha256"`
	// Subject, Issuer and the validity are what the user was shown.
	Subject   string    `json:"subject,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	TrustedAt time.Time `json:"trusted_at"`

	extra extra
}

// Clone returns a deep copy.
func (p Portal) Clone() Portal {
	p.extra = p.extra.clone()
	if p.Recovery != nil {
		r := *p.Recovery
		r.extra = r.extra.clone()
		p.Recovery = &r
	}
	return p
}

type (
	recoveryRequestJSON RecoveryRequest
	portalTrustJSON     PortalTrust
)

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (r RecoveryRequest) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*recoveryRequestJSON)(&r), r.extra)
}

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (t PortalTrust) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*portalTrustJSON)(&t), t.extra)
}
