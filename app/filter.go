package app

import (
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Filter returns the accounts whose issuer, name, group or note contain
// every word of query, case-insensitively, in their order. An empty query
// matches everything.
func Filter(accounts []vault.Account, query string) []vault.Account {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return accounts
	}
	var out []vault.Account
	for _, a := range accounts {
		hay := strings.ToLower(a.Issuer + "\x00" + a.Name + "\x00" + a.Group + "\x00" + a.Note)
		all := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				all = false
				break
			}
		}
		if all {
			out = append(out, a)
		}
	}
	return out
}
