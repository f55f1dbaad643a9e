package exporter

import (
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// URIs writes one canonical otpauth URI per line, in the order given.
func URIs(accounts []vault.Account) ([]byte, error) {
	norm, err := normalized(accounts)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, a := range norm {
		b.WriteString(otpauth.Format(a))
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}
