package backupcodes

import (
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/vault"
)

// LowThreshold is the number of codes left at which the user is told to
// generate a new set at the portal.
const LowThreshold = 2

// Errors of Use and Undo.
var (
	ErrUnknownCode = errors.New("the code given is not one of this account's backup codes")
	ErrUsed        = errors.New("the code given was already used")
	ErrNotUsed     = errors.New("the code given is not marked used")
	ErrRetired     = errors.New("the code given belongs to a replaced set")
	ErrNoneLeft    = errors.New("no unused backup code left")
)

// Add appends the codes found to the account's current set and sets the
// recovery code when one was found (a portal that shows a new recovery
// code has invalidated the old one). A code the account already holds, in
// any state, is refused with ErrDuplicate and nothing changes.
func Add(a vault.Account, f Found) (vault.Account, error) {
	if err := f.check(); err != nil {
		return a, err
	}
	if err := refuseKnown(a.BackupCodes, f); err != nil {
		return a, err
	}
	out := a.Clone()
	for _, c := range f.Codes {
		out.BackupCodes = append(out.BackupCodes, vault.BackupCode{Code: c})
	}
	setRecovery(&out, f.Recovery)
	return out, nil
}

// Replace makes the codes found the account's only current set: the
// previous codes stay, retired at now, as history until Discard. Pasting
// the current set again is refused (ErrDuplicate): it would retire codes
// that are still valid.
func Replace(a vault.Account, f Found, now time.Time) (vault.Account, error) {
	if err := f.check(); err != nil {
		return a, err
	}
	if err := refuseKnown(a.BackupCodes, f); err != nil {
		return a, err
	}
	out := a.Clone()
	if len(f.Codes) > 0 {
		for i := range out.BackupCodes {
			if out.BackupCodes[i].RetiredAt == nil {
				out.BackupCodes[i].RetiredAt = timePtr(now)
			}
		}
		for _, c := range f.Codes {
			out.BackupCodes = append(out.BackupCodes, vault.BackupCode{Code: c})
		}
	}
	setRecovery(&out, f.Recovery)
	return out, nil
}

func setRecovery(a *vault.Account, code string) {
	if code == "" {
		return
	}
	a.RecoveryCode = code
	a.RecoveryFromPreviousSetup = false
}

func refuseKnown(existing []vault.BackupCode, f Found) error {
	known := make(map[string]bool, len(existing))
	for _, c := range existing {
		known[Canonical(c.Code)] = true
	}
	for i, c := range f.Codes {
		if known[Canonical(c)] {
			return fmt.Errorf("code %d of the paste is already stored for this account: %w", i+1, ErrDuplicate)
		}
	}
	return nil
}

// Use marks the code given used at now and returns the changed account and
// the code as stored (the given one may lack its spaces or dashes). An
// empty code means the first unused one.
func Use(a vault.Account, code string, now time.Time) (vault.Account, string, error) {
	i, err := findUsable(a, code)
	if err != nil {
		return a, "", err
	}
	out := a.Clone()
	out.BackupCodes[i].UsedAt = timePtr(now)
	return out, out.BackupCodes[i].Code, nil
}

// Undo marks a used code unused again, for a "mark used" made by mistake.
func Undo(a vault.Account, code string) (vault.Account, error) {
	i := find(a, code)
	switch {
	case i < 0:
		return a, ErrUnknownCode
	case a.BackupCodes[i].UsedAt == nil:
		return a, ErrNotUsed
	}
	out := a.Clone()
	out.BackupCodes[i].UsedAt = nil
	return out, nil
}

func findUsable(a vault.Account, code string) (int, error) {
	if code == "" {
		for i, c := range a.BackupCodes {
			if c.UsedAt == nil && c.RetiredAt == nil {
				return i, nil
			}
		}
		return -1, ErrNoneLeft
	}
	i := find(a, code)
	switch {
	case i < 0:
		return -1, ErrUnknownCode
	case a.BackupCodes[i].UsedAt != nil:
		return -1, fmt.Errorf("%w on %s", ErrUsed, a.BackupCodes[i].UsedAt.Format("2 Jan 2006 15:04"))
	case a.BackupCodes[i].RetiredAt != nil:
		return -1, ErrRetired
	}
	return i, nil
}

// find returns the index of a code, preferring the current set when a
// retired set holds the same code.
func find(a vault.Account, code string) int {
	k := Canonical(code)
	if k == "" {
		return -1
	}
	found := -1
	for i, c := range a.BackupCodes {
		if Canonical(c.Code) == k {
			if c.RetiredAt == nil {
				return i
			}
			found = i
		}
	}
	return found
}

// Discard drops the history: retired codes, codes carried over from a
// previous setup of the account, and a recovery code from one.
func Discard(a vault.Account) vault.Account {
	out := a.Clone()
	kept := out.BackupCodes[:0]
	for _, c := range out.BackupCodes {
		if c.RetiredAt == nil && !c.FromPreviousSetup {
			kept = append(kept, c)
		}
	}
	out.BackupCodes = kept
	if len(kept) == 0 {
		out.BackupCodes = nil
	}
	if out.RecoveryFromPreviousSetup {
		out.RecoveryCode, out.RecoveryFromPreviousSetup = "", false
	}
	return out
}

// Summary is the state of an account's codes, for a row or a details view.
type Summary struct {
	Left, Used, Retired, Previous int
	HasRecovery                   bool
	// Low is true once a set exists and at most LowThreshold codes of it
	// are left: time to generate new codes at the portal.
	Low bool
}

// Summarize counts an account's codes.
func Summarize(a vault.Account) Summary {
	s := Summary{Left: a.BackupCodesLeft(), HasRecovery: a.RecoveryCode != ""}
	for _, c := range a.BackupCodes {
		switch {
		case c.RetiredAt != nil:
			s.Retired++
		case c.UsedAt != nil:
			s.Used++
		}
		if c.FromPreviousSetup {
			s.Previous++
		}
	}
	s.Low = s.Left+s.Used > 0 && s.Left <= LowThreshold
	return s
}

// Warning is the sentence to show when codes run low, or "".
func Warning(a vault.Account) string {
	s := Summarize(a)
	switch {
	case !s.Low:
		return ""
	case s.Left == 0:
		return "No backup codes left: generate a new set at the portal while you can still sign in."
	case s.Left == 1:
		return "Only 1 backup code left: generate a new set at the portal."
	}
	return fmt.Sprintf("Only %d backup codes left: generate a new set at the portal.", s.Left)
}

// Unused lists the codes that can still be used, in stored order.
func Unused(a vault.Account) []string {
	var out []string
	for _, c := range a.BackupCodes {
		if c.UsedAt == nil && c.RetiredAt == nil {
			out = append(out, c.Code)
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time { return &t }
