package sync

import (
	"context"
	"net/http"
)

// ChangePassword changes the signed-in user's own password (a full
// session). A wrong current password is an *APIError with Status 401, a
// new password the tenant's rules refuse one with Status 422. It is not
// retried once the portal may have acted: the change ends the user's other
// sessions.
func (c *Client) ChangePassword(ctx context.Context, session string, req PasswordChange) (PasswordChanged, error) {
	if session == "" {
		return PasswordChanged{}, errNoSession
	}
	var out PasswordChanged
	_, err := c.do(ctx, call{method: http.MethodPost, path: PathAccountPassword, token: session, in: req}, &out)
	return out, err
}
