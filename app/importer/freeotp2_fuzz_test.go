package importer

import (
	"context"
	"testing"
)

func FuzzFreeOTP2Backup(f *testing.F) {
	f.Add(freeOTP2Fixture(f, "pw", 1, freeOTP2Items()))
	f.Add(freeOTP2JavaMap("a", "a", "masterKey", "{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, FormatFreeOTP2, opts)
		fxFuzzCheck(t, res, err)
	})
}
