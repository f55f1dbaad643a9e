package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// Admin carries out an admin's calls with a session kept in the vault
// (see SignIn). A portal that no longer accepts the session makes the call
// fail with ErrSessionEnded and drops the session from the vault. Other
// refusals are the portal's *sync.APIError: 403 with the policy's reason,
// 404 for what the admin may not see.
type Admin struct {
	c  *Companion
	s  Session
	cl *lksync.Client
}

// Admin returns the admin calls of the kept session to the portal at
// portalURL ("": the only one kept).
func (c *Companion) Admin(portalURL string) (*Admin, error) {
	s, err := c.SessionFor(portalURL)
	if err != nil {
		return nil, err
	}
	cl, err := c.Client(s.Portal)
	if err != nil {
		return nil, err
	}
	return &Admin{c: c, s: s, cl: cl}, nil
}

// Session is the session the calls use.
func (a *Admin) Session() Session { return a.s }

// check turns a refused session into ErrSessionEnded (and forgets it).
func (a *Admin) check(err error) error {
	var apiErr *api.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		if ferr := a.c.forgetSessions([]Session{a.s}); ferr != nil {
			return fmt.Errorf("%w at %s, and the vault could not drop it: %v", ErrSessionEnded, a.s.Portal, ferr)
		}
		return fmt.Errorf("%w at %s", ErrSessionEnded, a.s.Portal)
	}
	return err
}

// Who asks the portal who the session is.
func (a *Admin) Who(ctx context.Context) (api.SessionInfo, error) {
	info, err := a.cl.Session(ctx, a.s.token)
	return info, a.check(err)
}

// Users lists the team directory.
func (a *Admin) Users(ctx context.Context, q api.AdminUserQuery) (api.AdminUserList, error) {
	out, err := a.cl.AdminUsers(ctx, a.s.token, q)
	return out, a.check(err)
}

// Requests lists the recovery queue (status "": all states).
func (a *Admin) Requests(ctx context.Context, status string) ([]api.RecoveryQueueItem, error) {
	out, err := a.cl.ListRecoveryRequests(ctx, a.s.token, status)
	return out, a.check(err)
}

// Approve approves request id with the phrase read back with the user.
func (a *Admin) Approve(ctx context.Context, id int64, phrase string) (api.RecoveryDecision, error) {
	out, err := a.cl.Approve(ctx, a.s.token, id, phrase)
	return out, a.check(err)
}

// Deny denies request id; reason ("": none) is e-mailed to the user.
func (a *Admin) Deny(ctx context.Context, id int64, reason string) (api.RecoveryDecision, error) {
	out, err := a.cl.Deny(ctx, a.s.token, id, reason)
	return out, a.check(err)
}

// Forward sends request id on to platform support.
func (a *Admin) Forward(ctx context.Context, id int64) (api.RecoveryDecision, error) {
	out, err := a.cl.Forward(ctx, a.s.token, id)
	return out, a.check(err)
}

// IssueLink has a one-time recovery link e-mailed to user id.
func (a *Admin) IssueLink(ctx context.Context, userID int64) (api.IssuedLink, error) {
	out, err := a.cl.IssueLink(ctx, a.s.token, userID)
	return out, a.check(err)
}

// Reset2FA resets user id's two-factor authentication.
func (a *Admin) Reset2FA(ctx context.Context, userID int64) (api.AdminUser, error) {
	out, err := a.cl.ResetUser2FA(ctx, a.s.token, userID)
	return out, a.check(err)
}

// SetIPVerification turns the e-mailed confirmation of sign-ins from new
// networks on or off for user id.
func (a *Admin) SetIPVerification(ctx context.Context, userID int64, on bool) (api.AdminUser, error) {
	out, err := a.cl.SetUserIPVerification(ctx, a.s.token, userID, !on)
	return out, a.check(err)
}

// SetLocked locks or unlocks user id.
func (a *Admin) SetLocked(ctx context.Context, userID int64, locked bool) (api.AdminUser, error) {
	out, err := a.cl.SetUserLocked(ctx, a.s.token, userID, locked)
	return out, a.check(err)
}

// Tenants lists the admin's tenant and its child tenants.
func (a *Admin) Tenants(ctx context.Context) ([]api.AdminTenant, error) {
	out, err := a.cl.AdminTenants(ctx, a.s.token)
	return out, a.check(err)
}

// Audit reads a page of the audit log.
func (a *Admin) Audit(ctx context.Context, q api.AdminAuditQuery) (api.AdminAuditPage, error) {
	out, err := a.cl.AdminAudit(ctx, a.s.token, q)
	return out, a.check(err)
}

// ErrNoSuchUser: no user of the directory has the address given.
var ErrNoSuchUser = errors.New("no user with that e-mail address in the directory")

// FindUser resolves who, a user id or an e-mail address, to a user id. An
// address is looked up in the directory (the admin's own tenant, or
// tenant when not 0), case-insensitively and exactly.
func (a *Admin) FindUser(ctx context.Context, who string, tenant int64) (int64, error) {
	who = strings.TrimSpace(who)
	if id, err := strconv.ParseInt(who, 10, 64); err == nil {
		if id <= 0 {
			return 0, fmt.Errorf("user id %d is not positive", id)
		}
		return id, nil
	}
	if _, err := CheckEmail(who); err != nil {
		return 0, fmt.Errorf("user %s is neither an id nor an e-mail address", quote(who))
	}
	list, err := a.Users(ctx, api.AdminUserQuery{Query: who, TenantID: tenant, Limit: api.MaxAdminPageSize})
	if err != nil {
		return 0, err
	}
	for _, u := range list.Users {
		if strings.EqualFold(u.Email, who) {
			return u.ID, nil
		}
	}
	return 0, fmt.Errorf("%w: %s", ErrNoSuchUser, quote(who))
}
