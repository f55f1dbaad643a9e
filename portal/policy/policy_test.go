package policy

import (
	"errors"
	"testing"

	"github.com/latchkey/latchkey/portal/store"
)

// Tenants: 1 is the platform, 2 a reseller under it, 3 a customer of 2,
// 4 an unrelated tenant, 5 a customer of 3 (a grandchild of 2).
const (
	platform = 1
	reseller = 2
	customer = 3
	stranger = 4
	grand    = 5
)

var parents = map[int64]int64{platform: 0, reseller: platform, customer: reseller, stranger: 0, grand: customer}

func actor(id int64, tenant int64, role store.Role) Actor {
	return Actor{UserID: id, TenantID: tenant, Role: role, Platform: tenant == platform}
}

func target(id int64, tenant int64, role store.Role) Target {
	return Target{UserID: id, TenantID: tenant, TenantParentID: parents[tenant], Role: role}
}

func TestCheck(t *testing.T) {
	fwd := target(30, customer, store.RoleAdmin)
	fwd.Forwarded = true
	tests := []struct {
		name   string
		a      Actor
		action Action
		t      Target
		allow  bool
		hide   bool
	}{
		{"owner resets admin", actor(1, reseller, store.RoleOwner), ResetFactor, target(2, reseller, store.RoleAdmin), true, false},
		{"admin resets technician", actor(1, reseller, store.RoleAdmin), ResetFactor, target(2, reseller, store.RoleTechnician), true, false},
		{"admin resets owner", actor(1, reseller, store.RoleAdmin), ResetFactor, target(2, reseller, store.RoleOwner), false, false},
		{"admin approves owner's request", actor(1, reseller, store.RoleAdmin), DecideRequest, target(2, reseller, store.RoleOwner), false, false},
		{"owner approves owner's request", actor(1, reseller, store.RoleOwner), DecideRequest, target(2, reseller, store.RoleOwner), true, false},
		{"owner approves own request", actor(1, reseller, store.RoleOwner), DecideRequest, target(1, reseller, store.RoleOwner), false, false},
		{"admin resets self", actor(1, reseller, store.RoleAdmin), ResetFactor, target(1, reseller, store.RoleAdmin), false, false},
		{"admin issues link to self", actor(1, reseller, store.RoleAdmin), IssueLink, target(1, reseller, store.RoleAdmin), false, false},
		{"technician views directory", actor(1, reseller, store.RoleTechnician), ViewDirectory, target(0, reseller, ""), true, false},
		{"technician views requests", actor(1, reseller, store.RoleTechnician), ViewRequests, target(2, reseller, store.RoleAdmin), true, false},
		{"technician forwards", actor(1, reseller, store.RoleTechnician), ForwardRequest, target(2, reseller, store.RoleAdmin), true, false},
		{"technician approves", actor(1, reseller, store.RoleTechnician), DecideRequest, target(2, reseller, store.RoleReadOnly), false, false},
		{"technician audit", actor(1, reseller, store.RoleTechnician), ViewAudit, target(0, reseller, ""), false, false},
		{"read-only directory", actor(1, reseller, store.RoleReadOnly), ViewDirectory, target(0, reseller, ""), true, false},
		{"read-only requests", actor(1, reseller, store.RoleReadOnly), ViewRequests, target(2, reseller, store.RoleAdmin), false, false},
		{"admin manages tenant", actor(1, reseller, store.RoleAdmin), ManageTenant, target(0, reseller, ""), false, false},
		{"owner manages tenant", actor(1, reseller, store.RoleOwner), ManageTenant, target(0, reseller, ""), true, false},
		{"admin adds admin", actor(1, reseller, store.RoleAdmin), ManageUsers, target(0, reseller, store.RoleAdmin), true, false},
		{"admin adds owner", actor(1, reseller, store.RoleAdmin), ManageUsers, target(0, reseller, store.RoleOwner), false, false},
		{"owner adds owner", actor(1, reseller, store.RoleOwner), ManageUsers, target(0, reseller, store.RoleOwner), true, false},
		{"admin audit", actor(1, reseller, store.RoleAdmin), ViewAudit, target(0, reseller, ""), true, false},

		{"reseller sees customer directory", actor(1, reseller, store.RoleAdmin), ViewDirectory, target(0, customer, ""), true, false},
		{"reseller sees customer requests", actor(1, reseller, store.RoleAdmin), ViewRequests, target(30, customer, store.RoleAdmin), true, false},
		{"reseller forwards customer request", actor(1, reseller, store.RoleOwner), ForwardRequest, target(30, customer, store.RoleAdmin), true, false},
		{"reseller owner resets customer", actor(1, reseller, store.RoleOwner), ResetFactor, target(30, customer, store.RoleReadOnly), false, false},
		{"reseller owner approves customer", actor(1, reseller, store.RoleOwner), DecideRequest, target(30, customer, store.RoleReadOnly), false, false},
		{"reseller owner links customer", actor(1, reseller, store.RoleOwner), IssueLink, target(30, customer, store.RoleReadOnly), false, false},
		{"reseller owner IP skip customer", actor(1, reseller, store.RoleOwner), SetIPSkip, target(30, customer, store.RoleReadOnly), false, false},
		{"reseller owner manages customer", actor(1, reseller, store.RoleOwner), ManageTenant, target(0, customer, ""), false, false},
		{"reseller audit of customer", actor(1, reseller, store.RoleOwner), ViewAudit, target(0, customer, ""), true, false},
		{"reseller admin adds a customer's technician", actor(1, reseller, store.RoleAdmin), ManageUsers, target(0, customer, store.RoleTechnician), true, false},
		{"reseller owner adds a customer's owner", actor(1, reseller, store.RoleOwner), ManageUsers, target(0, customer, store.RoleOwner), true, false},
		{"reseller admin adds a customer's owner", actor(1, reseller, store.RoleAdmin), ManageUsers, target(0, customer, store.RoleOwner), false, false},
		{"reseller technician adds a customer's user", actor(1, reseller, store.RoleTechnician), ManageUsers, target(0, customer, store.RoleReadOnly), false, false},
		{"reseller adds to a grandchild", actor(1, reseller, store.RoleOwner), ManageUsers, target(0, grand, store.RoleReadOnly), false, true},
		{"customer adds to its reseller", actor(30, customer, store.RoleOwner), ManageUsers, target(0, reseller, store.RoleReadOnly), false, true},
		{"stranger adds to a customer", actor(40, stranger, store.RoleOwner), ManageUsers, target(0, customer, store.RoleReadOnly), false, true},
		{"read-only reseller forwards", actor(1, reseller, store.RoleReadOnly), ForwardRequest, target(30, customer, store.RoleAdmin), false, false},

		{"grandchild is other", actor(1, reseller, store.RoleOwner), ViewDirectory, target(0, grand, ""), false, true},
		{"stranger directory", actor(1, reseller, store.RoleOwner), ViewDirectory, target(0, stranger, ""), false, true},
		{"stranger reset", actor(1, reseller, store.RoleOwner), ResetFactor, target(40, stranger, store.RoleAdmin), false, true},
		{"customer admin reaches reseller", actor(30, customer, store.RoleOwner), ResetFactor, target(2, reseller, store.RoleAdmin), false, true},

		{"platform decides forwarded", actor(1, platform, store.RoleAdmin), DecideRequest, fwd, true, false},
		{"platform links forwarded", actor(1, platform, store.RoleOwner), IssueLink, fwd, true, false},
		{"platform sees forwarded", actor(1, platform, store.RoleAdmin), ViewRequests, fwd, true, false},
		{"platform resets forwarded user", actor(1, platform, store.RoleAdmin), ResetFactor, fwd, false, true},
		{"platform technician decides forwarded", actor(1, platform, store.RoleTechnician), DecideRequest, fwd, false, true},
		{"platform decides unforwarded", actor(1, platform, store.RoleAdmin), DecideRequest, target(30, customer, store.RoleAdmin), false, true},
		{"platform admin decides forwarded owner", actor(1, platform, store.RoleAdmin), DecideRequest, Target{UserID: 31, TenantID: customer, TenantParentID: reseller, Role: store.RoleOwner, Forwarded: true}, false, false},
		{"non-platform decides forwarded", actor(40, stranger, store.RoleOwner), DecideRequest, fwd, false, true},
		{"platform decides its own customer's forwarded", actor(1, platform, store.RoleAdmin), DecideRequest, Target{UserID: 20, TenantID: reseller, TenantParentID: platform, Role: store.RoleTechnician, Forwarded: true}, true, false},
		{"platform technician decides its customer's forwarded", actor(1, platform, store.RoleTechnician), DecideRequest, Target{UserID: 20, TenantID: reseller, TenantParentID: platform, Role: store.RoleTechnician, Forwarded: true}, false, false},

		{"invalid role", Actor{UserID: 1, TenantID: reseller, Role: "root"}, ViewDirectory, target(0, reseller, ""), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.a, tt.action, tt.t)
			if (err == nil) != tt.allow {
				t.Fatalf("Check = %v, want allow=%v", err, tt.allow)
			}
			if err == nil {
				return
			}
			var d *Denial
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *Denial", err)
			}
			if d.Hide != tt.hide {
				t.Errorf("Hide = %v, want %v (%s)", d.Hide, tt.hide, d.Reason)
			}
			if d.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

// TestNoEscalation: across every role, action and relation, a less
// privileged role is never allowed something a more privileged one in the
// same position is refused.
func TestNoEscalation(t *testing.T) {
	roles := []store.Role{store.RoleOwner, store.RoleAdmin, store.RoleTechnician, store.RoleReadOnly}
	for _, tenant := range []int64{platform, reseller, customer, stranger, grand} {
		for _, targetRole := range append(roles, "") {
			for _, action := range Actions {
				for _, fwd := range []bool{false, true} {
					tg := target(99, tenant, targetRole)
					tg.Forwarded = fwd
					for i := 1; i < len(roles); i++ {
						lo := Check(actor(1, reseller, roles[i]), action, tg) == nil
						hi := Check(actor(1, reseller, roles[i-1]), action, tg) == nil
						if lo && !hi {
							t.Errorf("%s may %s on %v/%s but %s may not", roles[i], action, tenant, targetRole, roles[i-1])
						}
					}
				}
			}
		}
	}
}

// TestSecurityAuditReaders: every tenant keeps someone who may read its
// audit log, also one without an owner: its own owners and admins, and
// its reseller's owners and admins (one level up only). Technicians and
// read-only users read none; unrelated tenants and the grandparent are
// hidden (404), like a tenant that does not exist. The tenants are named
// so that each row reads as the rule.
func TestSecurityAuditReaders(t *testing.T) {
	// Acme is a reseller under the platform; Globex and Initech are Acme's
	// customers (Initech has admins but no owner: it never had one);
	// Hooli is Globex's own customer; Umbrella is unrelated.
	const (
		plat     = 100
		acme     = 101
		globex   = 102
		initech  = 103
		hooli    = 104
		umbrella = 105
	)
	parent := map[int64]int64{acme: plat, globex: acme, initech: acme, hooli: globex}
	who := func(tenant int64, role store.Role) Actor {
		return Actor{UserID: 7, TenantID: tenant, Role: role, Platform: tenant == plat}
	}
	log := func(tenant int64) Target { return Target{TenantID: tenant, TenantParentID: parent[tenant]} }
	tests := []struct {
		name  string
		a     Actor
		log   int64
		allow bool
		hide  bool
	}{
		{"Initech's admin reads Initech's log (no owner there)", who(initech, store.RoleAdmin), initech, true, false},
		{"Globex's owner reads Globex's log", who(globex, store.RoleOwner), globex, true, false},
		{"Globex's admin reads Globex's log", who(globex, store.RoleAdmin), globex, true, false},
		{"Acme's owner reads Initech's log", who(acme, store.RoleOwner), initech, true, false},
		{"Acme's admin reads Initech's log", who(acme, store.RoleAdmin), initech, true, false},
		{"Acme's admin reads Globex's log", who(acme, store.RoleAdmin), globex, true, false},
		{"Acme's admin reads Acme's log", who(acme, store.RoleAdmin), acme, true, false},
		{"the platform's admin reads Acme's log (its customer)", who(plat, store.RoleAdmin), acme, true, false},
		{"Acme's technician reads no customer's log", who(acme, store.RoleTechnician), initech, false, false},
		{"Acme's read-only user reads no customer's log", who(acme, store.RoleReadOnly), globex, false, false},
		{"Initech's technician reads not even Initech's log", who(initech, store.RoleTechnician), initech, false, false},
		{"Acme's owner does not read Hooli's log (a grandchild)", who(acme, store.RoleOwner), hooli, false, true},
		{"the platform's owner does not read Globex's log (a grandchild)", who(plat, store.RoleOwner), globex, false, true},
		{"Initech's admin does not read Acme's log (its reseller)", who(initech, store.RoleAdmin), acme, false, true},
		{"Initech's admin does not read Globex's log (a sibling)", who(initech, store.RoleAdmin), globex, false, true},
		{"Umbrella's owner does not read Initech's log", who(umbrella, store.RoleOwner), initech, false, true},
		{"Acme's owner does not read Umbrella's log", who(acme, store.RoleOwner), umbrella, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.a, ViewAudit, log(tc.log))
			if (err == nil) != tc.allow {
				t.Fatalf("Check = %v, want allow=%v", err, tc.allow)
			}
			var d *Denial
			if err != nil && (!errors.As(err, &d) || d.Hide != tc.hide || d.Reason == "") {
				t.Fatalf("denial %#v, want Hide=%v with a reason", err, tc.hide)
			}
		})
	}
}
