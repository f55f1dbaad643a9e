package importer

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// battlenetMasked writes text as the app stores it: XORed with the mask,
// in hex.
func battlenetMasked(text string) string {
	b := []byte(text)
	for i := range b {
		b[i] ^= battlenetMask[i%len(battlenetMask)]
	}
	return hex.EncodeToString(b)
}

// battlenetPrefs is a shared preferences file as Android writes it.
func battlenetPrefs(strs map[string]string) []byte {
	out := "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n" +
		`    <boolean name="com.blizzard.messenger.AUTHENTICATOR_ENABLED" value="true" />` + "\n" +
		`    <long name="com.blizzard.messenger.AUTHENTICATOR_CLOCK_OFFSET" value="-1523" />` + "\n"
	for _, k := range []string{battlenetSerialKey, battlenetSecretKey, battlenetOldKey, "other"} {
		if v, ok := strs[k]; ok {
			out += `    <string name="` + k + `">` + v + "</string>\n"
		}
	}
	return []byte(out + "</map>\n")
}

func TestBattleNet(t *testing.T) {
	keyHex := hex.EncodeToString(fxSentinelBytes)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"current app", battlenetPrefs(map[string]string{
			battlenetSecretKey: battlenetMasked(keyHex), battlenetSerialKey: battlenetMasked("US-1234-5678-9012"),
			"other": "x"}),
			"Battle.net|US-1234-5678-9012|totp|" + fxSentinel + "|SHA1|8|30|0|g=|n=|f=false|i=|r="},
		{"current app, no serial", battlenetPrefs(map[string]string{battlenetSecretKey: battlenetMasked(keyHex)}),
			"Battle.net||totp|" + fxSentinel + "|SHA1|8|30|0|g=|n=|f=false|i=|r="},
		{"older authenticator", battlenetPrefs(map[string]string{battlenetOldKey: battlenetMasked(keyHex + "EU-2345-6789-0123")}),
			"Battle.net|EU-2345-6789-0123|totp|" + fxSentinel + "|SHA1|8|30|0|g=|n=|f=false|i=|r="},
		{"upper-case hex", battlenetPrefs(map[string]string{battlenetSecretKey: strings.ToUpper(battlenetMasked(strings.ToUpper(keyHex)))}),
			"Battle.net||totp|" + fxSentinel + "|SHA1|8|30|0|g=|n=|f=false|i=|r="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := fxMustRead(t, "prefs.xml", tt.data, FormatBattleNet, Options{})
			fxCompare(t, "entries", fxSummary(res), []string{tt.want})
			if len(res.Skipped) != 0 {
				t.Errorf("skipped: %q", fxSkipped(res))
			}
			fxValid(t, res)
		})
	}
}

func TestBattleNetProblems(t *testing.T) {
	keyHex := hex.EncodeToString(fxSentinelBytes)
	good := battlenetPrefs(map[string]string{battlenetSecretKey: battlenetMasked(keyHex)})
	tests := []struct {
		name string
		data []byte
		text string
	}{
		{"truncated", good[:len(good)-20], "Battle.net preferences"},
		{"not hex", battlenetPrefs(map[string]string{battlenetSecretKey: "zz" + fxSentinel}), "not hex"},
		{"too long", battlenetPrefs(map[string]string{battlenetSecretKey: battlenetMasked(keyHex + keyHex)}), "longer than the app writes"},
		{"key not hex inside", battlenetPrefs(map[string]string{battlenetSecretKey: battlenetMasked("not a hex key at all")}), "hex key"},
		{"old, short", battlenetPrefs(map[string]string{battlenetOldKey: battlenetMasked(keyHex)}), "not the 57"},
		{"empty secret", battlenetPrefs(map[string]string{battlenetSecretKey: ""}), "no authenticator"},
		{"no map", []byte(`<prefs><string name="` + battlenetSecretKey + `">00</string></prefs>`), "no <map>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fxRead(t, "prefs.xml", tt.data, FormatBattleNet, Options{})
			if !errors.Is(err, ErrDamagedFile) || !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "import prefs.xml: ") {
				t.Fatalf("err = %v, want damage naming prefs.xml with %q", err, tt.text)
			}
		})
	}
}
