package importer

import (
	"context"
	"testing"
)

// FuzzAndOTPOldDetected: binary input no format claims goes to the old
// andOTP reader; it answers a result or one error, never a panic.
func FuzzAndOTPOldDetected(f *testing.F) {
	f.Add(andotpEncryptOld(f, andotpFixture(f), "pw"))
	f.Add(andotpEncryptOld(f, []byte(`[{"secret":"JBSWY3DP","label":"a","type":"HOTP"}]`), "pw"))
	f.Add([]byte("\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, "", opts)
		if (res == nil) == (err == nil) {
			t.Fatalf("result %v and error %v", res, err)
		}
		if res != nil {
			fxValid(t, res)
		}
	})
}
