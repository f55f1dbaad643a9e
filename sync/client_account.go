package sync

import (
	"context"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
)

// ChangePassword changes the signed-in user's own password (a full
// session). A wrong current password is an *APIError with Status 401, a
// new password the tenant's rules refuse one with Status 422. It is not
// retried once the portal may have acted: the change ends the user's other
// sessions.
func (c *Client) ChangePassword(ctx context.Context, session string, req api.PasswordChange) (api.PasswordChanged, error) {
	if session == "" {
		return api.PasswordChanged{}, errNoSession
	}
	var out api.PasswordChanged
	_, err := c.do(ctx, call{method: http.MethodPost, path: api.PathAccountPassword, token: session, in: req}, &out)
	return out, err
}
