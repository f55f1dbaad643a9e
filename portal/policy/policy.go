// Package policy owns the portal's authorisation rules: which signed-in
// user may do what to which other user, given their roles and how their
// tenants are related. It is pure (no store, no HTTP), so every rule is a
// table test and the HTTP layer asks one question per action: Check.
//
// The rules, from the help pages of the portals Latchkey works with:
//
//   - Roles, most to least privileged: owner, admin, technician, read-only.
//     Owners do everything; admins do everything but manage the tenant
//     itself (2FA policy, SSO, IP allow list, child tenants) and act on
//     owners; technicians see the directory and the recovery queue and may
//     forward requests; read-only users see the directory.
//   - Nobody approves, denies or fulfils their own recovery request, or
//     resets their own 2FA through the admin path.
//   - Only an owner recovers or resets an owner.
//   - A reseller's admins see their customers' (child tenants') users and
//     requests but cannot reset or recover them: they forward the request to
//     the platform's support queue instead.
//   - A reseller's owners and admins add users to a direct child tenant (a
//     new customer has nobody else to add its first users); only owners
//     add owners there too.
//   - A tenant's audit log is read by its owners and admins, and by its
//     reseller's owners and admins: a customer tenant whose owner left, or
//     that never had one (a reseller made it), still has readers, and the
//     reseller answers for what happens in its customers' tenants.
//     Technicians and read-only users read no audit log.
//   - Platform support (owners and admins of the platform tenant, the
//     install's first tenant) decides forwarded requests of any tenant, and
//     nothing else outside its own tenant.
//   - Anything else across tenants is denied as if the target did not
//     exist (Denial.Hide), so the API does not reveal other tenants' users.
package policy

import (
	"fmt"

	"github.com/latchkey/latchkey/portal/store"
)

// Action is something a signed-in user asks to do to a target user (or to
// the target's tenant).
type Action string

// Actions.
const (
	ViewDirectory  Action = "view_directory"  // list users and their 2FA status
	ViewRequests   Action = "view_requests"   // see recovery requests (with the phrase)
	DecideRequest  Action = "decide_request"  // approve or deny a recovery request
	ForwardRequest Action = "forward_request" // send a request to platform support
	IssueLink      Action = "issue_link"      // issue a one-time recovery link
	ResetFactor    Action = "reset_2fa"       // disable the target's 2FA: re-enrol at next sign-in
	SetIPSkip      Action = "set_ip_skip"     // turn new-address verification off or on for the target
	ManageUsers    Action = "manage_users"    // create users in the target's tenant (own or a direct child)
	ManageTenant   Action = "manage_tenant"   // 2FA/SSO policy, IP allow list, child tenants
	ViewAudit      Action = "view_audit"      // read the target tenant's audit log
)

// Actions lists every action, for matrix tests.
var Actions = []Action{ViewDirectory, ViewRequests, DecideRequest, ForwardRequest, IssueLink, ResetFactor, SetIPSkip, ManageUsers, ManageTenant, ViewAudit}

// Actor is the signed-in user asking.
type Actor struct {
	UserID   int64
	TenantID int64
	Role     store.Role
	// Platform: the actor's tenant is the platform tenant (its support
	// queue receives forwarded requests).
	Platform bool
}

// Target is who (or whose tenant) the action is on. For tenant-wide
// actions (ManageTenant, ViewAudit, ManageUsers, ViewDirectory of a whole
// tenant) UserID is 0 and Role empty.
type Target struct {
	UserID         int64
	Role           store.Role
	TenantID       int64
	TenantParentID int64 // the target tenant's reseller, 0 if none
	// Forwarded: the action is on a recovery request that was forwarded to
	// platform support.
	Forwarded bool
}

// Relation is how the target's tenant relates to the actor's.
type Relation int

// Relations.
const (
	Other Relation = iota // unrelated tenant (or a grandchild)
	Own                   // the actor's own tenant
	Child                 // a customer tenant of the actor's (reseller) tenant
)

func (r Relation) String() string {
	switch r {
	case Own:
		return "own tenant"
	case Child:
		return "child tenant"
	}
	return "other tenant"
}

// Relate says how target's tenant relates to actor's.
func Relate(a Actor, t Target) Relation {
	switch {
	case t.TenantID == a.TenantID:
		return Own
	case t.TenantParentID != 0 && t.TenantParentID == a.TenantID:
		return Child
	}
	return Other
}

// Denial is a refused action. Reason is one sentence for the actor (it
// names roles and rules, never the target's data). Hide means answer as if
// the target did not exist (404), because the actor may not learn that it
// does.
type Denial struct {
	Action Action
	Reason string
	Hide   bool
}

func (d *Denial) Error() string { return fmt.Sprintf("%s refused: %s", d.Action, d.Reason) }

// Check returns nil when actor may do action to target, else a *Denial.
func Check(a Actor, action Action, t Target) error {
	if !a.Role.Valid() {
		return &Denial{Action: action, Reason: "your account has no valid role", Hide: true}
	}
	rel := Relate(a, t)
	// Platform support decides forwarded requests of any tenant, its own
	// customers' included: as their reseller it could not.
	if rel != Own && a.Platform && t.Forwarded && isAdmin(a.Role) && (action == ViewRequests || action == DecideRequest || action == IssueLink) {
		return checkTarget(a, action, t)
	}
	if rel == Other {
		return &Denial{Action: action, Reason: "the account is not in your tenant", Hide: true}
	}
	if !roleAllows(a.Role, action) {
		return &Denial{Action: action, Reason: fmt.Sprintf("the %s role cannot %s", roleName(a.Role), describe(action))}
	}
	if rel == Child {
		switch action {
		case ViewDirectory, ViewRequests, ForwardRequest:
			return nil
		case ManageUsers, ViewAudit:
			// Owners and admins only (roleAllows); for ManageUsers,
			// owners for owners (checkTarget).
			return checkTarget(a, action, t)
		}
		return &Denial{Action: action, Reason: "admins of a reseller cannot " + describe(action) + " for a customer tenant's accounts; forward the request to platform support"}
	}
	return checkTarget(a, action, t)
}

// checkTarget applies the rules about who the target user is.
func checkTarget(a Actor, action Action, t Target) error {
	if action == ManageUsers && t.Role == store.RoleOwner && a.Role != store.RoleOwner {
		return &Denial{Action: action, Reason: "only an owner may add or change an owner"}
	}
	if t.UserID == 0 {
		return nil
	}
	switch action {
	case DecideRequest, IssueLink, ResetFactor, SetIPSkip:
		if t.UserID == a.UserID {
			return &Denial{Action: action, Reason: "nobody may " + describe(action) + " for their own account; ask another admin"}
		}
		if t.Role == store.RoleOwner && a.Role != store.RoleOwner {
			return &Denial{Action: action, Reason: "only an owner may " + describe(action) + " for an owner"}
		}
	}
	return nil
}

func isAdmin(r store.Role) bool { return r == store.RoleOwner || r == store.RoleAdmin }

func roleAllows(r store.Role, action Action) bool {
	switch r {
	case store.RoleOwner:
		return true
	case store.RoleAdmin:
		return action != ManageTenant
	case store.RoleTechnician:
		return action == ViewDirectory || action == ViewRequests || action == ForwardRequest
	case store.RoleReadOnly:
		return action == ViewDirectory
	}
	return false
}

func roleName(r store.Role) string {
	if r == store.RoleReadOnly {
		return "read-only"
	}
	return string(r)
}

func describe(a Action) string {
	switch a {
	case ViewDirectory:
		return "see the team directory"
	case ViewRequests:
		return "see recovery requests"
	case DecideRequest:
		return "approve or deny recovery requests"
	case ForwardRequest:
		return "forward recovery requests"
	case IssueLink:
		return "issue recovery links"
	case ResetFactor:
		return "reset 2FA"
	case SetIPSkip:
		return "change IP verification"
	case ManageUsers:
		return "add users"
	case ManageTenant:
		return "change the tenant's settings"
	case ViewAudit:
		return "read the audit log"
	}
	return string(a)
}
