package vault

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func portalAccount() Account {
	a := makeAccounts(1)[0]
	a.Portal = &Portal{
		URL: "https://portal.example", Tenant: "t1", UserID: "u1", Email: "ann@acme.example",
		LinkedAt: testEpoch, LinkedBy: LinkedByLink,
		Recovery: &RecoveryRequest{
			State: RecoverySent, Message: "lost my phone", Phrase: "amber-falcon-river",
			PollToken: "poll-token-sentinel-0123456789", ExpiresAt: testEpoch.Add(24 * time.Hour),
			RequestedAt: testEpoch, SentAt: testEpoch.Add(time.Minute),
			Attempts: 2, LastAttemptAt: testEpoch, NextAttemptAt: testEpoch.Add(time.Hour),
			LastError: "portal unreachable",
		},
	}
	return a
}

func portalTrust() PortalTrust {
	return PortalTrust{
		Origin: "https://portal.example:8443", SHA256: "SHA256:" + strings.Repeat("ab", 32),
		Subject: "CN=portal.example", Issuer: "CN=portal.example",
		NotBefore: testEpoch.Add(-time.Hour), NotAfter: testEpoch.Add(365 * 24 * time.Hour), TrustedAt: testEpoch,
	}
}

func TestPortalFieldsRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		account  func() Account
		settings func(*Settings)
	}{
		{"binding with a sent request", portalAccount, nil},
		{"binding without a request", func() Account { a := portalAccount(); a.Portal.Recovery = nil; return a }, nil},
		{"queued request", func() Account {
			a := portalAccount()
			a.Portal.Recovery = &RecoveryRequest{State: RecoveryQueued, Message: "m", RequestedAt: testEpoch, Attempts: 1}
			return a
		}, nil},
		{"trusted certificates", portalAccount, func(s *Settings) {
			other := portalTrust()
			other.Origin = "https://other.example"
			s.PortalTrust = []PortalTrust{portalTrust(), other}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, kr := newTestVault(t)
			want := tt.account()
			var wantSettings Settings
			if err := v.Update(func(d *Document) error {
				d.Accounts = []Account{want}
				if tt.settings != nil {
					tt.settings(&d.Settings)
				}
				wantSettings = d.Settings
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			w, err := Open(v.Dir(), Options{Keyring: kr})
			if err != nil {
				t.Fatal(err)
			}
			got := w.Accounts()[0]
			if !reflect.DeepEqual(got.Portal, want.Portal) {
				t.Errorf("portal:\n got %+v\nwant %+v", got.Portal, want.Portal)
			}
			if !reflect.DeepEqual(w.Settings(), wantSettings) {
				t.Errorf("settings:\n got %+v\nwant %+v", w.Settings(), wantSettings)
			}
		})
	}
}

// A newer release may add members inside the new objects too.
func TestPortalUnknownMembersSurvive(t *testing.T) {
	const newer = `{"schema":3,"min_reader":2,"vault_id":"VID","generation":1,"saved":"2026-11-22T09:00:00Z",
	"settings":{"portal_trust":[{"origin":"https://p.example","sha256":"SHA256:00","trusted_at":"2026-01-01T00:00:00Z","pin_kind":"spki"}]},
	"accounts":[{"id":"a1","issuer":"RMM","name":"ann@p.example","type":"totp","secret":"JBSWY3DPEHPK3PXP","algorithm":"SHA1",
	  "digits":6,"period":30,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z",
	  "portal":{"url":"https://p.example","email":"ann@p.example","device_key":"k",
	    "recovery":{"state":"approved","requested_at":"2026-01-01T00:00:00Z","link_hint":{"channel":"sms"}}}}]}`
	v, kr := newTestVault(t)
	writeRawDocument(t, v, strings.ReplaceAll(newer, "VID", v.meta.VaultID))
	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	a := w.Accounts()[0]
	if a.Portal == nil || a.Portal.Email != "ann@p.example" || a.Portal.Recovery == nil || a.Portal.Recovery.State != "approved" {
		t.Fatalf("portal not read: %+v", a.Portal)
	}
	if err := w.Update(func(d *Document) error {
		d.Accounts[0].Portal.Recovery.Attempts = 3
		d.Settings.PortalTrust[0].Subject = "CN=p"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw := decryptRaw(t, w, VaultFile)
	for _, want := range []string{
		`"device_key":"k"`, `"link_hint":{"channel":"sms"}`, `"state":"approved"`, `"attempts":3`,
		`"pin_kind":"spki"`, `"subject":"CN=p"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("saved document lacks %s:\n%s", want, raw)
		}
	}
}

// Copies handed out must not share lists or pointers with the vault's own.
func TestPortalClonesAreDeep(t *testing.T) {
	v, _ := newTestVault(t)
	if err := v.Update(func(d *Document) error {
		d.Accounts = []Account{portalAccount()}
		d.Settings.PortalTrust = []PortalTrust{portalTrust()}
		d.Settings.NTPServers = []string{"ntp.example"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := v.Settings()
	s.PortalTrust[0].SHA256 = "changed"
	s.NTPServers[0] = "changed"
	d := v.Document()
	d.Settings.PortalTrust[0].Origin = "changed"
	d.Accounts[0].Portal.Recovery.Phrase = "changed"
	acc := v.Accounts()[0].Clone()
	acc.Portal.Recovery.State = "changed"

	again := v.Document()
	if got := again.Settings.PortalTrust[0]; got.SHA256 == "changed" || got.Origin == "changed" {
		t.Errorf("settings copy shares the trust list: %+v", got)
	}
	if again.Settings.NTPServers[0] == "changed" {
		t.Error("settings copy shares the NTP servers")
	}
	if r := again.Accounts[0].Portal.Recovery; r.Phrase == "changed" || r.State == "changed" {
		t.Errorf("account copy shares the recovery request: %v", r)
	}
}

func TestRecoveryRequestNeverPrintsSecrets(t *testing.T) {
	r := *portalAccount().Portal.Recovery
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("request", "r", r)
	for _, out := range []string{r.String(), fmt.Sprint(r), fmt.Sprintf("%v %+v %s", r, r, &r), logged.String()} {
		for _, secret := range []string{r.PollToken, r.Phrase, r.Message} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows a secret", out)
			}
		}
	}
	if !strings.Contains(r.String(), "state: sent") {
		t.Errorf("String lacks the state: %s", r)
	}
}
