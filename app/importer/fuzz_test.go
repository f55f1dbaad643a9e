package importer

import (
	"context"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary bytes through detection and whichever format
// claims them, the way `latchkey import FILE` does: nothing may panic or
// hang. Passwords are short so encrypted formats get to their checks.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A\nsteam://ABCDEFGH, otpauth://hotp/x?secret=JBSWY3DP&counter=1",
		"otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACjr4JKK%2Bv%2F%2F%2F%2F8B",
		`{"version":1,"header":{"slots":null,"params":null},"db":{"version":3,"entries":[]}}`,
		`{"schemaVersion":4,"services":[]}`,
		`[{"secret":"JBSWY3DP","label":"x","type":"TOTP"}]`,
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"GIF89a",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		opts := Options{Password: func() (string, error) { return "pw", nil }}
		res, err := New().Read(ctx, "fuzz", data, "", opts)
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
	})
}
