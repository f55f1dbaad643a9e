package importer

import (
	"context"
	"testing"
)

// FuzzEnteEncrypted reads changed Ente Auth exports with the password of
// the seed (a cheap derivation): nothing may panic, and what decrypts is
// read as the link list it claims to be.
func FuzzEnteEncrypted(f *testing.F) {
	f.Add([]byte(enteSeal(f, "pw", 8<<10, 1, enteLibsodiumPlain)))
	f.Add([]byte(`{"version":1,"kdfParams":{"memLimit":8192,"opsLimit":1,"salt":"AAECAwQFBgcICQoLDA0ODw=="},"encryptedData":"AAAAAAAAAAAAAAAAAAAAAAAA","encryptionNonce":"GCAxhw0ydKgJT2YhLJwH3ZoNCzGOGqlw"}`))
	f.Add([]byte(enteFixturePlain))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		for _, format := range []Format{FormatEnteEncrypted, FormatEnte} {
			res, err := New().Read(context.Background(), "fuzz", data, format, opts)
			fxFuzzCheck(t, res, err)
		}
	})
}
