package importer

import (
	"context"
	"testing"
)

func FuzzRaivo(f *testing.F) {
	f.Add(raivoFixture())
	f.Add([]byte(`[{"kind":"HOTP","secret":"JBSWY3DP","counter":"18446744073709551615","digits":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		isRaivo(data)
		res, err := New().Read(context.Background(), "fuzz", data, FormatRaivo, Options{})
		fxFuzzCheck(t, res, err)
	})
}

func FuzzRaivoZip(f *testing.F) {
	plain := []byte(`[{"kind":"TOTP","secret":"JBSWY3DPEHPK3PXP","issuer":"A","account":"b","digits":"6","timer":"30"}]`)
	for _, scheme := range []string{"aes2", "aes1", "pkware", "none"} {
		f.Add(raivoZip(f, plain, "pw", scheme))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		isRaivoZip(data)
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, FormatRaivoZip, opts)
		fxFuzzCheck(t, res, err)
	})
}
