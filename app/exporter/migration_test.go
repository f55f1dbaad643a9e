package exporter_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/vault"
)

func TestSplitMigration(t *testing.T) {
	long := googleAccounts(1)[0]
	long.Issuer, long.Name = strings.Repeat("i", 900), strings.Repeat("n", 900)
	tests := []struct {
		name   string
		a      vault.Account
		reason string // "" when exportable
	}{
		{"totp", googleAccounts(1)[0], ""},
		{"hotp 8 digits", googleAccounts(4)[3], ""},
		{"steam", fullAccounts()[3], "Steam"},
		{"60 s, 7 digits", fullAccounts()[2], "7"},
		{"60 s", withPeriod(googleAccounts(1)[0], 60), "30-second"},
		{"too long for a QR code", long, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, skipped := exporter.SplitMigration([]vault.Account{tt.a})
			switch {
			case tt.reason == "" && (len(ok) != 1 || len(skipped) != 0):
				t.Errorf("skipped: %v", skipped)
			case tt.reason != "" && (len(ok) != 0 || len(skipped) != 1 || !strings.Contains(skipped[0].Reason, tt.reason)):
				t.Errorf("ok %d, skipped %v; want the reason to say %q", len(ok), skipped, tt.reason)
			}
			for _, s := range skipped {
				assertNoSentinel(t, "reason", s.Reason)
			}
		})
	}
}

func withPeriod(a vault.Account, p int) vault.Account { a.Period = p; return a }

func TestMigrationLinksBatching(t *testing.T) {
	longNames := googleAccounts(12)
	for i := range longNames {
		longNames[i].Name = fmt.Sprintf("%03d-%s", i, strings.Repeat("technician", 20))
	}
	tests := []struct {
		name      string
		accounts  []vault.Account
		wantLinks int
	}{
		{"one", googleAccounts(1), 1},
		{"ten in one", googleAccounts(10), 1},
		{"23 in three", googleAccounts(23), 3},
		{"long names, fewer per code", longNames, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links, err := exporter.MigrationLinks(tt.accounts)
			if err != nil {
				t.Fatal(err)
			}
			if len(links) != tt.wantLinks {
				t.Errorf("%d links, want %d", len(links), tt.wantLinks)
			}
			var got []vault.Account
			for i, l := range links {
				if len(l) > exporter.MaxLinkBytes {
					t.Errorf("link %d: %d bytes", i, len(l))
				}
				b, err := otpauth.DecodeMigration(l)
				if err != nil || b.BatchIndex != i || b.BatchSize != len(links) {
					t.Fatalf("link %d: index %d of %d (%v)", i, b.BatchIndex, b.BatchSize, err)
				}
				got = append(got, b.Accounts...)
			}
			if len(got) != len(tt.accounts) {
				t.Fatalf("%d accounts back, want %d", len(got), len(tt.accounts))
			}
			for i := range got {
				if otpFields(got[i]) != otpFields(tt.accounts[i]) {
					t.Errorf("account %d: %s", i, otpFields(got[i]))
				}
			}
		})
	}
	if _, err := exporter.MigrationLinks(nil); err == nil {
		t.Error("no accounts: no error")
	}
}

// TestMigrationQRRoundTrip decodes the images as a phone would see them and
// imports the batch back through app/importer: it must come back complete.
func TestMigrationQRRoundTrip(t *testing.T) {
	accounts := googleAccounts(23)
	images, err := exporter.MigrationQR(accounts)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 3 {
		t.Fatalf("%d images", len(images))
	}
	im := importer.New()
	var entries []importer.Entry
	for i, data := range images {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width < 720 || cfg.Width != cfg.Height {
			t.Errorf("image %d: %dx%d (%v)", i, cfg.Width, cfg.Height, err)
		}
		codes, err := qrscan.DecodeReader(context.Background(), "qr.png", bytes.NewReader(data))
		if err != nil || len(codes) != 1 || codes[0].Kind != qrscan.KindMigration {
			t.Fatalf("image %d: %v (%v)", i, codes, err)
		}
		res, err := im.Read(context.Background(), fmt.Sprintf("qr-%d.png", i+1), data, "", importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, res.Entries...)
	}
	b := im.Batches()
	if len(b) != 1 || !b[0].Complete() || b[0].Size != 3 {
		t.Fatalf("batches %v", b)
	}
	if len(entries) != len(accounts) {
		t.Fatalf("%d entries, want %d", len(entries), len(accounts))
	}
	for i, e := range entries {
		if otpFields(e.Account) != otpFields(accounts[i]) {
			t.Errorf("entry %d: %s, want %s", i, otpFields(e.Account), otpFields(accounts[i]))
		}
	}
}

func TestMigrationQRRefusesUnsupported(t *testing.T) {
	_, err := exporter.MigrationQR(fullAccounts())
	if err == nil || !strings.Contains(err.Error(), `"Steam:gaben"`) {
		t.Fatalf("error %v, want one naming the Steam account", err)
	}
	assertNoSentinel(t, "error", err.Error())
}

// TestMaxLinkBytesFits checks the documented density: a link of
// MaxLinkBytes fits a QR code at error correction M.
func TestMaxLinkBytesFits(t *testing.T) {
	text := "otpauth-migration://offline?data=" + strings.Repeat("A", exporter.MaxLinkBytes-33)
	data, err := exporter.QRPNG(text)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := png.DecodeConfig(bytes.NewReader(data))
	if _, err := exporter.QRPNG(strings.Repeat("x", 3000)); err == nil {
		t.Error("3000 bytes fit in a QR code")
	}
	t.Logf("%d-byte link: %d pixels", exporter.MaxLinkBytes, cfg.Width)
}
