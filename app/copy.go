package app

import (
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// MinCopyValidity is how long a copied code must stay valid: pasting into a
// portal and pressing Enter takes a few seconds, and a code that expires on
// the way fails the sign-in.
const MinCopyValidity = 3 * time.Second

// DefaultClipboardClear is how long a copied code stays on the clipboard
// when the vault's settings do not say.
const DefaultClipboardClear = 30 * time.Second

// CodeToCopy returns the code to put on the clipboard at t: the current
// one, or the next one (next=true) when the current expires within
// MinCopyValidity. HOTP codes are always current.
func CodeToCopy(a vault.Account, t time.Time) (code string, next bool, err error) {
	left, err := codes.Remaining(a, t)
	if err == nil && left < MinCopyValidity {
		code, err = codes.Next(a, t)
		return code, true, err
	}
	code, err = codes.Generate(a, t)
	return code, false, err
}

// ClipboardClearAfter is the configured clipboard clearing delay.
func ClipboardClearAfter(s vault.Settings) time.Duration {
	if s.ClipboardClearSeconds > 0 {
		return time.Duration(s.ClipboardClearSeconds) * time.Second
	}
	return DefaultClipboardClear
}

// DefaultAutoLock is the idle time before the window locks by default.
const DefaultAutoLock = 5 * time.Minute

// AutoLockAfter is the configured idle time before locking; 0 disables.
func AutoLockAfter(s vault.Settings) time.Duration {
	switch {
	case s.AutoLockSeconds > 0:
		return time.Duration(s.AutoLockSeconds) * time.Second
	case s.AutoLockSeconds < 0:
		return 0
	}
	return DefaultAutoLock
}
