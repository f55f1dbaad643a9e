package importer

import (
	"context"
	"testing"
)

func FuzzAuthy(f *testing.F) {
	f.Add(authyPlainFixture())
	f.Add(authyEncryptedFixture(f, "pw"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, FormatAuthy, opts)
		fxFuzzCheck(t, res, err)
	})
}
