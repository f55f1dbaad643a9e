package app

import (
	"errors"
	"fmt"
	"math"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// ErrAccountDeleted is wrapped by the error of a change to an account that
// is no longer in the vault: another window, process or device deleted it
// since it was read.
var ErrAccountDeleted = errors.New("was deleted meanwhile")

// A Change takes an account as stored and returns it changed, as
// app/backupcodes' functions do; an error leaves the vault as it was.
type Change func(vault.Account) (vault.Account, error)

// EditAccount applies change to the account of d with a's id, and returns
// it as changed. a is the account as the caller read it: its label names
// the account in the error when it is gone (ErrAccountDeleted). For the
// functions given to Vault.Update; UpdateAccount is the whole use-case.
func EditAccount(d *vault.Document, a vault.Account, change Change) (vault.Account, error) {
	cur, ok := d.Account(a.ID)
	if !ok {
		return vault.Account{}, fmt.Errorf("%q %w", a.Label(), ErrAccountDeleted)
	}
	next, err := change(cur.Clone())
	if err != nil {
		return vault.Account{}, err
	}
	*cur = next
	return next.Clone(), nil
}

// Updater is what UpdateAccount needs of a vault; *vault.Vault is one.
type Updater interface {
	Update(fn func(*vault.Document) error) error
}

// UpdateAccount changes one account, found again by a's id, in one save,
// and returns it as changed. When change fails, or the account is gone
// (ErrAccountDeleted), the vault is as it was.
func UpdateAccount(v Updater, a vault.Account, change Change) (vault.Account, error) {
	var out vault.Account
	err := v.Update(func(d *vault.Document) error {
		var err error
		out, err = EditAccount(d, a, change)
		return err
	})
	if err != nil {
		return vault.Account{}, err
	}
	return out, nil
}

// AdvanceCounter moves an HOTP account's counter on: its code was used, the
// next one is due. It is a Change, so that the type is checked on the
// account as stored, not as a menu or a search last saw it.
func AdvanceCounter(a vault.Account) (vault.Account, error) {
	if a.Type != vault.HOTP {
		return a, fmt.Errorf("%q is a %s account: only HOTP counters advance", a.Label(), a.Type)
	}
	if a.Counter == math.MaxUint64 {
		return a, fmt.Errorf("%q: %w", a.Label(), codes.ErrCounterOverflow)
	}
	a.Counter++
	return a, nil
}
