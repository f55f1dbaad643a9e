package importer

import (
	"context"
	"testing"
)

func FuzzTOTPAuthenticator(f *testing.F) {
	f.Add(totpAuthBackup("TotpAuthenticator", totpAuthList()), true)
	f.Add(fxPrefs(totpAuthListKey, totpAuthList()), false)
	f.Fuzz(func(t *testing.T, data []byte, backup bool) {
		format := FormatTOTPAuthenticatorXML
		if backup {
			format = FormatTOTPAuthenticator
		}
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, format, opts)
		fxFuzzCheck(t, res, err)
	})
}
