package importer

import (
	"context"
	"testing"
)

// FuzzOnePassword feeds changed 1Password exports, .1pux zips and CSV, to
// both readers: nothing may panic, and what is read can generate codes.
func FuzzOnePassword(f *testing.F) {
	f.Add(onePUXZip(f, [2]string{"export.attributes", onePUXAttributes}, [2]string{"export.data", onePUXFixture}))
	f.Add(onePUXZip(f, [2]string{"export.data", `{"accounts":[{"vaults":[{"items":[{"item":{"details":{"sections":[{"fields":[{"value":{"totp":"x"}}]}]}}}]}]}]}`}))
	f.Add([]byte(onePasswordCSVFixture))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{Format1Password1PUX, Format1PasswordCSV} {
			res, err := New().Read(context.Background(), "fuzz", data, format, Options{})
			fxFuzzCheck(t, res, err)
		}
	})
}
