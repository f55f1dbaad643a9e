package importer

import (
	"errors"
	"strings"
	"testing"
)

// raivoFixture is raivo-otp-export.json as Raivo writes it: every value a
// string, icons as a set's file name or empty.
func raivoFixture() []byte {
	return []byte(`[` +
		`{"kind":"TOTP","algorithm":"SHA1","timer":"30","digits":"6","issuer":"Acme","account":"ann@acme.example","secret":"` + fxSentinel + `","counter":"0","iconType":"raivo_repository","iconValue":"acme/acme.png"},` +
		`{"kind":"HOTP","algorithm":"SHA256","timer":"30","digits":"8","issuer":"Vendor","account":"bob","secret":"JBSWY3DPEHPK3PXP","counter":"42","iconType":"","iconValue":""},` +
		`{"kind":"TOTP","algorithm":"SHA512","timer":"60","digits":"7","issuer":"","account":"carol","secret":"JBSWY3DPEHPK3PXP","counter":"0","iconType":"","iconValue":""},` +
		`{"kind":"TOTP","algorithm":"SHA1","timer":30,"digits":6,"issuer":"Numbers","account":"dave","secret":"JBSWY3DPEHPK3PXP","counter":0},` +
		`{"kind":"TOTP","algorithm":"SHA1","timer":"thirty","digits":"6","issuer":"BadTimer","account":"eve","secret":"JBSWY3DPEHPK3PXP","counter":"0"},` +
		`{"kind":"HOTP","algorithm":"SHA1","timer":"30","digits":"6","issuer":"BadCounter","account":"fay","secret":"JBSWY3DPEHPK3PXP","counter":"-1"},` +
		`{"kind":"MOTP","algorithm":"SHA1","timer":"30","digits":"6","issuer":"Odd","account":"gus","secret":"JBSWY3DPEHPK3PXP","counter":"0"},` +
		`{"kind":"TOTP","algorithm":"SHA1","timer":"30","digits":"6","issuer":"Broken","account":"hal","secret":"not base32!","counter":"0"},` +
		`{"kind":"TOTP","secret":["x"]}` +
		`]`)
}

func TestRaivo(t *testing.T) {
	res := fxMustRead(t, "raivo-otp-export.json", raivoFixture(), FormatRaivo, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme|ann@acme.example|totp|" + fxSentinel + "|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"Vendor|bob|hotp|JBSWY3DPEHPK3PXP|SHA256|8|30|42|g=|n=|f=false|i=|r=",
		"|carol|totp|JBSWY3DPEHPK3PXP|SHA512|7|60|0|g=|n=|f=false|i=|r=",
		"Numbers|dave|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"raivo-otp-export.json entry 5 (BadTimer:eve)":   "timer is not a number",
		"raivo-otp-export.json entry 6 (BadCounter:fay)": "counter is not a number",
		"raivo-otp-export.json entry 7 (Odd:gus)":        `kind "MOTP" is not supported`,
		"raivo-otp-export.json entry 8 (Broken:hal)":     "secret",
		"raivo-otp-export.json entry 9":                  "secret field has the wrong type",
	})
	fxValid(t, res)
}

func TestRaivoProblems(t *testing.T) {
	data := raivoFixture()
	_, err := fxRead(t, "raivo.json", data[:len(data)/2], FormatRaivo, Options{})
	if !errors.Is(err, ErrDamagedFile) || !strings.HasPrefix(err.Error(), "import raivo.json: ") {
		t.Errorf("truncated: %v", err)
	}
}
