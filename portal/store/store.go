// Package store owns the team portal's persistent state: tenants and their
// 2FA policy, users, TOTP factors, backup and recovery codes, e-mail tokens
// and sign-in codes, recovery requests and one-time recovery links, sessions,
// rate-limit counters, remembered sign-in addresses and the append-only audit
// log.
//
// This package defines the model, the [Store] interface and the typed errors.
// The implementations live in sub-packages: [github.com/latchkey/latchkey/portal/store/sqlite]
// (the embedded default, pure Go) and [github.com/latchkey/latchkey/portal/store/postgres]
// (several portal nodes sharing one database). [github.com/latchkey/latchkey/portal/store/storetest]
// is the single test suite both must pass.
//
// The store never hashes, encrypts or generates a secret. Callers (portal/auth)
// hand it password hashes, code hashes, token digests and encrypted TOTP
// secrets; the store keeps them, compares digests by equality inside single
// atomic statements, and keeps counters and timestamps. Error strings never
// contain a secret, a digest or a caller-supplied value other than IDs.
//
// Conventions: every ID is a positive int64 and 0 means "none"; a zero
// time.Time means "not set" (NULL); all times are UTC truncated to the
// microsecond, taken from the store's clock ([Options.Now]).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Typed errors. Implementations wrap them with context; test with errors.Is.
var (
	// ErrNotFound: no row with that ID, digest or email, or a referenced row
	// (tenant, user, request) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint (e.g. email) was violated, or a state
	// transition lost a race (the row was not in the expected state).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed (unknown role, bad prefix, invalid JSON,
	// a check constraint such as "nobody decides their own request").
	ErrInvalid = errors.New("invalid input")
	// ErrUsed: a single-use token or code was already consumed.
	ErrUsed = errors.New("already used")
	// ErrExpired: a token, code, link or session is past its expiry.
	ErrExpired = errors.New("expired")
	// ErrRevoked: a token, link or session was revoked (e.g. superseded by a newer one).
	ErrRevoked = errors.New("revoked")
	// ErrReplay: a TOTP time step not greater than the last accepted one.
	ErrReplay = errors.New("totp step already used")
	// ErrSchemaTooNew: the database was migrated by a newer binary.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// TokenHash is the SHA-256 (or HMAC-SHA-256) digest of a token or code. The
// store only ever sees digests: sha256.Sum256 converts directly.
type TokenHash [32]byte

// Role is a user's role within their tenant.
type Role string

// Roles, most to least privileged.
const (
	RoleOwner      Role = "owner"
	RoleAdmin      Role = "admin"
	RoleTechnician Role = "technician"
	RoleReadOnly   Role = "read_only"
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleTechnician, RoleReadOnly:
		return true
	}
	return false
}

// TenantPolicy is a tenant's 2FA policy.
type TenantPolicy struct {
	Require2FA      bool           // users must enrol a second factor
	AllowEmailCodes bool           // e-mailed one-time codes are an accepted second factor
	SSOEnforced     bool           // sign-in only through SSO: no 2FA prompts from the portal
	IPAllowList     []netip.Prefix // empty: any address
}

// Tenant is a customer or reseller account. ParentID is the reseller (0: none).
// The parent is fixed at creation, so the hierarchy cannot form a cycle.
type Tenant struct {
	ID        int64
	ParentID  int64
	Name      string
	Policy    TenantPolicy
	CreatedAt time.Time
}

// NewTenant is the input of CreateTenant.
type NewTenant struct {
	ParentID int64
	Name     string
	Policy   TenantPolicy
}

// User is a portal account. Email keeps the case the user typed; uniqueness and
// look-ups use [NormalizeEmail], and no new account may share another's
// [EmailSkeleton].
type User struct {
	ID                 int64
	TenantID           int64
	Email              string
	Name               string
	Role               Role
	PasswordHash       string // opaque (Argon2id PHC string from portal/auth); "" = no password set
	EmailVerifiedAt    time.Time
	SkipIPVerification bool // admin turned off new-address e-mail verification
	Locked             bool
	// PasswordSetByAdmin: the password is one an admin chose when creating
	// the account, and the user has not changed it since. Whoever proves
	// it proves only what the admin knows.
	PasswordSetByAdmin bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// NewUser is the input of CreateUser.
type NewUser struct {
	TenantID     int64
	Email        string
	Name         string
	Role         Role
	PasswordHash string
	// PasswordSetByAdmin: an admin chose PasswordHash's password.
	PasswordSetByAdmin bool
}

// UserUpdate changes the non-nil fields of a user.
type UserUpdate struct {
	Name               *string
	Role               *Role
	PasswordHash       *string
	SkipIPVerification *bool
	Locked             *bool
	EmailVerified      *bool // true: set EmailVerifiedAt to now; false: clear it
	// PasswordSetByAdmin: false when the user set PasswordHash themselves,
	// true when an admin did.
	PasswordSetByAdmin *bool
}

// TwoFAStatus filters the team directory.
type TwoFAStatus string

// Directory filters.
const (
	StatusAny             TwoFAStatus = ""
	StatusEnrolled        TwoFAStatus = "enrolled"
	StatusNotEnrolled     TwoFAStatus = "not_enrolled"
	StatusRecoveryPending TwoFAStatus = "recovery_pending"
	StatusLocked          TwoFAStatus = "locked"
)

// UserFilter selects users for the team directory. Zero fields match all.
type UserFilter struct {
	TenantID     int64
	NameContains string // case-insensitive substring of name or email
	Role         Role
	Status       TwoFAStatus
}

// UserListing is a directory row.
type UserListing struct {
	User
	Enrolled        bool // an active (confirmed, not disabled) TOTP factor exists
	RecoveryPending bool // a recovery request is pending, approved, forwarded or has a link issued
}

// EncryptedSecret is a value encrypted by the caller (a TOTP secret, or a
// recovery link token sealed for the requesting app). KeyID names the key
// (for rotation); the store never sees plaintext.
type EncryptedSecret struct {
	KeyID      string
	Ciphertext []byte
}

// TOTPFactor is a user's authenticator. It is pending until EnrolledAt is set
// by ConfirmTOTPEnrolment, and dead once DisabledAt is set. LastStep is the last
// accepted time step (0: none).
type TOTPFactor struct {
	ID         int64
	UserID     int64
	Secret     EncryptedSecret
	CreatedAt  time.Time
	EnrolledAt time.Time
	DisabledAt time.Time
	LastStep   int64
	LastUsedAt time.Time
}

// BackupCode is one single-use backup code, stored as an opaque hash.
type BackupCode struct {
	ID        int64
	UserID    int64
	Hash      string
	CreatedAt time.Time
	UsedAt    time.Time
}

// RecoveryCode is a user's long-lived recovery code, stored as an opaque hash.
type RecoveryCode struct {
	UserID    int64
	Hash      string
	CreatedAt time.Time
}

// EmailPurpose says what an e-mailed token or code is for.
type EmailPurpose string

// E-mail token purposes.
const (
	PurposeVerifyEmail   EmailPurpose = "verify_email"   // confirm the address before enrolment (link, 2 h)
	PurposeSignInCode    EmailPurpose = "signin_code"    // e-mailed one-time second factor
	PurposeVerifyAddress EmailPurpose = "verify_address" // sign-in from an unseen source address
)

// EmailToken is an e-mail verification token or e-mailed sign-in code.
// Issuing one revokes the user's older unused tokens of the same purpose.
// Digests of short codes must be keyed by the user (HMAC over user ID and
// code) so two users' codes never share a digest.
type EmailToken struct {
	ID         int64
	UserID     int64
	Purpose    EmailPurpose
	TokenHash  TokenHash
	SourceAddr string // for PurposeVerifyAddress: the address being verified
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     time.Time
	RevokedAt  time.Time
}

// NewEmailToken is the input of CreateEmailToken.
type NewEmailToken struct {
	UserID     int64
	Purpose    EmailPurpose
	TokenHash  TokenHash
	SourceAddr string
	ExpiresAt  time.Time
}

// RequestStatus is the state of a recovery request.
type RequestStatus string

// Recovery request states. pending → approved → link_issued → completed;
// pending → denied; pending → forwarded (to platform support) → approved/denied;
// pending/approved/forwarded/link_issued → expired.
const (
	RequestPending    RequestStatus = "pending"
	RequestApproved   RequestStatus = "approved"
	RequestDenied     RequestStatus = "denied"
	RequestForwarded  RequestStatus = "forwarded"
	RequestLinkIssued RequestStatus = "link_issued"
	RequestCompleted  RequestStatus = "completed"
	RequestExpired    RequestStatus = "expired"
)

// RecoveryRequest is an unauthenticated "I lost my authenticator" request.
// UserID is 0 when the email matched no account (the response must not reveal
// that). Phrase is the short verification phrase shown to the requester and
// read back by the admin: it is stored as text because the admin must see it.
// RequesterTokenHash is the digest of the token the requesting app polls with.
type RecoveryRequest struct {
	ID                 int64
	UserID             int64
	TenantID           int64
	Email              string
	Message            string
	Phrase             string
	RequesterTokenHash TokenHash
	Status             RequestStatus
	SourceAddr         string
	CreatedAt          time.Time
	DecidedAt          time.Time
	DecidedBy          int64
	UpdatedAt          time.Time
	// DeliveryPending: a sealed link token waits for the requesting app's
	// next poll (TakeRecoveryLinkDelivery).
	DeliveryPending bool
	// DeliveredAt is when the requesting app took the link (zero: never).
	DeliveredAt time.Time
	// PasswordProven: whoever filed the request proved the account's
	// password then. Only such a request's link may go to the requesting
	// app; every other link goes by e-mail to the account's address.
	PasswordProven bool
	// ForwardedBy is who forwarded the request to platform support (0:
	// nobody). It stays after the request is decided, unlike DecidedBy.
	ForwardedBy int64
}

// NewRecoveryRequest is the input of CreateRecoveryRequest. TenantID is taken
// from the user when UserID is set.
type NewRecoveryRequest struct {
	UserID             int64
	Email              string
	Message            string
	Phrase             string
	RequesterTokenHash TokenHash
	SourceAddr         string
	// PasswordProven: the filer proved the account's password (ignored
	// when UserID is 0).
	PasswordProven bool
}

// RequestFilter selects recovery requests. Zero fields match all.
type RequestFilter struct {
	TenantID int64
	// TenantIDs, when not empty, keeps requests of any of these tenants
	// (a reseller's own tenant and its customers, in one query).
	TenantIDs []int64
	UserID    int64
	// Unmatched keeps only requests whose e-mail address matched no user.
	Unmatched bool
	Status    RequestStatus
	Limit     int // 0: 100
}

// LinkPurpose binds a recovery link to what it may be used for.
type LinkPurpose string

// Recovery link purposes.
const (
	LinkReenrol2FA LinkPurpose = "reenrol_2fa"
)

// RecoveryLink is a one-time recovery link; only the SHA-256 of its token is stored.
type RecoveryLink struct {
	ID        int64
	UserID    int64
	RequestID int64 // 0: issued directly by an admin
	Purpose   LinkPurpose
	TokenHash TokenHash
	IssuedBy  int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	RevokedAt time.Time
	LapsedAt  time.Time // when LapseRecoveryLinks found it expired unused
}

// NewRecoveryLink is the input of IssueRecoveryLink.
type NewRecoveryLink struct {
	UserID    int64
	RequestID int64
	Purpose   LinkPurpose
	TokenHash TokenHash
	IssuedBy  int64
	ExpiresAt time.Time
	// Delivery, with RequestID set, is the link's token sealed by the
	// caller for the requesting app, which takes it once with
	// TakeRecoveryLinkDelivery. Empty: the link is only e-mailed.
	Delivery EncryptedSecret
}

// SessionScope limits what a session may do.
type SessionScope string

// Session scopes.
const (
	ScopeFull  SessionScope = "full"
	ScopeEnrol SessionScope = "enrol" // granted by a recovery link: can only enrol a new authenticator
)

// Session is a signed-in browser or app session; only the token's digest is stored.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  TokenHash
	Scope      SessionScope
	SourceAddr string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time
	// LastUsedAt is when the session was last used as recorded by
	// TouchSession (CreatedAt until then), for the idle timeout.
	LastUsedAt time.Time
}

// NewSession is the input of CreateSession.
type NewSession struct {
	UserID     int64
	TokenHash  TokenHash
	Scope      SessionScope
	SourceAddr string
	ExpiresAt  time.Time
}

// AuditEntry is one append-only audit event. ActorID 0 means anonymous or the
// system; Details is a JSON object (never a secret).
type AuditEntry struct {
	ID           int64
	At           time.Time
	ActorID      int64
	Action       string
	TargetUserID int64
	TenantID     int64
	SourceAddr   string
	Details      json.RawMessage
}

// AuditFilter selects audit entries, newest first. Zero fields match all.
type AuditFilter struct {
	TenantID     int64
	TargetUserID int64
	ActorID      int64
	Action       string
	Since        time.Time // inclusive
	BeforeID     int64     // paging: entries with ID < BeforeID
	Limit        int       // 0: 100
}

// Store is the portal's persistence. All methods are safe for concurrent use,
// also across processes sharing one database.
type Store interface {
	// Migrate applies the embedded schema migrations not yet recorded in
	// schema_migrations. Idempotent; safe to run from several nodes at once.
	Migrate(ctx context.Context) error
	// SchemaVersion is the highest applied migration (0: none).
	SchemaVersion(ctx context.Context) (int, error)
	Close() error

	// Tenants.
	CreateTenant(ctx context.Context, t NewTenant) (Tenant, error)
	GetTenant(ctx context.Context, id int64) (Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)
	ListChildTenants(ctx context.Context, parentID int64) ([]Tenant, error)
	UpdateTenantPolicy(ctx context.Context, id int64, p TenantPolicy) error

	// Users.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	GetUser(ctx context.Context, id int64) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	UpdateUser(ctx context.Context, id int64, u UserUpdate) (User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]UserListing, error)

	// TOTP factors.
	// BeginTOTPEnrolment stores a pending factor, disabling the user's other pending ones.
	BeginTOTPEnrolment(ctx context.Context, userID int64, secret EncryptedSecret) (TOTPFactor, error)
	// ConfirmTOTPEnrolment activates a pending factor, records step as used,
	// and disables any previously active factor, in one transaction.
	ConfirmTOTPEnrolment(ctx context.Context, factorID, step int64) (TOTPFactor, error)
	GetTOTPFactor(ctx context.Context, factorID int64) (TOTPFactor, error)
	// ActiveTOTPFactor returns the user's confirmed, enabled factor or ErrNotFound.
	ActiveTOTPFactor(ctx context.Context, userID int64) (TOTPFactor, error)
	// AcceptTOTPStep atomically records step if it is greater than the last
	// accepted one; otherwise ErrReplay. Exactly one of concurrent callers wins.
	AcceptTOTPStep(ctx context.Context, factorID, step int64) error
	// DisableTOTPFactors disables all the user's factors (2FA reset, recovery).
	DisableTOTPFactors(ctx context.Context, userID int64) (int64, error)

	// Backup and recovery codes.
	// ReplaceBackupCodes deletes the user's backup codes and stores the new hashes.
	ReplaceBackupCodes(ctx context.Context, userID int64, hashes []string) error
	ListBackupCodes(ctx context.Context, userID int64) ([]BackupCode, error)
	// UseBackupCode atomically marks an unused code used; ErrUsed if it was not.
	UseBackupCode(ctx context.Context, userID, codeID int64) error
	SetRecoveryCode(ctx context.Context, userID int64, hash string) error
	GetRecoveryCode(ctx context.Context, userID int64) (RecoveryCode, error)
	// ReplaceRecoveryCode swaps oldHash for newHash atomically; ErrUsed if
	// oldHash is no longer current (a concurrent use won).
	ReplaceRecoveryCode(ctx context.Context, userID int64, oldHash, newHash string) error

	// E-mail tokens and e-mailed sign-in codes.
	CreateEmailToken(ctx context.Context, t NewEmailToken) (EmailToken, error)
	// ConsumeEmailToken marks the token used in one atomic update. userID 0
	// accepts any user (256-bit link tokens); codes should pass the user.
	ConsumeEmailToken(ctx context.Context, purpose EmailPurpose, h TokenHash, userID int64) (EmailToken, error)

	// Recovery requests.
	CreateRecoveryRequest(ctx context.Context, r NewRecoveryRequest) (RecoveryRequest, error)
	GetRecoveryRequest(ctx context.Context, id int64) (RecoveryRequest, error)
	GetRecoveryRequestByToken(ctx context.Context, h TokenHash) (RecoveryRequest, error)
	ListRecoveryRequests(ctx context.Context, f RequestFilter) ([]RecoveryRequest, error)
	// TransitionRecoveryRequest moves a request from one status to another
	// (compare-and-swap; ErrConflict if it is no longer in from). decidedBy is
	// recorded for approved/denied/forwarded; it may not be the requester.
	TransitionRecoveryRequest(ctx context.Context, id int64, from, to RequestStatus, decidedBy int64) (RecoveryRequest, error)
	// ExpireRecoveryRequests expires open requests created before cutoff and returns their IDs.
	ExpireRecoveryRequests(ctx context.Context, cutoff time.Time) ([]int64, error)

	// Recovery links.
	// IssueRecoveryLink revokes the user's unused links of the same purpose and
	// inserts the new one in one transaction; with RequestID set, the request
	// must be approved (or link_issued) and becomes link_issued, keeping
	// l.Delivery (if any) for the requesting app. Sealed deliveries of the
	// user's other requests are dropped with the links they carried.
	IssueRecoveryLink(ctx context.Context, l NewRecoveryLink) (RecoveryLink, error)
	// TakeRecoveryLinkDelivery hands out the sealed link token of a
	// link_issued request and clears it, atomically: of concurrent callers
	// exactly one gets it, the others (and every later call) ErrNotFound.
	// Redeeming the link, expiring the request or revoking the user's
	// links clears it too.
	TakeRecoveryLinkDelivery(ctx context.Context, requestID int64) (EncryptedSecret, error)
	// GetRecoveryLink looks a link up without consuming it (the GET page).
	GetRecoveryLink(ctx context.Context, h TokenHash) (RecoveryLink, error)
	// RedeemRecoveryLink consumes the link in one atomic UPDATE ... RETURNING:
	// exactly one concurrent caller wins; the others get ErrUsed, ErrRevoked,
	// ErrExpired or ErrNotFound. The linked request becomes completed.
	RedeemRecoveryLink(ctx context.Context, purpose LinkPurpose, h TokenHash) (RecoveryLink, error)
	// RevokeRecoveryLinks revokes the user's unused links (and drops their
	// sealed deliveries); returns the links revoked.
	RevokeRecoveryLinks(ctx context.Context, userID int64) (int64, error)
	// LapseRecoveryLinks marks the links that expired (at or before now)
	// unused and unrevoked and were not marked before, and returns them:
	// each is returned to exactly one caller, once, so its expiry is
	// audited once. now is the caller's clock, like ExpireRecoveryRequests'
	// cutoff, so the portal's notion of "expired" is one clock.
	LapseRecoveryLinks(ctx context.Context, now time.Time) ([]RecoveryLink, error)

	// Sessions.
	CreateSession(ctx context.Context, s NewSession) (Session, error)
	// GetSession returns a live session, or ErrNotFound/ErrExpired/ErrRevoked.
	GetSession(ctx context.Context, h TokenHash) (Session, error)
	RevokeSession(ctx context.Context, h TokenHash) error
	// TouchSession records that the live session h was used at at (the
	// caller's clock, like LapseRecoveryLinks'). LastUsedAt never moves
	// backwards; a revoked or unknown session is left alone. Callers
	// throttle it: it is a write.
	TouchSession(ctx context.Context, h TokenHash, at time.Time) error
	RevokeUserSessions(ctx context.Context, userID int64) (int64, error)
	// RevokeOtherSessions revokes every live session of the user but
	// keepID (the caller's own, after a password change).
	RevokeOtherSessions(ctx context.Context, userID, keepID int64) (int64, error)

	// Remembered sign-in addresses (new-address e-mail verification).
	RememberAddress(ctx context.Context, userID int64, addr string) error
	IsKnownAddress(ctx context.Context, userID int64, addr string) (bool, error)

	// HitRateLimit increments the fixed-window counter for key and returns the
	// count within the current window. Keys are built by the caller and should
	// not contain raw emails (hash them).
	HitRateLimit(ctx context.Context, key string, window time.Duration) (int64, error)

	// Audit log: append and read only. There is deliberately no update or
	// delete; the schema refuses them too.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// PruneExpired deletes expired sessions, e-mail tokens and rate-limit
	// windows (never audit entries, links or requests). Returns rows deleted.
	PruneExpired(ctx context.Context) (int64, error)
}

// Options configure an implementation.
type Options struct {
	// Now is the store's clock (default time.Now). Expiry checks compare
	// against it, so all portal nodes should run NTP.
	Now func() time.Time
	// MaxOpenConns bounds the connection pool (PostgreSQL; SQLite readers). 0: 10.
	MaxOpenConns int
}

// NormalizeEmail returns the form used for uniqueness and look-ups
// (users.email_norm): trimmed, in Unicode NFC (one text typed with
// composed or decomposed accents, or a canonical equivalent such as the
// Kelvin sign for K, is one address), with ASCII letters, and only those,
// lower-cased. Full Unicode case mapping is what it must not do:
// strings.ToLower maps "İ" (U+0130) to "i", so "admİn@…" would sign in
// as, and file recovery requests for, "admin@…". Non-ASCII letters are
// matched as typed.
func NormalizeEmail(email string) string {
	return strings.Map(asciiLower, norm.NFC.String(strings.TrimSpace(email)))
}

func asciiLower(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + ('a' - 'A')
	}
	return r
}

// EmailSkeleton folds an address so that addresses a reader cannot tell
// apart meet (users.email_skeleton, unique): compatibility forms are
// decomposed (NFKD: fullwidth letters, the Kelvin sign, mathematical
// letters, ligatures), combining marks and invisible format characters
// (zero-width joiners, soft hyphens) dropped, letters lower-cased in full,
// and the letters of other scripts that look like Latin ones (a short
// list, not Unicode's whole confusables table: Cyrillic, Greek and
// Armenian look-alikes, dotless i, stroked letters) mapped to those. It
// is never used to find an account, only to refuse a new one that would
// look like another. An ASCII address's skeleton is its NormalizeEmail:
// look-alikes within ASCII (rn and m, 0 and O, l and 1) are not folded.
func EmailSkeleton(email string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(norm.NFKD.String(strings.TrimSpace(email))) {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
			continue
		case r >= utf8.RuneSelf:
			if l, ok := latinLookAlike[r]; ok {
				r = l
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latinLookAlike maps lower-case letters of other scripts (and Latin
// letters NFKD leaves whole) to the ASCII letter they pass for, in lower
// or upper case.
var latinLookAlike = map[rune]rune{
	// Cyrillic.
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'н': 'h', 'і': 'i', 'ј': 'j', 'к': 'k',
	'ӏ': 'l', 'м': 'm', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'ԝ': 'w', 'х': 'x',
	// Greek.
	'α': 'a', 'β': 'b', 'ϲ': 'c', 'ε': 'e', 'ι': 'i', 'ϳ': 'j', 'κ': 'k', 'μ': 'm', 'ν': 'v', 'ο': 'o',
	'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ζ': 'z',
	// Armenian.
	'օ': 'o', 'ս': 'u', 'հ': 'h', 'ո': 'n',
	// Latin letters without a decomposition.
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɡ': 'g', 'ɩ': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ƅ': 'b',
}
