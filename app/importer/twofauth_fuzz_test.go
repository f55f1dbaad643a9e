package importer

import (
	"context"
	"testing"
)

func FuzzTwoFAuth(f *testing.F) {
	f.Add(twofauthFixture(f, twofauthItem("hotp", "V", "b", "JBSWY3DPEHPK3PXP", "sha256", 8, "null", "42", "iVBORw0KGgo=")))
	f.Add([]byte(`{"app":"2fauth_v5","data":["otpauth://totp/a?secret=JBSWY3DP",{"otp_type":"steamtotp"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		is2FAuth(data)
		res, err := New().Read(context.Background(), "fuzz", data, Format2FAuth, Options{})
		fxFuzzCheck(t, res, err)
	})
}
