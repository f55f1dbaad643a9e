package sync

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Certificate pinning
//
// A portal whose certificate no CA of the system (or of Options.TLSConfig)
// vouches for — self-signed, or from a private CA — can still be used once
// the user has decided, explicitly, to trust its certificate: the client is
// given that certificate's fingerprint (Options.PinnedCertSHA256). The rules:
//
//   - Normal verification always runs first. When it succeeds the pin is
//     not consulted, so a portal that later gets a CA-issued certificate
//     simply works.
//   - Otherwise the leaf's SHA-256 must equal the pin, or the connection is
//     refused with a *PinMismatchError naming both fingerprints.
//   - Even then the certificate must be valid for the portal's host name
//     (its SANs) and within its validity period: a pin trusts one
//     certificate for one host, not any certificate anywhere, and an
//     expired one is replaced rather than trusted for ever.
//
// Verification cannot be turned off by callers (ErrInsecureTLS). With a pin
// the client takes over the verification itself (Go's crypto/tls offers no
// hook that runs after a failed verification), performing the whole of it
// in tls.Config.VerifyConnection, which also runs on resumed sessions.

// Origin is u's scheme://host[:port] in lower case, the port only when it
// is not the scheme's default: the key a trust decision is stored under.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port == "" || scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// Fingerprint is the SHA-256 of a certificate's DER encoding.
type Fingerprint [sha256.Size]byte

// CertFingerprint is cert's fingerprint.
func CertFingerprint(cert *x509.Certificate) Fingerprint { return sha256.Sum256(cert.Raw) }

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// String is "SHA256:" and 64 lower-case hex digits, the form ParseFingerprint
// reads and users compare.
func (f Fingerprint) String() string { return "SHA256:" + hex.EncodeToString(f[:]) }

// ParseFingerprint reads a SHA-256 fingerprint as hex digits, in either
// case, optionally separated by colons or spaces (as browsers and openssl
// print them) and optionally after "SHA256:" or "sha256/".
func ParseFingerprint(s string) (Fingerprint, error) {
	in := strings.TrimSpace(s)
	body := in
	for _, prefix := range []string{"sha256:", "sha-256:", "sha256/", "sha256 "} {
		if len(body) >= len(prefix) && strings.EqualFold(body[:len(prefix)], prefix) {
			body = body[len(prefix):]
			break
		}
	}
	body = strings.NewReplacer(":", "", " ", "").Replace(body)
	var f Fingerprint
	if len(body) != 2*len(f) {
		return f, fmt.Errorf("fingerprint %q is not a SHA-256 fingerprint (SHA256: and 64 hex digits)", sanitize(in, 120))
	}
	if _, err := hex.Decode(f[:], []byte(body)); err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint %q is not a SHA-256 fingerprint: it has a character that is not a hex digit", sanitize(in, 120))
	}
	return f, nil
}

// PinMismatchError refuses a portal whose certificate is neither verified
// by a CA nor the one the user trusted: it changed since.
type PinMismatchError struct {
	Host      string
	Pinned    Fingerprint
	Presented Fingerprint
}

func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("the certificate of %s is not the trusted one: it presents %s, the trusted certificate is %s",
		e.Host, e.Presented, e.Pinned)
}

// pin makes cfg accept, besides what verification accepts, the certificate
// with fingerprint want when it is valid for name now. See the section
// comment above.
func pin(cfg *tls.Config, name string, want Fingerprint) {
	next := cfg.VerifyConnection
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verifyPinned below does the whole verification
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if err := verifyPinned(cs.PeerCertificates, roots, name, want, time.Now()); err != nil {
			return err
		}
		if next != nil {
			return next(cs)
		}
		return nil
	}
}

func verifyPinned(certs []*x509.Certificate, roots *x509.CertPool, name string, want Fingerprint, now time.Time) error {
	if len(certs) == 0 {
		return &tls.CertificateVerificationError{Err: errors.New("the portal presented no certificate")}
	}
	leaf := certs[0]
	if verifyChain(certs, roots, name, now) == nil {
		return nil
	}
	fail := func(err error) error {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	if got := CertFingerprint(leaf); got != want {
		return fail(&PinMismatchError{Host: name, Pinned: want, Presented: got})
	}
	if err := leaf.VerifyHostname(name); err != nil {
		return fail(err)
	}
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return fail(x509.CertificateInvalidError{Cert: leaf, Reason: x509.Expired,
			Detail: fmt.Sprintf("the trusted certificate is valid from %s to %s",
				leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))})
	}
	return nil
}

// verifyChain is crypto/tls's own verification of a server's chain.
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, name string, now time.Time) error {
	opts := x509.VerifyOptions{Roots: roots, DNSName: name, Intermediates: x509.NewCertPool(), CurrentTime: now}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := certs[0].Verify(opts)
	return err
}

// CertificateInfo is what a portal's certificate says, for a user deciding
// whether to trust it.
type CertificateInfo struct {
	// Origin is the portal's https://host[:port] (see Origin).
	Origin string
	// Host is the name the certificate must be valid for.
	Host string
	// Chain is what the portal presented, its own certificate first.
	Chain       []*x509.Certificate
	Fingerprint Fingerprint
	Subject     string
	Issuer      string
	NotBefore   time.Time
	NotAfter    time.Time
	// Names lists the certificate's DNS and IP subject alternative names.
	Names []string
	// Verified is true when the system's CAs (or Options.TLSConfig's)
	// vouch for the certificate: no pin is needed. Otherwise VerifyError
	// says why not.
	Verified    bool
	VerifyError error
	// HostError is set when the certificate is not valid for Host, which
	// no pin can mend; ExpiryError when it is outside its validity period.
	HostError   error
	ExpiryError error
}

// Pinnable reports whether a pin of this certificate would let the client
// connect: it is for the host and currently valid.
func (ci *CertificateInfo) Pinnable() bool { return ci.HostError == nil && ci.ExpiryError == nil }

// errInspected ends the handshake of InspectCertificate once the
// certificate is read: nothing is ever sent to a server not yet trusted.
var errInspected = errors.New("certificate read; connection closed before any request")

// InspectCertificate connects to the portal at baseURL (the rules of New
// apply) only far enough to read its certificate, and reports what it says
// and whether it would be trusted without a pin. The TLS handshake is
// abandoned once the certificate arrives, so no request reaches a server
// the user has not decided to trust. opts.PinnedCertSHA256 is ignored.
func InspectCertificate(ctx context.Context, baseURL string, opts Options) (*CertificateInfo, error) {
	opts.PinnedCertSHA256 = Fingerprint{}
	c, err := New(baseURL, opts)
	if err != nil {
		return nil, err
	}
	defer c.CloseIdleConnections()
	if c.base.Scheme != "https" {
		return nil, fmt.Errorf("portal client: %s is plain http://, which has no certificate to trust", c.base.String())
	}
	base := c.http.Transport.(*http.Transport)
	tr := base.Clone()
	defer tr.CloseIdleConnections()
	name := base.TLSClientConfig.ServerName
	if name == "" {
		name = c.base.Hostname()
	}
	roots := base.TLSClientConfig.RootCAs
	var chain []*x509.Certificate
	tr.TLSClientConfig.InsecureSkipVerify = true // reading only: the handshake is always abandoned below
	tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
		chain = cs.PeerCertificates
		return errInspected
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(api.PathHealth), nil)
	if err != nil {
		return nil, fmt.Errorf("portal client: %w", err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if len(chain) == 0 {
		if err == nil {
			err = errors.New("no certificate was presented")
		}
		return nil, fmt.Errorf("reading the certificate of %s: %w", Origin(c.base), err)
	}
	now := time.Now()
	leaf := chain[0]
	ci := &CertificateInfo{
		Origin: Origin(c.base), Host: name, Chain: chain, Fingerprint: CertFingerprint(leaf),
		Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
		NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter,
		Names: append([]string(nil), leaf.DNSNames...),
	}
	for _, ip := range leaf.IPAddresses {
		ci.Names = append(ci.Names, ip.String())
	}
	ci.VerifyError = verifyChain(chain, roots, name, now)
	ci.Verified = ci.VerifyError == nil
	ci.HostError = leaf.VerifyHostname(name)
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		ci.ExpiryError = x509.CertificateInvalidError{Cert: leaf, Reason: x509.Expired}
	}
	return ci, nil
}
