package importer

import (
	"context"
	"errors"
	"testing"
)

// duoFixture is Duo Mobile's files/duokit/accounts.json: an array of
// accounts, passcode accounts with an otpGenerator.
const duoFixture = `[` +
	`{"name":"Google","otpGenerator":{"otpSecret":"JBSWY3DPEHPK3PXP"}},` +
	`{"name":"Acme:ann@acme.example","otpGenerator":{"otpSecret":"MFRGGZDFMZTWQ2LK","counter":7}},` +
	`{"name":"Zoë's Bank","otpGenerator":{"otpSecret":"gezdgnbvgy3tqojq"}},` +
	`{"name":"Work (Duo Push)"},` +
	`{"name":"Bad","otpGenerator":{"otpSecret":"` + fxSentinel + `!"}},` +
	`{"name":"Neg","otpGenerator":{"otpSecret":"` + fxSentinel + `","counter":-3}},` +
	`{"name":"Num","otpGenerator":{"otpSecret":12345}}` +
	`]`

func TestDuo(t *testing.T) {
	res := fxMustRead(t, "accounts.json", []byte(duoFixture), FormatDuo, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"|Google|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"Acme|ann@acme.example|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|7|g=|n=|f=false|i=|r=",
		"|Zoë's Bank|totp|GEZDGNBVGY3TQOJQ|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"accounts.json entry 4 (Work (Duo Push))": "Duo Push only",
		"accounts.json entry 5":                   "base32",
		"accounts.json entry 6 (Neg)":             "negative",
		"accounts.json entry 7":                   "otpSecret",
	})
	fxValid(t, res)
}

func TestDuoDamaged(t *testing.T) {
	_, err := fxRead(t, "accounts.json", []byte(duoFixture[:60]), FormatDuo, Options{})
	if !errors.Is(err, ErrDamagedFile) {
		t.Fatalf("Read = %v, want a damaged file", err)
	}
}

func TestDuoDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`[{"name":"a","otpGenerator":{"otpSecret":"JBSWY3DP"}}]`, FormatDuo},
		{`{"name":"a","otpGenerator":{"otpSecret":"JBSWY3DP"}}`, ""},
		{`[{"name":"otpauth://totp/a?secret=JBSWY3DP"}]`, FormatURIs},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.50q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzDuo(f *testing.F) {
	f.Add([]byte(duoFixture))
	f.Add([]byte(`[{"otpGenerator":null},1,"x"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := New().Read(context.Background(), "fuzz", data, FormatDuo, Options{})
		fxFuzzCheck(t, res, err)
	})
}
