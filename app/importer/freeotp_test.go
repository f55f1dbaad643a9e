package importer

import (
	"context"
	"encoding/base32"
	"strconv"
	"strings"
	"testing"
)

// javaBytes writes key as Gson writes a Java byte[]: signed numbers.
func javaBytes(key []byte) string {
	parts := make([]string, len(key))
	for i, b := range key {
		parts[i] = strconv.Itoa(int(int8(b)))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func b32(s string) []byte {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		panic(err)
	}
	return key
}

// freeOTPFixture is an export as FreeOTP+ writes it (Gson, compact,
// members in field order, nulls left out).
func freeOTPFixture() []byte {
	sentinel := javaBytes(fxSentinelBytes)
	return []byte(`{"tokens":[` +
		`{"issuerInt":"Acme RMM","issuerExt":"Acme RMM","label":"ann@acme.example","type":"TOTP","algo":"SHA512","secret":` + javaBytes(b32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")) + `,"digits":8,"counter":0,"period":60,"category":"Work"},` +
		`{"issuerExt":"Vendor","label":"bob","type":"HOTP","algo":"SHA256","secret":` + javaBytes(b32("MFRGGZDFMZTWQ2LK")) + `,"digits":6,"counter":4,"period":30},` +
		`{"issuerInt":"Steam","issuerExt":"Steam","label":"gaben","type":"TOTP","algo":"SHA1","secret":` + javaBytes([]byte{0xde, 0xad, 0xbe, 0xef, 0x80, 0x7f}) + `,"digits":5,"counter":0,"period":30},` +
		`{"issuerExt":"Old","issuerAlt":"Mon Portail","label":"old","labelAlt":"Zoë","type":"TOTP","algo":"SHA1","secret":` + javaBytes(b32("JBSWY3DPEHPK3PXP")) + `,"digits":6,"counter":0,"period":30},` +
		`{"issuerExt":"","label":"lonely","type":"TOTP","algo":"SHA1","secret":` + javaBytes(b32("JBSWY3DPEHPK3PXQ")) + `,"digits":7,"counter":0,"period":30},` +
		`{"issuerExt":"Odd","label":"m","type":"MOTP","algo":"SHA1","secret":` + sentinel + `,"digits":6,"counter":0,"period":30},` +
		`{"issuerExt":"Big","label":"n","type":"TOTP","algo":"SHA1","secret":[1,2,300],"digits":6,"counter":0,"period":30},` +
		`{"issuerExt":"Empty","label":"e","type":"TOTP","algo":"SHA1","secret":[],"digits":6,"counter":0,"period":30},` +
		`{"issuerExt":"MD5","label":"h","type":"TOTP","algo":"MD5","secret":` + sentinel + `,"digits":6,"counter":0,"period":30},` +
		`{"issuerExt":"Frac","label":"f","type":"TOTP","secret":[1.5]}` +
		`],"tokenOrder":["Acme RMM:ann@acme.example","Vendor:bob","Steam:gaben","Old:old","lonely","Odd:m","Big:n","Empty:e","MD5:h","Frac:f"]}`)
}

func TestFreeOTP(t *testing.T) {
	res := fxMustRead(t, "freeotp-backup.json", freeOTPFixture(), FormatFreeOTP, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work|n=|f=false|i=|r=",
		"Vendor|bob|hotp|MFRGGZDFMZTWQ2LK|SHA256|6|30|5|g=|n=|f=false|i=|r=",
		"Steam|gaben|steam|32W3534AP4|SHA1|5|30|0|g=|n=|f=false|i=|r=",
		"Mon Portail|Zoë|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"|lonely|totp|JBSWY3DPEHPK3PXQ|SHA1|7|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"freeotp-backup.json entry 6 (Odd:m)":   `token type "MOTP"`,
		"freeotp-backup.json entry 7 (Big:n)":   "secret byte 3 is out of range",
		"freeotp-backup.json entry 8 (Empty:e)": "no secret",
		"freeotp-backup.json entry 9":           "MD5",
		"freeotp-backup.json entry 10":          "secret",
	})
	fxValid(t, res)
}

func TestFreeOTPDamaged(t *testing.T) {
	data := freeOTPFixture()
	for _, cut := range []int{len(data) / 2, len(data) - 1} {
		_, err := fxRead(t, "freeotp-backup.json", data[:cut], FormatFreeOTP, Options{})
		if err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("cut at %d: Read = %v, want a damaged file", cut, err)
		}
	}
	if _, err := fxRead(t, "x.json", []byte(`{"tokens":null,"tokenOrder":[]}`), FormatFreeOTP, Options{}); err == nil {
		t.Error("a file without tokens was accepted")
	}
}

func TestFreeOTPDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`{"tokens":[],"tokenOrder":[]}`, FormatFreeOTP},
		{`{"tokens":[{"issuerExt":"a","secret":[1]}]}`, FormatFreeOTP},
		{`{"tokens":["otpauth://totp/a?secret=JBSWY3DP"]}`, FormatURIs},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.50q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzFreeOTP(f *testing.F) {
	f.Add(freeOTPFixture())
	f.Add([]byte(`{"tokens":[{"type":"HOTP","counter":9223372036854775807,"secret":[1]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := New().Read(context.Background(), "fuzz", data, FormatFreeOTP, Options{})
		fxFuzzCheck(t, res, err)
	})
}
