package app

import (
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Find returns the accounts a query names, case-insensitively, at the most
// precise level that matches anything:
//  1. the id, or the whole label as lists show it (vault.Account.Label:
//     "Issuer: Name", the name alone without an issuer, the issuer alone
//     without a name), or "Issuer:Name";
//  2. the issuer or the name;
//  3. a part of the issuer, the name or the label.
//
// More than one result means the query is ambiguous.
func Find(accounts []vault.Account, query string) []vault.Account {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	levels := []func(a vault.Account) bool{
		func(a vault.Account) bool {
			return strings.ToLower(a.ID) == q || fold(a.Label()) == q || fold(a.Issuer+":"+a.Name) == q
		},
		func(a vault.Account) bool { return fold(a.Issuer) == q || fold(a.Name) == q },
		func(a vault.Account) bool {
			return strings.Contains(fold(a.Issuer), q) || strings.Contains(fold(a.Name), q) ||
				strings.Contains(fold(a.Issuer+":"+a.Name), q)
		},
	}
	for _, match := range levels {
		var out []vault.Account
		for _, a := range accounts {
			if match(a) {
				out = append(out, a)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
