package importer

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// twofauthFixture is a 2FAuth JSON export as its export resource writes
// it: the app, schema and date, then each account's fields.
func twofauthFixture(t testing.TB, items ...string) []byte {
	t.Helper()
	return []byte(`{"app":"2fauth_v5.4.1","schema":1,"datetime":"2024-11-22T10:00:00.000000Z","data":[` + strings.Join(items, ",") + `]}`)
}

func twofauthItem(otpType, service, account, secret, algo string, digits int, period, counter, icon string) string {
	svc := "null"
	if service != "" {
		svc = `"` + service + `"`
	}
	iconFile, iconMime := "null", "null"
	if icon != "" {
		iconFile, iconMime = `"`+icon+`"`, `"image/png"`
	}
	return `{"otp_type":"` + otpType + `","account":"` + account + `","service":` + svc + `,"icon":null,"icon_mime":` + iconMime +
		`,"icon_file":` + iconFile + `,"secret":"` + secret + `","digits":` + string(rune('0'+digits)) + `,"algorithm":"` + algo +
		`","period":` + period + `,"counter":` + counter + `,"legacy_uri":"otpauth://` + otpType + `/x?secret=` + secret + `"}`
}

func TestTwoFAuth(t *testing.T) {
	png := fxPNG(t)
	data := twofauthFixture(t,
		twofauthItem("totp", "Acme", "ann@acme.example", fxSentinel, "sha1", 6, "30", "null", base64.StdEncoding.EncodeToString(png)),
		twofauthItem("hotp", "Vendor", "bob", "JBSWY3DPEHPK3PXP", "sha256", 8, "null", "42", ""),
		twofauthItem("totp", "", "carol", "JBSWY3DPEHPK3PXP", "sha512", 7, "60", "null", ""),
		twofauthItem("steamtotp", "Steam", "gamer", "JBSWY3DPEHPK3PXP", "sha1", 5, "30", "null", ""),
		twofauthItem("hotp", "NoCounter", "dave", "JBSWY3DPEHPK3PXP", "sha1", 6, "null", "null", ""),
		twofauthItem("motp", "Odd", "eve", "JBSWY3DPEHPK3PXP", "sha1", 6, "30", "null", ""),
		twofauthItem("totp", "Broken", "fay", "not base32!", "sha1", 6, "30", "null", "not an image"),
		`{"otp_type":"totp","secret":7}`,
	)
	res := fxMustRead(t, "2fauth.json", data, Format2FAuth, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme|ann@acme.example|totp|" + fxSentinel + "|SHA1|6|30|0|g=|n=|f=false|i=data:image/png;base64|r=",
		"Vendor|bob|hotp|JBSWY3DPEHPK3PXP|SHA256|8|30|42|g=|n=|f=false|i=|r=",
		"|carol|totp|JBSWY3DPEHPK3PXP|SHA512|7|60|0|g=|n=|f=false|i=|r=",
		"Steam|gamer|steam|JBSWY3DPEHPK3PXP|SHA1|5|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"2fauth.json entry 5 (NoCounter:dave)": "no counter",
		"2fauth.json entry 6 (Odd:eve)":        `otp_type "motp" is not supported`,
		"2fauth.json entry 7 (Broken:fay)":     "secret",
		"2fauth.json entry 8":                  "secret field has the wrong type",
	})
	fxValid(t, res)
}

func TestTwoFAuthLinks(t *testing.T) {
	data := twofauthFixture(t, `"otpauth://totp/Acme:ann?secret=`+fxSentinel+`&issuer=Acme&digits=8&period=60&algorithm=SHA256"`, `"no link"`)
	res := fxMustRead(t, "2fauth-otpauth.json", data, Format2FAuth, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme|ann|totp|" + fxSentinel + "|SHA256|8|60|0|g=|n=|f=false|i=|r=",
	})
	if len(res.Skipped) != 1 || res.Skipped[0].Source != "2fauth-otpauth.json entry 2" {
		t.Errorf("skipped %q", fxSkipped(res))
	}
}

func TestTwoFAuthProblems(t *testing.T) {
	good := twofauthFixture(t, twofauthItem("totp", "Acme", "ann", fxSentinel, "sha1", 6, "30", "null", ""))
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)/2]},
		{"truncated early", good[:40]},
		{"data not a list", []byte(`{"app":"2fauth_v5","data":{"x":1}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fxRead(t, "2fauth.json", tt.data, Format2FAuth, Options{})
			if !errors.Is(err, ErrDamagedFile) || !strings.HasPrefix(err.Error(), "import 2fauth.json: ") {
				t.Fatalf("err = %v, want damage naming the input", err)
			}
		})
	}
	if got := Detect([]byte(`{"app":"something else","data":[]}`)); got == Format2FAuth {
		t.Errorf("another app's export detected as 2FAuth")
	}
}
