package cli

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// What to do about a refused certificate follows companion.Classify: only a
// self-signed or privately issued certificate can be trusted by its
// fingerprint. A certificate for another name, or an expired one, used to
// get the same advice, which 'portal trust' then refused.
func TestExplainRecoveryCertificates(t *testing.T) {
	a := vault.Account{Issuer: "Huntress", Name: "ann", Portal: &vault.Portal{URL: "https://p.example"}}
	tlsErr := func(err error) error { return &tls.CertificateVerificationError{Err: err} }
	tests := []struct {
		err        error
		want, none string
	}{
		{tlsErr(&lksync.PinMismatchError{Host: "p.example"}), "if the portal's admin confirms the new certificate, trust it with 'latchkey portal trust https://p.example'", ""},
		{tlsErr(x509.UnknownAuthorityError{}), "check it with 'latchkey portal trust https://p.example'", ""},
		{tlsErr(x509.HostnameError{Host: "p.example"}), "ask the portal's admin to fix its certificate", "portal trust"},
		{tlsErr(x509.CertificateInvalidError{Reason: x509.Expired}), "ask the portal's admin to fix its certificate", "portal trust"},
	}
	for _, tt := range tests {
		got := (&runner{}).explainRecovery(a, "ann", tt.err).Error()
		if !strings.Contains(got, tt.want) || (tt.none != "" && strings.Contains(got, tt.none)) {
			t.Errorf("%v: %q, want %q", tt.err, got, tt.want)
		}
	}
}
