package importer

import (
	"context"
	"encoding/hex"
	"testing"
)

func FuzzBattleNet(f *testing.F) {
	f.Add(battlenetPrefs(map[string]string{battlenetSecretKey: battlenetMasked(hex.EncodeToString([]byte("0123456789abcdefghij"))),
		battlenetSerialKey: battlenetMasked("US-1234-5678-9012")}))
	f.Add(battlenetPrefs(map[string]string{battlenetOldKey: battlenetMasked("00")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		isBattleNet(data)
		res, err := New().Read(context.Background(), "fuzz", data, FormatBattleNet, Options{})
		fxFuzzCheck(t, res, err)
	})
}
