package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// merge three-way merges a save made from a stale copy: base is what the
// saver loaded, ours what it wants to write, theirs what is on disk now.
// Changes on one side only are taken; the same change on both sides is
// taken once; different changes to the same account (or to the settings)
// are a *ConflictError and nothing is merged.
func merge(base, ours, theirs *Document) (*Document, error) {
	out := theirs.Clone()
	var conflicts []string

	baseByID := indexAccounts(base.Accounts)
	oursByID := indexAccounts(ours.Accounts)
	theirsByID := indexAccounts(theirs.Accounts)

	var merged []Account
	for _, t := range theirs.Accounts {
		b, inBase := baseByID[t.ID]
		o, inOurs := oursByID[t.ID]
		switch {
		case !inBase && !inOurs: // added on disk
			merged = append(merged, t.Clone())
		case !inOurs: // we deleted it
			if !sameJSON(b, &t) {
				conflicts = append(conflicts, accountLabel(&t)+" (deleted here, edited elsewhere)")
			}
		case !inBase || sameJSON(b, o): // unchanged by us, or both added
			if inBase || sameJSON(o, &t) {
				merged = append(merged, t.Clone())
			} else {
				conflicts = append(conflicts, accountLabel(&t)+" (added in both)")
			}
		case sameJSON(b, &t) || sameJSON(o, &t): // changed by us only
			merged = append(merged, o.Clone())
		default:
			conflicts = append(conflicts, accountLabel(o))
		}
	}
	for _, o := range ours.Accounts {
		if _, onDisk := theirsByID[o.ID]; onDisk {
			continue
		}
		b, inBase := baseByID[o.ID]
		switch {
		case !inBase: // added by us
			merged = append(merged, o.Clone())
		case !sameJSON(b, &o): // deleted on disk, edited by us
			conflicts = append(conflicts, accountLabel(&o)+" (edited here, deleted elsewhere)")
		}
	}
	out.Accounts = merged

	settings, ok := merge3(base.Settings, ours.Settings, theirs.Settings)
	if !ok {
		conflicts = append(conflicts, "settings")
	}
	out.Settings = settings
	if len(conflicts) > 0 {
		return nil, &ConflictError{What: conflicts}
	}
	return out, nil
}

// merge3 merges a value changed as a whole.
func merge3[T any](base, ours, theirs T) (T, bool) {
	switch {
	case sameJSON(&base, &ours):
		return theirs, true
	case sameJSON(&base, &theirs), sameJSON(&ours, &theirs):
		return ours, true
	default:
		return theirs, false
	}
}

func indexAccounts(accounts []Account) map[string]*Account {
	m := make(map[string]*Account, len(accounts))
	for i := range accounts {
		m[accounts[i].ID] = &accounts[i]
	}
	return m
}

// sameJSON compares values by their encoding, which includes the members a
// newer release wrote.
func sameJSON(a, b any) bool {
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

// accountLabel names an account in a conflict: account "Issuer: Name".
func accountLabel(a *Account) string { return fmt.Sprintf("account %q", a.Label()) }
