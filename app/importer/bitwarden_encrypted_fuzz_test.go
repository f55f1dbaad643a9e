package importer

import (
	"context"
	"testing"
)

// FuzzBitwardenEncrypted feeds changed password-protected exports to the
// Bitwarden reader with the right password: damage must be reported,
// never panic.
func FuzzBitwardenEncrypted(f *testing.F) {
	f.Add([]byte(bwSeal(f, "pw", bwKDF{kind: 0, iterations: 1000}, `{"encrypted":false,"items":[{"name":"a","login":{"totp":"JBSWY3DP"}}]}`)))
	f.Add([]byte(`{"encrypted":true,"passwordProtected":true,"salt":"x","kdfType":1,"kdfIterations":1,"kdfMemory":1,"kdfParallelism":1,"encKeyValidation_DO_NOT_EDIT":"2.|","data":"2.||"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(context.Background(), "fuzz", data, FormatBitwarden, opts)
		fxFuzzCheck(t, res, err)
	})
}
