package app

import (
	"cmp"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// SortAccounts orders accounts as lists show them: favourites first, then
// the groups (customer tenants) in order, then the ungrouped; within each
// section the accounts moved by hand in their order, then the others by
// issuer and name, case-insensitively.
func SortAccounts(accounts []vault.Account) {
	slices.SortStableFunc(accounts, func(a, b vault.Account) int {
		return cmp.Or(compareSection(a, b), comparePosition(a, b),
			cmp.Compare(strings.ToLower(a.Issuer), strings.ToLower(b.Issuer)),
			cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
		)
	})
}

func compareSection(a, b vault.Account) int {
	switch {
	case a.Favourite != b.Favourite:
		return boolFirst(a.Favourite)
	case a.Favourite:
		return 0 // favourites form one section, whatever their groups
	case (a.Group == "") != (b.Group == ""):
		return boolFirst(b.Group == "")
	}
	return cmp.Compare(strings.ToLower(a.Group), strings.ToLower(b.Group))
}

func sameSection(a, b vault.Account) bool { return compareSection(a, b) == 0 }

// comparePosition puts moved accounts (Position > 0) first, in order.
func comparePosition(a, b vault.Account) int {
	switch {
	case a.Position > 0 && b.Position > 0:
		return cmp.Compare(a.Position, b.Position)
	case a.Position > 0 || b.Position > 0:
		return boolFirst(a.Position > 0)
	}
	return 0
}

func boolFirst(first bool) int {
	if first {
		return -1
	}
	return 1
}

// Move moves the account id by delta places (-1 up, +1 down) within its
// section and returns the new positions of that section's accounts by id,
// or nil when it cannot move that way. accounts must be sorted.
func Move(accounts []vault.Account, id string, delta int) map[string]int {
	i := slices.IndexFunc(accounts, func(a vault.Account) bool { return a.ID == id })
	if i < 0 {
		return nil
	}
	var section []string
	at := -1
	for _, a := range accounts {
		if sameSection(a, accounts[i]) {
			if a.ID == id {
				at = len(section)
			}
			section = append(section, a.ID)
		}
	}
	to := at + delta
	if to < 0 || to >= len(section) {
		return nil
	}
	section[at], section[to] = section[to], section[at]
	pos := make(map[string]int, len(section))
	for n, sid := range section {
		pos[sid] = n + 1
	}
	return pos
}
