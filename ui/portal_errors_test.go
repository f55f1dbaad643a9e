package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/kit"
)

func TestErrorSentence(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&api.APIError{Status: 403, Code: "forbidden", Message: "the technician role cannot reset 2FA"}, "The portal refused: the technician role cannot reset 2FA."},
		{&api.APIError{Status: 503, Code: "unavailable"}, "The portal has a problem of its own (503): try again later."},
		{&api.APIError{Status: 429}, "The portal is busy"},
		{&lksync.PinMismatchError{Host: "p"}, "certificate changed since you trusted it"},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "not trusted on this computer: use \"Link to portal…\""},
		{&tls.CertificateVerificationError{Err: x509.HostnameError{Host: "p"}}, "not valid for its address: ask your admin."},
		// An expired certificate cannot be trusted by its fingerprint (the
		// trust dialog refuses it): the sentence no longer sends the user there.
		{&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}, "has expired or is not valid yet: ask your admin."},
		{context.DeadlineExceeded, "did not answer in time"},
		{context.Canceled, "Cancelled."},
		{fmt.Errorf("asking: %w", errors.New("boom\nsecond line")), "Asking: boom."},
	} {
		got := kit.ErrorSentence(c.err)
		if !strings.Contains(got, c.want) || strings.Count(got, "\n") > 0 {
			t.Errorf("kit.ErrorSentence(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
