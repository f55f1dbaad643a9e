package importer

import (
	"encoding/base64"
	"errors"
	"testing"
)

// steamAccountsFixture is the Steam app's account file as its description
// gives it: "accounts" maps each SteamID to the authenticator's fields, the
// SteamID both as the key and inside.
func steamAccountsFixture(secrets ...string) []byte {
	out := `{"accounts":{`
	names := []string{"gaben", "robin", "", "dota"}
	for i, s := range secrets {
		id := "7656119796028793" + string(rune('0'+i))
		if i > 0 {
			out += ","
		}
		out += `"` + id + `":{"steamid":"` + id + `","shared_secret":` + s + `,"serial_number":"1234567890123456789",` +
			`"revocation_code":"R1234` + string(rune('0'+i)) + `","uri":"otpauth://totp/Steam:x?secret=` + fxSentinel + `&issuer=Steam",` +
			`"server_time":"1700000000","account_name":"` + names[i%len(names)] + `","token_gid":"2a3b4c5d6e7f8091",` +
			`"identity_secret":"aWRlbnRpdHk=","secret_1":"c2VjcmV0","status":1,"steamguard_scheme":"2"}`
	}
	return []byte(out + `},"version":1}`)
}

func TestSteamAccounts(t *testing.T) {
	good := `"` + base64.StdEncoding.EncodeToString(fxSentinelBytes) + `"`
	other := `"` + base64.StdEncoding.EncodeToString([]byte("another key of 20 b.")) + `"`
	data := steamAccountsFixture(good, other, good, `"*not base64*"`)
	res := fxMustRead(t, "steam.json", data, FormatSteamAccounts, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Steam|gaben|steam|" + fxSentinel + "|SHA1|5|30|0|g=|n=|f=false|i=|r=R12340",
		"Steam|robin|steam|MFXG65DIMVZCA23FPEQG6ZRAGIYCAYRO|SHA1|5|30|0|g=|n=|f=false|i=|r=R12341",
		// No account name: the SteamID names it.
		"Steam|76561197960287932|steam|" + fxSentinel + "|SHA1|5|30|0|g=|n=|f=false|i=|r=R12342",
	})
	fxWantSkipped(t, res, map[string]string{"steam.json entry 4 (Steam:dota)": "shared_secret is not base64"})
	fxValid(t, res)
}

func TestSteamAccountsProblems(t *testing.T) {
	good := `"` + base64.StdEncoding.EncodeToString(fxSentinelBytes) + `"`
	tests := []struct {
		name    string
		data    string
		want    error
		skipped map[string]string
	}{
		{"truncated", string(steamAccountsFixture(good))[:150], ErrDamagedFile, nil},
		{"null secret", string(steamAccountsFixture("null")), nil,
			map[string]string{"steam.json entry 1 (Steam:gaben)": "no shared_secret"}},
		{"account not an object", `{"accounts":{"1":{"shared_secret":"c2VjcmV0"},"2":[1]}}`, nil,
			map[string]string{"steam.json entry 2 (Steam:2)": "expected shape"}},
		{"secret of the wrong type", `{"accounts":{"1":{"shared_secret":"c2VjcmV0"},"2":{"shared_secret":5}}}`, nil,
			map[string]string{"steam.json entry 2 (Steam:2)": "shared_secret field has the wrong type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fxRead(t, "steam.json", []byte(tt.data), FormatSteamAccounts, Options{})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if err == nil {
				fxWantSkipped(t, res, tt.skipped)
			}
		})
	}
}

func TestSteamAccountsDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`{"version":1,"accounts":{"1":{"account_name":"a","shared_secret":"c2VjcmV0"}}}`, FormatSteamAccounts},
		{`{"accounts":{"1":{"account_name":"a"}}}`, ""},
		{`{"accounts":[{"shared_secret":"c2VjcmV0"}]}`, ""},
		{`{"accounts":{}}`, ""},
		{`{"shared_secret":"c2VjcmV0","account_name":"a"}`, FormatSteamMaFile},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.50q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}
