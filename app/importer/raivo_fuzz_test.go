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
