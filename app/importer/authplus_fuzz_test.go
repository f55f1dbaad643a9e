package importer

import (
	"context"
	"testing"
)

func FuzzAuthenticatorPlus(f *testing.F) {
	for _, enc := range []authPlusSeal{authPlusPlain, authPlusPKWare, authPlusAE1, authPlusAE2} {
		f.Add(authPlusZip(f, "Accounts.txt", authPlusAccountsText, "pw", enc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, FormatAuthenticatorPlus, opts)
		fxFuzzCheck(t, res, err)
	})
}
