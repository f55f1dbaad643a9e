package importer

import (
	"errors"
	"strings"
	"testing"
)

// freeOTPXMLFixture is a tokens.xml as FreeOTP and FreeOTP+ write it: one
// string per token named "issuer:label" with the token's JSON (Gson of the
// Token class), out of the order the app shows, and the tokenOrder list.
func freeOTPXMLFixture() []byte {
	return fxPrefs(
		"Vendor:bob", `{"algo":"SHA256","counter":41,"digits":7,"issuerExt":"Vendor","issuerInt":"Vendor","label":"bob","period":30,"secret":`+javaBytes(b32("MFRGGZDFMZTWQ2LK"))+`,"type":"HOTP"}`,
		"Acme RMM:ann@acme.example", `{"algo":"SHA512","counter":0,"digits":8,"issuerExt":"Acme RMM","issuerInt":"Acme RMM","label":"ann@acme.example","period":60,"secret":`+javaBytes(b32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))+`,"type":"TOTP"}`,
		"Steam:gaben", `{"algo":"SHA1","counter":0,"digits":5,"issuerExt":"Steam","issuerInt":"Steam","label":"gaben","period":30,"secret":`+javaBytes([]byte{0xde, 0xad, 0xbe, 0xef, 0x80, 0x7f})+`,"type":"TOTP"}`,
		"Old:old", `{"algo":"SHA1","counter":0,"digits":6,"issuerExt":"Old","issuerAlt":"Mon Portail","label":"old","labelAlt":"Zoë","period":30,"secret":`+javaBytes(b32("JBSWY3DPEHPK3PXP"))+`,"type":"TOTP"}`,
		"Odd:m", `{"algo":"SHA1","digits":6,"issuerExt":"Odd","label":"m","period":30,"secret":`+javaBytes(fxSentinelBytes)+`,"type":"MOTP"}`,
		"Broken:b", `{"algo":"SHA1",`,
		"tokenOrder", `["Acme RMM:ann@acme.example","Vendor:bob","Steam:gaben","Odd:m","Old:old","Broken:b"]`,
	)
}

func TestFreeOTPXML(t *testing.T) {
	res := fxMustRead(t, "tokens.xml", freeOTPXMLFixture(), FormatFreeOTPXML, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=|n=|f=false|i=|r=",
		"Vendor|bob|hotp|MFRGGZDFMZTWQ2LK|SHA256|7|30|42|g=|n=|f=false|i=|r=",
		"Steam|gaben|steam|32W3534AP4|SHA1|5|30|0|g=|n=|f=false|i=|r=",
		"Mon Portail|Zoë|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"tokens.xml entry 4 (Odd:m)":    `token type "MOTP"`,
		"tokens.xml entry 6 (Broken:b)": "not a JSON object",
	})
	fxValid(t, res)
}

func TestFreeOTPXMLWithoutOrder(t *testing.T) {
	data := fxPrefs("A:a", `{"algo":"SHA1","digits":6,"issuerExt":"A","label":"a","period":30,"secret":[1,2,3,4,5,6,7,8,9,10],"type":"TOTP"}`)
	res := fxMustRead(t, "tokens.xml", data, FormatFreeOTPXML, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{"A|a|totp|AEBAGBAFAYDQQCIK|SHA1|6|30|0|g=|n=|f=false|i=|r="})
}

func TestFreeOTPXMLDamaged(t *testing.T) {
	data := freeOTPXMLFixture()
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)/2], "not valid XML"},
		{"bad order", fxPrefs("tokenOrder", `["a",`), "tokenOrder"},
		{"empty map", []byte(`<?xml version='1.0' encoding='utf-8' standalone='yes' ?><map><string name="tokenOrder"></string></map>`), "empty"},
	} {
		_, err := New().Read(t.Context(), "tokens.xml", tt.data, FormatFreeOTPXML, Options{})
		if !errors.Is(err, ErrDamagedFile) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "tokens.xml") {
			t.Errorf("%s: Read = %v, want a damaged tokens.xml (%s)", tt.name, err, tt.want)
		}
	}
}

func TestFreeOTPXMLDetect(t *testing.T) {
	for _, tt := range []struct {
		data []byte
		want Format
	}{
		{freeOTPXMLFixture(), FormatFreeOTPXML},
		{fxPrefs("tokenOrder", "[]"), FormatFreeOTPXML},
		{fxPrefs("other", "x"), ""},
		{[]byte(`<html><body>tokenOrder</body></html>`), ""},
	} {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("Detect(%.60q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func TestFreeOTPXMLFreeOTP2Store(t *testing.T) {
	data := fxPrefs(
		"tokenOrder", `["0f3c5e2a-1111-4222-8333-444455556666"]`,
		"0f3c5e2a-1111-4222-8333-444455556666", `{"key":"{\"mCipher\":\"AES/GCM/NoPadding\"}"}`,
		"0f3c5e2a-1111-4222-8333-444455556666-token", `{"algo":"SHA1","digits":6,"issuerExt":"A","label":"a","period":30,"type":"TOTP"}`)
	_, err := fxRead(t, "tokens.xml", data, FormatFreeOTPXML, Options{})
	if !errors.Is(err, ErrFreeOTP2Store) || !strings.Contains(err.Error(), "tokens.xml") {
		t.Errorf("Read = %v, want ErrFreeOTP2Store naming the file", err)
	}
}
