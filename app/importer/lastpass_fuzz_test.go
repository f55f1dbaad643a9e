package importer

import (
	"context"
	"testing"
)

func FuzzLastPass(f *testing.F) {
	f.Add(lastpassFixture(lastpassAccountJSON("Acme", "A", "ann", "a", "JBSWY3DPEHPK3PXP", "SHA256", 8, 60, true, "1")))
	f.Add([]byte(`{"deviceId":"a","localDeviceId":"b","accounts":[{"secret":1}],"folders":[{"id":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		isLastPass(data)
		res, err := New().Read(context.Background(), "fuzz", data, FormatLastPass, Options{})
		fxFuzzCheck(t, res, err)
	})
}
