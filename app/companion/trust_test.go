package companion

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// A self-signed portal: refused, inspected, trusted, then used for the
// clock; a changed certificate is refused naming both fingerprints.
func TestTrustSelfSignedPortal(t *testing.T) {
	ctx := context.Background()
	f := newFakePortal(t)
	f.clockOff = 42 * time.Second
	bound := account("a1", "Acme", "ann@acme.example", &vault.Portal{URL: f.srv.URL, Email: "ann@acme.example"})
	v, opts := testVault(t, bound)
	c := New(v, quickOptions(t, false))

	cfg, err := c.ClockConfig(clock.Config{NTPServers: []string{"ntp.invalid"}}, bound)
	if err != nil {
		t.Fatal(err)
	}
	srcs := cfg.Sources()
	if len(srcs) != 2 || srcs[0].Kind() != clock.KindPortal || srcs[0].Name() != "portal "+f.srv.URL {
		t.Fatalf("sources %v: the portal must come first", srcs)
	}
	if _, err := srcs[0].Sample(ctx); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("untrusted portal sampled: %v", err)
	}

	ci, err := c.Inspect(ctx, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if ci.Verified || !ci.Pinnable() || ci.Fingerprint != lksync.CertFingerprint(f.srv.Certificate()) {
		t.Fatalf("inspected %+v", ci)
	}
	if err := ConfirmFingerprint(ci, "SHA256:"+strings.Repeat("0", 64)); err == nil ||
		!strings.Contains(err.Error(), ci.Fingerprint.String()) || !strings.Contains(err.Error(), "SHA256:"+strings.Repeat("0", 64)) {
		t.Errorf("wrong fingerprint confirmed: %v", err)
	}
	if err := ConfirmFingerprint(ci, strings.ToUpper(strings.TrimPrefix(ci.Fingerprint.String(), "SHA256:"))); err != nil {
		t.Errorf("right fingerprint refused: %v", err)
	}
	trust, err := c.Trust(ci)
	if err != nil || trust.Origin != f.srv.URL || trust.SHA256 != ci.Fingerprint.String() || !trust.TrustedAt.Equal(testEpoch) {
		t.Fatalf("trust %+v, %v", trust, err)
	}
	// Remembered: a new companion over the vault read from disk uses it.
	w := reopen(t, v, opts)
	c2 := New(w, quickOptions(t, false))
	cfg, err = c2.ClockConfig(clock.Config{}, bound)
	if err != nil {
		t.Fatal(err)
	}
	m := clock.Measure(ctx, cfg)
	if !m.Verified || m.Kind != clock.KindPortal || m.Offset < 40*time.Second || m.Offset > 44*time.Second {
		t.Fatalf("measurement against the trusted portal: %+v", m)
	}

	// The portal's certificate changes: refused, both fingerprints named.
	cl, err := c2.Client(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	f.swapped.Store(ptr(selfSigned(t, "127.0.0.1")))
	f.srv.CloseClientConnections()
	cl.CloseIdleConnections()
	_, err = cl.Time(ctx)
	var pe *lksync.PinMismatchError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), trust.SHA256) || !strings.Contains(err.Error(), pe.Presented.String()) ||
		pe.Presented.String() == trust.SHA256 {
		t.Fatalf("changed certificate: %v", err)
	}
	if Offline(err) {
		t.Error("a changed certificate counts as offline; it would be retried")
	}

	gone, ok, err := c2.Untrust(f.srv.URL + "/")
	if err != nil || !ok || gone.SHA256 != trust.SHA256 {
		t.Fatalf("untrust: %+v %v %v", gone, ok, err)
	}
	if _, ok := TrustFor(w.Settings(), f.srv.URL); ok {
		t.Error("still trusted after Untrust")
	}
	if _, ok, err := c2.Untrust(f.srv.URL); ok || err != nil {
		t.Errorf("untrust twice: %v %v", ok, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTrustRefusesUnpinnable(t *testing.T) {
	v, _ := testVault(t)
	c := New(v, quickOptions(t, false))
	for _, ci := range []*lksync.CertificateInfo{
		{Origin: "https://p.example", Host: "p.example", HostError: errors.New("x509: certificate is valid for q.example, not p.example")},
		{Origin: "https://p.example", Host: "p.example", ExpiryError: errors.New("expired")},
	} {
		if _, err := c.Trust(ci); !errors.Is(err, ErrNotPinnable) {
			t.Errorf("Trust(%+v): %v", ci, err)
		}
	}
	if got := v.Settings().PortalTrust; len(got) != 0 {
		t.Errorf("stored %+v", got)
	}
}
