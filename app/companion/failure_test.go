package companion

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// Classify is the one reading of a portal error; the window and the CLI
// only word its kinds. The errors are shaped as the client returns them:
// wrapped in url.Error and tls.CertificateVerificationError.
func TestClassify(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("POST /v1/recovery-requests: %w", &url.Error{Op: "Post", URL: "https://p.example/v1/recovery-requests", Err: err})
	}
	tlsErr := func(err error) error { return wrap(&tls.CertificateVerificationError{Err: err}) }
	pin := &lksync.PinMismatchError{Host: "p.example"}
	refusal := &api.APIError{Status: 403, Code: "forbidden", Message: "not yours"}
	tests := []struct {
		name string
		err  error
		want FailureKind
	}{
		{"nil", nil, Other},
		{"cancelled", wrap(context.Canceled), Cancelled},
		{"cancelled beats the rest", fmt.Errorf("%w; %w", context.Canceled, refusal), Cancelled},
		{"pin changed", tlsErr(pin), PinChanged},
		{"wrong host", tlsErr(x509.HostnameError{Host: "p.example"}), CertName},
		{"expired", tlsErr(x509.CertificateInvalidError{Reason: x509.Expired}), CertExpired},
		{"unknown authority", tlsErr(x509.UnknownAuthorityError{}), CertUntrusted},
		{"other chain problem", tlsErr(x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}), CertUntrusted},
		{"no certificate", tlsErr(errors.New("the portal presented no certificate")), CertUntrusted},
		{"refused", refusal, Refused},
		{"busy is an answer", &api.APIError{Status: 429}, Refused},
		{"budget ran out", wrap(context.DeadlineExceeded), TimedOut},
		{"connection refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), Unreachable},
		{"not JSON", errors.New(`https://p.example/v1/time: answer is "text/html", not JSON`), Other},
	}
	for _, tt := range tests {
		got := Classify(tt.err)
		if got.Kind != tt.want {
			t.Errorf("%s: kind %d, want %d", tt.name, got.Kind, tt.want)
		}
		if (got.API != nil) != (tt.want == Refused) || (got.Pin != nil) != (tt.want == PinChanged) {
			t.Errorf("%s: facts %+v", tt.name, got)
		}
		if got.Kind.Certificate() != (tt.want >= PinChanged && tt.want <= CertUntrusted) {
			t.Errorf("%s: Certificate() = %v", tt.name, got.Kind.Certificate())
		}
	}
	if f := Classify(refusal); f.API.Status != 403 || f.API.Message != "not yours" {
		t.Errorf("refusal facts %+v", f.API)
	}
	if f := Classify(tlsErr(pin)); f.Pin != pin {
		t.Errorf("pin facts %+v", f.Pin)
	}
}

// One call may use all its attempts within the budget of an action.
func TestPortalBudgetCoversRetries(t *testing.T) {
	oneCall := lksync.DefaultMaxAttempts*lksync.DefaultTimeout + (lksync.DefaultMaxAttempts-1)*lksync.MaxBackoff
	if PortalBudget < oneCall {
		t.Errorf("PortalBudget %s is shorter than one call's attempts, %s", PortalBudget, oneCall)
	}
	if PortalBudget > time.Minute {
		t.Errorf("PortalBudget %s keeps a dialog spinning for more than a minute", PortalBudget)
	}
}
