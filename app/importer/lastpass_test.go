package importer

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// lastpassFixture is an export as LastPass Authenticator writes it
// (version 3): the pairing, the accounts in the app's key order, folders.
func lastpassFixture(accounts ...string) []byte {
	return []byte(`{"deviceId":"f6a1b2c3d4e5","deviceSecret":"bGFzdHBhc3MgZGV2aWNlIHNlY3JldA==","localDeviceId":"0c1d2e3f",` +
		`"deviceName":"Pixel 8","version":3,"accounts":[` + strings.Join(accounts, ",") + `],` +
		`"folders":[{"id":0,"name":"Favorites","isOpened":true},{"id":1,"name":"Work","isOpened":false}]}`)
}

func lastpassAccountJSON(issuer, origIssuer, user, origUser, secret, algo string, digits, step int, fav bool, folder string) string {
	f := "false"
	if fav {
		f = "true"
	}
	folderData := "null"
	if folder != "" {
		folderData = `{"folderId":` + folder + `,"position":0}`
	}
	return `{"accountID":"a1b2","lmiUserId":"12345678","issuerName":"` + issuer + `","originalIssuerName":"` + origIssuer +
		`","userName":"` + user + `","originalUserName":"` + origUser + `","pushNotification":false,"secret":"` + secret +
		`","timeStep":` + strconv.Itoa(step) + `,"digits":` + strconv.Itoa(digits) + `,"creationTimestamp":1700000000000,"isFavorite":` + f +
		`,"algorithm":"` + algo + `","folderData":` + folderData + `}`
}

func TestLastPass(t *testing.T) {
	data := lastpassFixture(
		lastpassAccountJSON("Acme", "ACME Corp", "ann@acme.example", "ann", fxSentinel, "SHA1", 6, 30, false, "1"),
		lastpassAccountJSON("", "Vendor", "", "bob", "JBSWY3DPEHPK3PXP", "SHA256", 8, 60, true, "0"),
		lastpassAccountJSON("Plain", "", "carol", "", "jbsw y3dp ehpk 3pxp", "SHA512", 7, 15, false, ""),
		lastpassAccountJSON("Lost", "", "dave", "", "JBSWY3DPEHPK3PXP", "SHA1", 6, 30, false, "9"),
		lastpassAccountJSON("Broken", "", "eve", "", "not base32 !", "SHA1", 6, 30, false, ""),
		`{"issuerName":"Typed","secret":"JBSWY3DPEHPK3PXP","timeStep":"30"}`,
	)
	res := fxMustRead(t, "lastpass.json", data, FormatLastPass, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme|ann@acme.example|totp|" + fxSentinel + "|SHA1|6|30|0|g=Work|n=|f=false|i=|r=",
		"Vendor|bob|totp|JBSWY3DPEHPK3PXP|SHA256|8|60|0|g=Favorites|n=|f=true|i=|r=",
		"Plain|carol|totp|JBSWY3DPEHPK3PXP|SHA512|7|15|0|g=|n=|f=false|i=|r=",
		"Lost|dave|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"lastpass.json entry 5 (Broken:eve)": "secret",
		"lastpass.json entry 6":              "timeStep field has the wrong type",
	})
	fxValid(t, res)
}

func TestLastPassProblems(t *testing.T) {
	good := lastpassFixture(lastpassAccountJSON("Acme", "", "ann", "", fxSentinel, "SHA1", 6, 30, false, "1"))
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)/2], ErrDamagedFile},
		{"accounts not a list", []byte(`{"deviceId":"a","localDeviceId":"b","accounts":{"x":1}}`), ErrDamagedFile},
		{"trailing data", append(append([]byte{}, good...), "{}"...), ErrDamagedFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fxRead(t, "lastpass.json", tt.data, FormatLastPass, Options{})
			if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), "import lastpass.json: ") {
				t.Fatalf("err = %v, want %v naming the input", err, tt.want)
			}
		})
	}
	res := fxMustRead(t, "lastpass.json", lastpassFixture(), FormatLastPass, Options{})
	if len(res.Entries)+len(res.Skipped) != 0 {
		t.Errorf("an empty export: %q %q", fxSummary(res), fxSkipped(res))
	}
}
