package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Admin API paths. Per-user and per-tenant paths are built by
// AdminUserPath and AdminTenantPolicyPath.
const (
	// PathAdminUsers answers GET with an AdminUserList (the team
	// directory; query: AdminUserQuery) and POST with an AdminUserCreate
	// body: 201 and an AdminUserAnswer.
	PathAdminUsers = "/v1/admin/users"
	// PathAdminTenants answers GET with an AdminTenantList and POST with an
	// AdminTenantCreate body: 201 and an AdminTenantAnswer.
	PathAdminTenants = "/v1/admin/tenants"
	// PathAdminAudit answers GET with an AdminAuditPage (query:
	// AdminAuditQuery).
	PathAdminAudit = "/v1/admin/audit"
)

// Per-user admin actions: the last element of /v1/admin/users/{id}/….
const (
	// AdminUserReset2FA takes POST without a body: the user's 2FA is reset.
	AdminUserReset2FA = "reset-2fa"
	// AdminUserIPVerification takes PUT with an AdminIPVerification body.
	AdminUserIPVerification = "ip-verification"
	// AdminUserLock takes PUT with an AdminLock body.
	AdminUserLock = "lock"
)

// AdminUserPath is the path of a per-user admin action (one of the
// AdminUser* constants) on user id.
func AdminUserPath(id int64, action string) string {
	return PathAdminUsers + "/" + strconv.FormatInt(id, 10) + "/" + action
}

// AdminTenantPolicyPath is the path of tenant id's policy (PUT with an
// AdminTenantPolicy body).
func AdminTenantPolicyPath(id int64) string {
	return PathAdminTenants + "/" + strconv.FormatInt(id, 10) + "/policy"
}

// Actions an admin may be offered on a user (AdminAction.Action) or on a
// tenant (AdminTenant.Actions).
const (
	AdminActionReset2FA      = "reset_2fa"      // POST …/reset-2fa
	AdminActionSetIPSkip     = "set_ip_skip"    // PUT …/ip-verification
	AdminActionLock          = "lock"           // PUT …/lock (locking and unlocking)
	AdminActionIssueLink     = "issue_link"     // issue a one-time recovery link
	AdminActionViewDirectory = "view_directory" // list the tenant's users
	AdminActionManageUsers   = "manage_users"   // add users to the tenant
	AdminActionManageTenant  = "manage_tenant"  // change the tenant's policy, add child tenants
	AdminActionViewAudit     = "view_audit"     // read the tenant's audit log
)

// Two-factor status filters of the team directory (AdminUserQuery.Status).
const (
	AdminStatusEnrolled        = "enrolled"
	AdminStatusNotEnrolled     = "not_enrolled"
	AdminStatusRecoveryPending = "recovery_pending"
	AdminStatusLocked          = "locked"
)

// Roles of portal users.
const (
	AdminRoleOwner      = "owner"
	AdminRoleAdmin      = "admin"
	AdminRoleTechnician = "technician"
	AdminRoleReadOnly   = "read_only"
)

// Bounds of the admin API, checked by the portal.
const (
	// MaxAdminPageSize bounds AdminUserQuery.Limit and AdminAuditQuery.Limit.
	MaxAdminPageSize = 500
	// DefaultAdminUserPage and DefaultAdminAuditPage are the page sizes
	// when no limit is given.
	DefaultAdminUserPage  = 100
	DefaultAdminAuditPage = 50
	// MaxAdminNameRunes bounds a user's or a tenant's name, in characters.
	MaxAdminNameRunes = 200
	// MaxAllowListEntries bounds a tenant's IP allow list.
	MaxAllowListEntries = 100
)

// AdminAction says whether the signed-in user may take one action on a
// user or tenant, and if not, why (one sentence to show next to the greyed
// out control). The portal checks again when the action is taken.
type AdminAction struct {
	Action  string `json:"action"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

// AdminUser is one row of the team directory.
type AdminUser struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	// Enrolled: an authenticator is set up and active.
	Enrolled bool `json:"enrolled"`
	// RecoveryPending: a recovery request is open (pending, approved,
	// forwarded or with a link issued).
	RecoveryPending    bool          `json:"recovery_pending"`
	Locked             bool          `json:"locked"`
	EmailVerified      bool          `json:"email_verified"`
	SkipIPVerification bool          `json:"skip_ip_verification"`
	CreatedAt          time.Time     `json:"created_at"`
	Actions            []AdminAction `json:"actions"`
}

// Allowed reports whether the row offers action to the signed-in user.
func (u AdminUser) Allowed(action string) bool { return adminAllowed(u.Actions, action) }

func adminAllowed(actions []AdminAction, action string) bool {
	for _, a := range actions {
		if a.Action == action {
			return a.Allowed
		}
	}
	return false
}

// AdminUserQuery filters and pages the team directory. Zero fields match
// everything; TenantID 0 is the signed-in user's own tenant.
type AdminUserQuery struct {
	Query    string // case-insensitive substring of the name or e-mail address ("q")
	Role     string // one of the AdminRole constants
	Status   string // one of the AdminStatus constants
	TenantID int64  // the own tenant or a child tenant (read-only)
	Offset   int
	Limit    int // 0: DefaultAdminUserPage; at most MaxAdminPageSize
}

// AdminUserList is the answer of GET /v1/admin/users. ReadOnly: the
// listing is of a child tenant, whose accounts a reseller sees but does not
// manage. NextOffset, when not 0, asks for the next page.
type AdminUserList struct {
	TenantID   int64       `json:"tenant_id"`
	ReadOnly   bool        `json:"read_only"`
	Total      int         `json:"total"`
	Users      []AdminUser `json:"users"`
	NextOffset int         `json:"next_offset,omitempty"`
}

// AdminUserCreate is the body of POST /v1/admin/users: a user in the
// signed-in admin's tenant, or in TenantID (one of its direct child
// tenants; 0: the admin's own), with an initial password the admin hands
// over. The address is unverified until the user's first sign-in, which
// also enrols their authenticator. String and LogValue redact the password.
type AdminUserCreate struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
	TenantID int64  `json:"tenant_id,omitempty"`
}

// String prints the role and tenant only; the address, name and password
// are withheld.
func (c AdminUserCreate) String() string {
	return fmt.Sprintf("AdminUserCreate{role: %q, tenant_id: %d, email: %d bytes, name: %d bytes, password: [REDACTED]}", c.Role, c.TenantID, len(c.Email), len(c.Name))
}

// GoString is String, so %#v prints no password either.
func (c AdminUserCreate) GoString() string { return c.String() }

// LogValue keeps the password (and the personal data) out of log/slog output.
func (c AdminUserCreate) LogValue() slog.Value { return slog.StringValue(c.String()) }

// AdminUserAnswer is the answer of every change to one user: the user's
// directory row after the change.
type AdminUserAnswer struct {
	User AdminUser `json:"user"`
}

// AdminIPVerification is the body of PUT /v1/admin/users/{id}/ip-verification.
// Skip: sign-ins from new addresses need no e-mail confirmation.
type AdminIPVerification struct {
	Skip bool `json:"skip"`
}

// AdminLock is the body of PUT /v1/admin/users/{id}/lock. Locking ends the
// user's sessions and refuses their sign-ins until unlocked.
type AdminLock struct {
	Locked bool `json:"locked"`
}

// AdminTenantPolicy is a tenant's 2FA policy. Require2FA may be false only
// with SSOEnforced; IPAllowList holds CIDR prefixes ("203.0.113.0/24",
// "2001:db8::/48"), empty for any address.
type AdminTenantPolicy struct {
	Require2FA      bool     `json:"require_2fa"`
	AllowEmailCodes bool     `json:"allow_email_codes"`
	SSOEnforced     bool     `json:"sso_enforced"`
	IPAllowList     []string `json:"ip_allow_list"`
}

// AdminTenant is a tenant the signed-in user can see: their own (Relation
// "own") or a customer of it ("child"), with the actions they may take on
// it.
type AdminTenant struct {
	ID        int64             `json:"id"`
	ParentID  int64             `json:"parent_id,omitempty"`
	Name      string            `json:"name"`
	Relation  string            `json:"relation"`
	Policy    AdminTenantPolicy `json:"policy"`
	CreatedAt time.Time         `json:"created_at"`
	Actions   []AdminAction     `json:"actions"`
}

// Allowed reports whether the tenant offers action to the signed-in user.
func (t AdminTenant) Allowed(action string) bool { return adminAllowed(t.Actions, action) }

// Tenant relations (AdminTenant.Relation).
const (
	AdminRelationOwn   = "own"
	AdminRelationChild = "child"
)

// AdminTenantList is the answer of GET /v1/admin/tenants: the own tenant
// first, then its child tenants by id.
type AdminTenantList struct {
	Tenants []AdminTenant `json:"tenants"`
}

// AdminTenantCreate is the body of POST /v1/admin/tenants: a child tenant
// of the signed-in owner's tenant.
type AdminTenantCreate struct {
	Name string `json:"name"`
}

// AdminTenantAnswer is the answer of a change to one tenant.
type AdminTenantAnswer struct {
	Tenant AdminTenant `json:"tenant"`
}

// AdminAuditQuery filters and pages the audit log. TenantID 0 is the
// signed-in user's own tenant; Before (an entry id) asks for the entries
// older than it.
type AdminAuditQuery struct {
	TenantID int64
	UserID   int64 // the entries about this user
	Action   string
	Before   int64
	Limit    int // 0: DefaultAdminAuditPage; at most MaxAdminPageSize
}

// AdminAuditEntry is one audit log entry. ActorID 0 is the system or an
// anonymous requester; Details is a JSON object that holds no secret.
type AdminAuditEntry struct {
	ID           int64           `json:"id"`
	At           time.Time       `json:"at"`
	ActorID      int64           `json:"actor_id"`
	Action       string          `json:"action"`
	TargetUserID int64           `json:"target_user_id"`
	TenantID     int64           `json:"tenant_id"`
	SourceAddr   string          `json:"source_addr"`
	Details      json.RawMessage `json:"details"`
}

// AdminAuditPage is the answer of GET /v1/admin/audit, newest first.
// NextBefore, when not 0, is the Before of the next (older) page.
type AdminAuditPage struct {
	Entries    []AdminAuditEntry `json:"entries"`
	NextBefore int64             `json:"next_before,omitempty"`
}
