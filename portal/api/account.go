package api

import (
	"fmt"
	"log/slog"
)

// The signed-in user's own account.
const (
	// PathAccountPassword answers POST (full session) with a
	// PasswordChange body: the user's own password change (a
	// PasswordChanged).
	PathAccountPassword = "/v1/account/password"
)

// PasswordChange is the body of POST /v1/account/password: the current
// password (proof that the session's holder knows it) and the new one.
// String, GoString and LogValue print neither.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (c PasswordChange) String() string {
	return fmt.Sprintf("PasswordChange{current_password: %s, new_password: %s}", secretShape(c.CurrentPassword), secretShape(c.NewPassword))
}

// GoString is String, so %#v redacts too.
func (c PasswordChange) GoString() string { return c.String() }

// LogValue keeps both passwords out of log/slog output.
func (c PasswordChange) LogValue() slog.Value { return slog.StringValue(c.String()) }

// PasswordChanged is the answer of POST /v1/account/password: the new
// password works from now on, the caller's session goes on, and
// SessionsEnded of the user's other sessions (other browsers and apps)
// were signed out.
type PasswordChanged struct {
	Status        string `json:"status"` // "password_changed"
	SessionsEnded int64  `json:"sessions_ended"`
}
