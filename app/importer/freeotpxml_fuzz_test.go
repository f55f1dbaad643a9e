package importer

import (
	"context"
	"testing"
)

func FuzzFreeOTPXML(f *testing.F) {
	f.Add(freeOTPXMLFixture())
	f.Add(fxPrefs("tokenOrder", `["a","a","b"]`, "a", `{"type":"HOTP","counter":-2,"secret":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := New().Read(context.Background(), "fuzz", data, FormatFreeOTPXML, Options{})
		fxFuzzCheck(t, res, err)
	})
}
