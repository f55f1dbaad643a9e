package importer

import (
	"context"
	"testing"
)

func FuzzSteamAccounts(f *testing.F) {
	f.Add(steamAccountsFixture(`"c2VjcmV0LWtleQ=="`, `"eA=="`))
	f.Add([]byte(`{"accounts":{"1":{"shared_secret":null},"2":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		isSteamAccounts(data)
		res, err := New().Read(context.Background(), "fuzz", data, FormatSteamAccounts, Options{})
		fxFuzzCheck(t, res, err)
	})
}
