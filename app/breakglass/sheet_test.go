package breakglass_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/breakglass"
	"github.com/latchkey/latchkey/vault"
)

// -render writes the test sheets and their pages as PNG (pdftoppm, from
// poppler-utils) into this directory, to look at them.
var render = flag.String("render", "", "write sheets and PNG pages to this directory")

var printed = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// codes makes n backup codes, the first used of them marked used; grouped
// ones look like 12345-67890, the others like 12345678.
func codes(n, used int, grouped bool) []vault.BackupCode {
	out := make([]vault.BackupCode, n)
	for i := range out {
		out[i].Code = fmt.Sprintf("%08d", (10000019+i*7919)%100000000)
		if grouped {
			out[i].Code = fmt.Sprintf("%05d-%05d", (i*104729)%100000, (i*15485863)%100000)
		}
		if i < used {
			out[i].UsedAt = &printed
		}
	}
	return out
}

func accounts() []vault.Account {
	return []vault.Account{
		{Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Secret: "JBSWY3DPEHPK3PXP", Algorithm: vault.SHA1, Digits: 6, Period: 30,
			BackupCodes: codes(10, 3, false), RecoveryCode: "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
			Portal: &vault.Portal{URL: "https://portal.acme.example"}},
		{Issuer: "GitHub", Name: "ann-ops", Type: vault.TOTP, Secret: "GEZDGNBVGY3TQOJQ", Algorithm: vault.SHA1, Digits: 6, Period: 30,
			BackupCodes: []vault.BackupCode{{Code: "9b3e1-4a7c2"}, {Code: "0f6d8-b21e9"}, {Code: "c4a90-7e3d1"}, {Code: "e8b27-1f5ac"}}},
		{Issuer: "Contoso Managed Detection and Response Platform for Very Large Tenants, EU West region", Group: "Contoso",
			Name: "a.very.long.service.account.name.for.the.night.shift@contoso-customer-tenant.example", Type: vault.TOTP,
			Secret: "GEZDGNBVGY3TQOJQ", Algorithm: vault.SHA256, Digits: 8, Period: 60, BackupCodes: codes(40, 0, true),
			RecoveryCode: "XM7QP-4R8TV-K2W9H-B6N3J-D5F8L", RecoveryFromPreviousSetup: true},
		{Issuer: "Zürich Bank – 山田", Name: "ops", Type: vault.TOTP, Secret: "GEZDGNBVGY3TQOJQ", Algorithm: vault.SHA1, Digits: 6, Period: 30,
			BackupCodes: codes(2, 2, false)},
		{Issuer: "", Name: "no-issuer", Type: vault.HOTP, Secret: "GEZDGNBVGY3TQOJQ", Algorithm: vault.SHA1, Digits: 6, Period: 30},
	}
}

func TestWriteSheet(t *testing.T) {
	tests := []struct {
		name string
		opt  breakglass.Options
		want []string
		not  []string
	}{
		{"codes only", breakglass.Options{Now: printed}, []string{"Break-glass sheet"}, []string{"WARNING", "SECRET KEY"}},
		{"with QR codes", breakglass.Options{Now: printed, IncludeQR: true}, []string{"WARNING", "SECRET KEY"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := breakglass.Write(&buf, accounts(), tt.opt); err != nil {
				t.Fatal(err)
			}
			pdf := buf.Bytes()
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%%EOF")) {
				t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
			}
			text := pdfText(t, pdf)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("sheet lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("sheet has %q", w)
				}
			}
			if tt.opt.IncludeQR != strings.Contains(string(pdf), "/Subtype /Image") {
				t.Errorf("images present: %v, want %v", !tt.opt.IncludeQR, tt.opt.IncludeQR)
			}
			if *render != "" {
				renderPages(t, pdf, filepath.Join(*render, strings.ReplaceAll(tt.name, " ", "-")))
			}
		})
	}
}

func TestSheetListsOnlyUnusedCodes(t *testing.T) {
	a := accounts()[0]
	var buf bytes.Buffer
	if err := breakglass.Write(&buf, []vault.Account{a}, breakglass.Options{Now: printed}); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	for i, c := range a.BackupCodes {
		if shown := strings.Contains(text, c.Code); shown != (c.UsedAt == nil) {
			t.Errorf("code %d (used %v) shown: %v", i+1, c.UsedAt != nil, shown)
		}
	}
	for _, w := range []string{a.RecoveryCode, "7 unused (3 used, not shown)", "https://portal.acme.example", "page 1 of 1"} {
		if !strings.Contains(text, w) {
			t.Errorf("sheet lacks %q", w)
		}
	}
}

func TestWriteNothing(t *testing.T) {
	if err := breakglass.Write(&bytes.Buffer{}, nil, breakglass.Options{}); !errors.Is(err, breakglass.ErrNoAccounts) {
		t.Errorf("error %v", err)
	}
}

// pdfText extracts the text with pdftotext (poppler-utils); fpdf
// compresses its content streams, so the test skips without it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	in := filepath.Join(t.TempDir(), "sheet.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func renderPages(t *testing.T, pdf []byte, prefix string) {
	t.Helper()
	if err := os.WriteFile(prefix+".pdf", pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "60", prefix+".pdf", prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
}
