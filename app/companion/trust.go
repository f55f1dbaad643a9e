package companion

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/latchkey/latchkey/app/otpauth"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// ErrNotPinnable: the certificate cannot be trusted by a pin, whatever the
// user says: it is for another host, or outside its validity period.
var ErrNotPinnable = errors.New("this certificate cannot be trusted")

// Origin is the origin (https://host[:port]) trust decisions for the portal
// at portalURL are kept under.
func Origin(portalURL string) (string, error) {
	canon, err := otpauth.ParsePortalURL(portalURL)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(canon)
	if err != nil {
		return "", fmt.Errorf("portal URL %s: %w", quote(portalURL), err)
	}
	return lksync.Origin(u), nil
}

// TrustFor returns the trust decision the settings hold for the portal at
// portalURL's origin.
func TrustFor(s vault.Settings, portalURL string) (vault.PortalTrust, bool) {
	origin, err := Origin(portalURL)
	if err != nil {
		return vault.PortalTrust{}, false
	}
	i := slices.IndexFunc(s.PortalTrust, func(t vault.PortalTrust) bool { return t.Origin == origin })
	if i < 0 {
		return vault.PortalTrust{}, false
	}
	return s.PortalTrust[i], true
}

// Inspect reads the certificate the portal at portalURL presents, without
// sending it any request, so the user can decide whether to trust it.
func (c *Companion) Inspect(ctx context.Context, portalURL string) (*lksync.CertificateInfo, error) {
	canon, err := otpauth.ParsePortalURL(portalURL)
	if err != nil {
		return nil, err
	}
	return lksync.InspectCertificate(ctx, canon, c.opts.Client)
}

// Trust remembers the user's decision to trust ci's certificate for its
// origin, replacing an earlier decision for that origin. The caller shows
// ci (fingerprint, subject, issuer, validity) and has the user confirm
// first; see ConfirmFingerprint.
func (c *Companion) Trust(ci *lksync.CertificateInfo) (vault.PortalTrust, error) {
	switch {
	case ci.HostError != nil:
		return vault.PortalTrust{}, fmt.Errorf("%w: it is not valid for %s (%v)", ErrNotPinnable, ci.Host, ci.HostError)
	case ci.ExpiryError != nil:
		return vault.PortalTrust{}, fmt.Errorf("%w: it is valid only from %s to %s", ErrNotPinnable,
			ci.NotBefore.UTC().Format("2006-01-02"), ci.NotAfter.UTC().Format("2006-01-02"))
	}
	t := vault.PortalTrust{
		Origin: ci.Origin, SHA256: ci.Fingerprint.String(), Subject: ci.Subject, Issuer: ci.Issuer,
		NotBefore: ci.NotBefore.UTC(), NotAfter: ci.NotAfter.UTC(), TrustedAt: c.now().UTC(),
	}
	err := c.v.Update(func(d *vault.Document) error {
		d.Settings.PortalTrust = slices.DeleteFunc(d.Settings.PortalTrust, func(old vault.PortalTrust) bool { return old.Origin == t.Origin })
		d.Settings.PortalTrust = append(d.Settings.PortalTrust, t)
		return nil
	})
	if err != nil {
		return vault.PortalTrust{}, fmt.Errorf("trusting the certificate of %s: %w", t.Origin, err)
	}
	return t, nil
}

// Untrust forgets the trust decision for the portal's origin and returns
// it; false when there was none.
func (c *Companion) Untrust(portalURL string) (vault.PortalTrust, bool, error) {
	origin, err := Origin(portalURL)
	if err != nil {
		return vault.PortalTrust{}, false, err
	}
	var gone vault.PortalTrust
	found := false
	err = c.v.Update(func(d *vault.Document) error {
		d.Settings.PortalTrust = slices.DeleteFunc(d.Settings.PortalTrust, func(t vault.PortalTrust) bool {
			if t.Origin == origin {
				gone, found = t, true
				return true
			}
			return false
		})
		if !found {
			return errNothingToDo
		}
		return nil
	})
	switch {
	case errors.Is(err, errNothingToDo):
		return vault.PortalTrust{}, false, nil
	case err != nil:
		return vault.PortalTrust{}, false, fmt.Errorf("forgetting the certificate of %s: %w", origin, err)
	}
	return gone, true, nil
}

// errNothingToDo ends an Update that would change nothing, so nothing is
// written.
var errNothingToDo = errors.New("nothing to change")

// ConfirmFingerprint checks a fingerprint the user gave (e.g. read from
// the portal's admin) against the one presented; a mismatch names both.
func ConfirmFingerprint(ci *lksync.CertificateInfo, given string) error {
	fp, err := lksync.ParseFingerprint(given)
	if err != nil {
		return err
	}
	if fp != ci.Fingerprint {
		return fmt.Errorf("%s presents the certificate %s, not the expected %s: nothing was trusted", ci.Origin, ci.Fingerprint, fp)
	}
	return nil
}
