package exporter_test

import (
	"context"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

func TestURIsExact(t *testing.T) {
	got, err := exporter.URIs(fullAccounts())
	if err != nil {
		t.Fatal(err)
	}
	want := "otpauth://totp/Acme%20RMM:ann@acme.example?secret=" + sentinel + "&issuer=Acme%20RMM&portal=https%3A%2F%2Fportal.example\n" +
		"otpauth://hotp/Vendor%20Portal:ops%20bob%2B2fa?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vendor%20Portal&algorithm=SHA256&digits=8&counter=42\n" +
		"otpauth://totp/Big%20Bank:carol?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Big%20Bank&algorithm=SHA512&digits=7&period=60\n" +
		"otpauth://totp/Steam:gaben?secret=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU&issuer=Steam&digits=5&encoder=steam\n" +
		"otpauth://totp/:dave:home?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U\n"
	if string(got) != want {
		t.Errorf("URIs:\n%s\nwant:\n%s", got, want)
	}
}

func TestURIsRoundTrip(t *testing.T) {
	accounts := append(fullAccounts(), googleAccounts(12)...)
	data, err := exporter.URIs(accounts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.New().Read(context.Background(), "export.txt", data, importer.FormatURIs, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) > 0 || len(res.Entries) != len(accounts) {
		t.Fatalf("%d entries, skipped %v; want %d", len(res.Entries), res.Skipped, len(accounts))
	}
	for i, e := range res.Entries {
		if got, want := otpFields(e.Account), otpFields(accounts[i]); got != want {
			t.Errorf("entry %d: %s, want %s", i, got, want)
		}
	}
}

func TestURIsRefusesInvalid(t *testing.T) {
	bad := []vault.Account{{Issuer: "X", Name: "y", Type: "motp", Secret: sentinel}}
	_, err := exporter.URIs(bad)
	if err == nil || !strings.Contains(err.Error(), `"X: y"`) {
		t.Fatalf("error %v, want one naming the account", err)
	}
	assertNoSentinel(t, "error", err.Error())
}
