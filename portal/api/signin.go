package api

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Sign-in, second factors, e-mail verification and enrolment paths.
const (
	// PathSignIn answers POST with a SignInRequest body: the password step.
	PathSignIn = "/v1/sign-in"
	// PathSignInSecondFactor answers POST with a SecondFactorRequest.
	PathSignInSecondFactor = "/v1/sign-in/second-factor"
	// PathSignInEmailCode answers POST with a ChallengeRequest: e-mail a
	// one-time sign-in code (202 and an EmailCodeSent).
	PathSignInEmailCode = "/v1/sign-in/email-code"
	// PathSignInComplete answers POST with a ChallengeRequest: finish a
	// sign-in that waited for an e-mailed link.
	PathSignInComplete = "/v1/sign-in/complete"
	// PathEmailVerifications answers POST with an EmailVerificationRequest:
	// consume the token of an e-mailed verification link.
	PathEmailVerifications = "/v1/email-verifications"
	// PathEnrolment answers POST (bearer session, full or enrol scope;
	// optional EnrolmentBegin body): begin enrolling a new authenticator
	// (an Enrolment).
	PathEnrolment = "/v1/enrolment"
	// PathEnrolmentConfirm answers POST with an EnrolmentConfirm: the new
	// authenticator's first code; the answer holds the new backup codes and
	// recovery code, once.
	PathEnrolmentConfirm = "/v1/enrolment/confirm"
	// PathEnrolmentSaved answers POST once the user saved the codes: a new
	// full session replaces the caller's.
	PathEnrolmentSaved = "/v1/enrolment/saved"
	// PathSession answers GET with a SessionInfo (who am I) and DELETE with
	// a SignedOut (sign out).
	PathSession = "/v1/session"
)

// Sign-in states: what a SignInAnswer asks the client to do next.
const (
	// StateSecondFactor: send a SecondFactorRequest with one of Methods.
	StateSecondFactor = "second_factor"
	// StateVerifyEmail: the user must open the link e-mailed to confirm
	// their address; then send a ChallengeRequest to PathSignInComplete.
	StateVerifyEmail = "verify_email"
	// StateVerifyAddress: a sign-in from an address the account has not
	// used before; the user must confirm it through the e-mailed link, then
	// the client completes the sign-in from the same address.
	StateVerifyAddress = "verify_address"
	// StateSignedIn: Session holds the new session.
	StateSignedIn = "signed_in"
)

// Second-factor methods.
const (
	MethodTOTP         = "totp"          // a 6-digit code from the authenticator app
	MethodBackupCode   = "backup_code"   // one of the ten single-use backup codes
	MethodRecoveryCode = "recovery_code" // the 24-character recovery code; replaced when used
	MethodEmailCode    = "email_code"    // an 8-digit code e-mailed by PathSignInEmailCode
)

// Session scopes of a SessionGrant and a SessionInfo.
const (
	ScopeFull  = "full"  // everything the user's role allows
	ScopeEnrol = "enrol" // enrolling a new authenticator only
)

// E-mail verification purposes, in an EmailVerified answer.
const (
	PurposeVerifyEmail   = "verify_email"   // the account's e-mail address is confirmed
	PurposeVerifyAddress = "verify_address" // a new sign-in address is confirmed
)

// MaxChallengeLen bounds a sign-in challenge as the portal accepts it.
const MaxChallengeLen = 1024

// redacted stands for a secret in String and LogValue output (the same text
// as portal/auth.Redacted, which this package cannot import).
const redacted = "[REDACTED]"

// secretShape names a secret field without its value.
func secretShape(s string) string {
	if s == "" {
		return "none"
	}
	return redacted
}

// SignInRequest is the body of POST /v1/sign-in. String, GoString and
// LogValue print neither the address nor the password.
type SignInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (r SignInRequest) String() string {
	return fmt.Sprintf("SignInRequest{email: %d bytes, password: %s}", len(r.Email), secretShape(r.Password))
}

// GoString is String, so %#v redacts too.
func (r SignInRequest) GoString() string { return r.String() }

// LogValue keeps the password and address out of log/slog output.
func (r SignInRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// SecondFactorRequest is the body of POST /v1/sign-in/second-factor:
// Challenge from the previous SignInAnswer, Method one of the Method
// constants listed there, Code as typed (spaces and dashes are ignored).
type SecondFactorRequest struct {
	Challenge string `json:"challenge"`
	Method    string `json:"method"`
	Code      string `json:"code"`
}

func (r SecondFactorRequest) String() string {
	return fmt.Sprintf("SecondFactorRequest{challenge: %s, method: %q, code: %s}", secretShape(r.Challenge), r.Method, secretShape(r.Code))
}

// GoString is String, so %#v redacts too.
func (r SecondFactorRequest) GoString() string { return r.String() }

// LogValue keeps the challenge and the code out of log/slog output.
func (r SecondFactorRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ChallengeRequest is the body of POST /v1/sign-in/email-code and POST
// /v1/sign-in/complete.
type ChallengeRequest struct {
	Challenge string `json:"challenge"`
}

func (r ChallengeRequest) String() string {
	return "ChallengeRequest{challenge: " + secretShape(r.Challenge) + "}"
}

// GoString is String, so %#v redacts too.
func (r ChallengeRequest) GoString() string { return r.String() }

// LogValue keeps the challenge out of log/slog output.
func (r ChallengeRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// SignInAnswer is the answer of every sign-in step. State says what comes
// next. Challenge (with ChallengeExpiresAt) is the sealed, stateless proof
// of the steps passed so far, to send with the next step from the same
// address; it grants nothing by itself. Methods lists the accepted second
// factors when State is StateSecondFactor. Session is set when State is
// StateSignedIn. NewRecoveryCode is set once, when the recovery code was
// used: it replaced the old one and is shown nowhere else.
type SignInAnswer struct {
	State              string        `json:"state"`
	Challenge          string        `json:"challenge,omitempty"`
	ChallengeExpiresAt time.Time     `json:"challenge_expires_at,omitzero"`
	Methods            []string      `json:"methods,omitempty"`
	Session            *SessionGrant `json:"session,omitempty"`
	NewRecoveryCode    string        `json:"new_recovery_code,omitempty"`
}

func (a SignInAnswer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "SignInAnswer{state: %s, challenge: %s", a.State, secretShape(a.Challenge))
	if len(a.Methods) > 0 {
		fmt.Fprintf(&b, ", methods: %s", strings.Join(a.Methods, " "))
	}
	if a.Session != nil {
		fmt.Fprintf(&b, ", session: %s", a.Session)
	}
	if a.NewRecoveryCode != "" {
		b.WriteString(", new_recovery_code: " + redacted)
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String, so %#v redacts too.
func (a SignInAnswer) GoString() string { return a.String() }

// LogValue keeps the challenge, the session token and the recovery code
// out of log/slog output.
func (a SignInAnswer) LogValue() slog.Value { return slog.StringValue(a.String()) }

// SessionGrant is a new session: Token goes in "Authorization: Bearer"
// (the portal stores only its SHA-256); Scope is ScopeFull or ScopeEnrol.
type SessionGrant struct {
	Token     string    `json:"token"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (g SessionGrant) String() string {
	return fmt.Sprintf("SessionGrant{token: %s, scope: %s, expires_at: %s}", secretShape(g.Token), g.Scope, g.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v redacts too.
func (g SessionGrant) GoString() string { return g.String() }

// LogValue keeps the token out of log/slog output.
func (g SessionGrant) LogValue() slog.Value { return slog.StringValue(g.String()) }

// EmailCodeSent is the 202 answer of POST /v1/sign-in/email-code: a code
// went to the account's e-mail address and is valid until ExpiresAt.
type EmailCodeSent struct {
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailVerificationRequest is the body of POST /v1/email-verifications:
// the token of an e-mailed link (the "token" query parameter).
type EmailVerificationRequest struct {
	Token string `json:"token"`
}

func (r EmailVerificationRequest) String() string {
	return "EmailVerificationRequest{token: " + secretShape(r.Token) + "}"
}

// GoString is String, so %#v redacts too.
func (r EmailVerificationRequest) GoString() string { return r.String() }

// LogValue keeps the token out of log/slog output.
func (r EmailVerificationRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// EmailVerified is the answer of POST /v1/email-verifications: what the
// link confirmed (PurposeVerifyEmail or PurposeVerifyAddress).
type EmailVerified struct {
	Purpose string `json:"purpose"`
}

// Enrolment is the answer of POST /v1/enrolment: a pending authenticator.
// Secret (base32) and OTPAuthURI (which also carries the portal's address
// as the extra parameter "portal") go into the authenticator app; the
// enrolment is confirmed with FactorID and a first code before ExpiresAt.
type Enrolment struct {
	FactorID   int64     `json:"factor_id"`
	Secret     string    `json:"secret"`
	OTPAuthURI string    `json:"otpauth_uri"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (e Enrolment) String() string {
	return fmt.Sprintf("Enrolment{factor_id: %d, secret: %s, otpauth_uri: %s, expires_at: %s}",
		e.FactorID, secretShape(e.Secret), secretShape(e.OTPAuthURI), e.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v redacts too.
func (e Enrolment) GoString() string { return e.String() }

// LogValue keeps the secret out of log/slog output.
func (e Enrolment) LogValue() slog.Value { return slog.StringValue(e.String()) }

// EnrolmentBegin is the optional body of POST /v1/enrolment. A full
// session of a user who has an authenticator must give CurrentPassword:
// replacing the second factor takes the password again. Enrol-only
// sessions (forced enrolment, a redeemed recovery link) send none.
// String, GoString and LogValue print no password.
type EnrolmentBegin struct {
	CurrentPassword string `json:"current_password,omitempty"`
}

func (b EnrolmentBegin) String() string {
	return "EnrolmentBegin{current_password: " + secretShape(b.CurrentPassword) + "}"
}

// GoString is String, so %#v redacts too.
func (b EnrolmentBegin) GoString() string { return b.String() }

// LogValue keeps the password out of log/slog output.
func (b EnrolmentBegin) LogValue() slog.Value { return slog.StringValue(b.String()) }

// EnrolmentConfirm is the body of POST /v1/enrolment/confirm.
type EnrolmentConfirm struct {
	FactorID int64  `json:"factor_id"`
	Code     string `json:"code"`
}

func (c EnrolmentConfirm) String() string {
	return fmt.Sprintf("EnrolmentConfirm{factor_id: %d, code: %s}", c.FactorID, secretShape(c.Code))
}

// GoString is String, so %#v redacts too.
func (c EnrolmentConfirm) GoString() string { return c.String() }

// LogValue keeps the code out of log/slog output.
func (c EnrolmentConfirm) LogValue() slog.Value { return slog.StringValue(c.String()) }

// EnrolmentCodes is the answer of POST /v1/enrolment/confirm: the new
// backup codes and recovery code, shown this once (the portal keeps only
// keyed hashes). Every earlier code stopped working.
type EnrolmentCodes struct {
	BackupCodes  []string `json:"backup_codes"`
	RecoveryCode string   `json:"recovery_code"`
}

func (c EnrolmentCodes) String() string {
	return fmt.Sprintf("EnrolmentCodes{backup_codes: %d × %s, recovery_code: %s}", len(c.BackupCodes), redacted, secretShape(c.RecoveryCode))
}

// GoString is String, so %#v redacts too.
func (c EnrolmentCodes) GoString() string { return c.String() }

// LogValue keeps the codes out of log/slog output.
func (c EnrolmentCodes) LogValue() slog.Value { return slog.StringValue(c.String()) }

// SessionInfo is the answer of GET /v1/session: who the session is.
type SessionInfo struct {
	User      SessionUser   `json:"user"`
	Tenant    SessionTenant `json:"tenant"`
	Scope     string        `json:"scope"`
	ExpiresAt time.Time     `json:"expires_at"`
}

// SessionUser is the signed-in user. Role is owner, admin, technician or
// read_only.
type SessionUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// SessionTenant is the signed-in user's tenant.
type SessionTenant struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// SignedOut is the answer of DELETE /v1/session.
type SignedOut struct {
	Status string `json:"status"` // "signed_out"
}
