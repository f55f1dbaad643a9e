package app

import (
	"cmp"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// SortAccounts orders accounts as lists show them: favourites first, then
// the groups (customer tenants) in order, then the ungrouped; within each,
// by issuer and name, case-insensitively.
func SortAccounts(accounts []vault.Account) {
	slices.SortStableFunc(accounts, func(a, b vault.Account) int {
		if a.Favourite != b.Favourite {
			if a.Favourite {
				return -1
			}
			return 1
		}
		if (a.Group == "") != (b.Group == "") {
			if a.Group == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(
			cmp.Compare(strings.ToLower(a.Group), strings.ToLower(b.Group)),
			cmp.Compare(strings.ToLower(a.Issuer), strings.ToLower(b.Issuer)),
			cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
		)
	})
}
