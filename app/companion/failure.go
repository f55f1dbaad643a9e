package companion

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// PortalBudget bounds one user action's portal calls, retries included, in
// the window and on the command line: a dialog never spins, and a command
// never waits, longer than this. It lets one call use all its attempts
// (sync.DefaultMaxAttempts of sync.DefaultTimeout, with up to
// sync.MaxBackoff between them: 40 s).
const PortalBudget = 45 * time.Second

// FailureKind is what went wrong with a portal call, as Classify tells it.
type FailureKind int

// The kinds of failure the UI and the CLI word.
const (
	// Other is none of the kinds below: the error's own text says it.
	Other FailureKind = iota
	// Cancelled: the user gave up (the context was cancelled).
	Cancelled
	// PinChanged: the portal's certificate is not the one the user trusted
	// for it (Failure.Pin names both): someone may be intercepting.
	PinChanged
	// CertName: the certificate is not valid for the portal's address.
	CertName
	// CertExpired: the certificate has expired or is not valid yet.
	CertExpired
	// CertUntrusted: no authority on this computer vouches for the
	// certificate (self-signed, or from a private CA); the user may check
	// its fingerprint and trust it.
	CertUntrusted
	// Refused: the portal answered with an error (Failure.API: its status
	// and message).
	Refused
	// TimedOut: the portal did not answer in time (the budget ran out).
	TimedOut
	// Unreachable: the portal could not be reached (see Offline).
	Unreachable
)

// Certificate reports whether k is about the portal's TLS certificate.
func (k FailureKind) Certificate() bool {
	return k == PinChanged || k == CertName || k == CertExpired || k == CertUntrusted
}

// Failure is a portal error classified: its kind and the facts to word it.
type Failure struct {
	Kind FailureKind
	// API is the portal's answer, for Refused.
	API *api.APIError
	// Pin is the trusted and the presented fingerprint, for PinChanged.
	Pin *lksync.PinMismatchError
}

// Classify tells what kind of failure err is. The order matters: a
// cancelled context is the user's doing whatever else failed, a refused
// certificate is no network trouble, and an answer from the portal is
// no timeout.
func Classify(err error) Failure {
	var f Failure
	if err == nil {
		return f
	}
	if errors.Is(err, context.Canceled) {
		f.Kind = Cancelled
		return f
	}
	if errors.As(err, &f.Pin) {
		f.Kind = PinChanged
		return f
	}
	f.Pin = nil
	if k, ok := certificateKind(err); ok {
		f.Kind = k
		return f
	}
	switch {
	case errors.As(err, &f.API):
		f.Kind = Refused
	case errors.Is(err, context.DeadlineExceeded):
		f.Kind = TimedOut
	case Offline(err):
		f.Kind = Unreachable
	}
	return f
}

// certificateKind tells a refused certificate apart, reporting false when
// err is not about one.
func certificateKind(err error) (FailureKind, bool) {
	var pinErr *lksync.PinMismatchError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var unknownCA x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &pinErr):
		return PinChanged, true
	case errors.As(err, &hostErr):
		return CertName, true
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return CertExpired, true
	case errors.As(err, &unknownCA), errors.As(err, &invalid), errors.As(err, &certErr):
		return CertUntrusted, true
	}
	return Other, false
}
