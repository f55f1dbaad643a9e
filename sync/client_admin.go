package sync

import (
	"context"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The admin console's calls. Each takes the signed-in admin's session token
// (a bearer token, never logged) and returns the portal's answer; a refusal
// is an *APIError (403 with the policy's reason, 404 for an id the admin
// may not see). GETs and PUTs are idempotent and retried; POSTs are not.

// AdminUsers lists the team directory.
func (c *Client) AdminUsers(ctx context.Context, token string, q api.AdminUserQuery) (api.AdminUserList, error) {
	v := url.Values{}
	adminQueryString(v, "q", q.Query)
	adminQueryString(v, "role", q.Role)
	adminQueryString(v, "status", q.Status)
	adminQueryInt(v, "tenant", q.TenantID)
	adminQueryInt(v, "offset", int64(q.Offset))
	adminQueryInt(v, "limit", int64(q.Limit))
	var out api.AdminUserList
	_, err := c.do(ctx, call{method: http.MethodGet, path: adminPathQuery(api.PathAdminUsers, v), token: token, idempotent: true}, &out)
	return out, err
}

// CreateAdminUser adds a user to the admin's own tenant.
func (c *Client) CreateAdminUser(ctx context.Context, token string, in api.AdminUserCreate) (api.AdminUser, error) {
	var out api.AdminUserAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathAdminUsers, token: token, in: in}, &out)
	return out.User, err
}

// ResetUser2FA resets user id's two-factor authentication: they enrol a new
// authenticator at their next sign-in, and are told by e-mail.
func (c *Client) ResetUser2FA(ctx context.Context, token string, id int64) (api.AdminUser, error) {
	if err := checkAdminID("user", id); err != nil {
		return api.AdminUser{}, err
	}
	var out api.AdminUserAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.AdminUserPath(id, api.AdminUserReset2FA), token: token}, &out)
	return out.User, err
}

// SetUserIPVerification turns new-address e-mail verification off (skip)
// or on for user id.
func (c *Client) SetUserIPVerification(ctx context.Context, token string, id int64, skip bool) (api.AdminUser, error) {
	if err := checkAdminID("user", id); err != nil {
		return api.AdminUser{}, err
	}
	var out api.AdminUserAnswer
	_, err := c.do(ctx, call{method: http.MethodPut, path: api.AdminUserPath(id, api.AdminUserIPVerification), token: token,
		in: api.AdminIPVerification{Skip: skip}, idempotent: true}, &out)
	return out.User, err
}

// SetUserLocked locks or unlocks user id; locking ends their sessions.
func (c *Client) SetUserLocked(ctx context.Context, token string, id int64, locked bool) (api.AdminUser, error) {
	if err := checkAdminID("user", id); err != nil {
		return api.AdminUser{}, err
	}
	var out api.AdminUserAnswer
	_, err := c.do(ctx, call{method: http.MethodPut, path: api.AdminUserPath(id, api.AdminUserLock), token: token,
		in: api.AdminLock{Locked: locked}, idempotent: true}, &out)
	return out.User, err
}

// AdminTenants lists the admin's tenant and its child tenants.
func (c *Client) AdminTenants(ctx context.Context, token string) ([]api.AdminTenant, error) {
	var out api.AdminTenantList
	_, err := c.do(ctx, call{method: http.MethodGet, path: api.PathAdminTenants, token: token, idempotent: true}, &out)
	return out.Tenants, err
}

// CreateChildTenant adds a customer tenant under the admin's own tenant.
func (c *Client) CreateChildTenant(ctx context.Context, token, name string) (api.AdminTenant, error) {
	var out api.AdminTenantAnswer
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathAdminTenants, token: token, in: api.AdminTenantCreate{Name: name}}, &out)
	return out.Tenant, err
}

// SetTenantPolicy replaces tenant id's 2FA policy.
func (c *Client) SetTenantPolicy(ctx context.Context, token string, id int64, p api.AdminTenantPolicy) (api.AdminTenant, error) {
	if err := checkAdminID("tenant", id); err != nil {
		return api.AdminTenant{}, err
	}
	if p.IPAllowList == nil {
		p.IPAllowList = []string{} // the portal requires the member: "none" is an empty list
	}
	var out api.AdminTenantAnswer
	_, err := c.do(ctx, call{method: http.MethodPut, path: api.AdminTenantPolicyPath(id), token: token, in: p, idempotent: true}, &out)
	return out.Tenant, err
}

// AdminAudit reads a page of a tenant's audit log, newest first.
func (c *Client) AdminAudit(ctx context.Context, token string, q api.AdminAuditQuery) (api.AdminAuditPage, error) {
	v := url.Values{}
	adminQueryInt(v, "tenant", q.TenantID)
	adminQueryInt(v, "user", q.UserID)
	adminQueryString(v, "action", q.Action)
	adminQueryInt(v, "before", q.Before)
	adminQueryInt(v, "limit", int64(q.Limit))
	var out api.AdminAuditPage
	_, err := c.do(ctx, call{method: http.MethodGet, path: adminPathQuery(api.PathAdminAudit, v), token: token, idempotent: true}, &out)
	return out, err
}

func adminQueryString(v url.Values, name, s string) {
	if s = strings.TrimSpace(s); s != "" {
		v.Set(name, s)
	}
}

func adminQueryInt(v url.Values, name string, n int64) {
	if n != 0 {
		v.Set(name, strconv.FormatInt(n, 10))
	}
}

// adminPathQuery appends v to path; endpoint() keeps the query as given.
func adminPathQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func checkAdminID(what string, id int64) error {
	if id <= 0 {
		return fmt.Errorf("portal client: %s id must be positive, not %d", what, id)
	}
	return nil
}
