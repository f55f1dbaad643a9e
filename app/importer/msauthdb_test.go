package importer

import (
	"encoding/base64"
	"testing"
)

// msAuthDBSchema is part of the accounts table as the app creates it (it
// has some forty columns; these are the ones that matter and a few
// around them).
const msAuthDBSchema = `CREATE TABLE accounts (_id INTEGER PRIMARY KEY AUTOINCREMENT, group_key TEXT, name TEXT,
	username TEXT, paws_url TEXT, oath_secret_key TEXT, oath_enabled INTEGER, cid TEXT, aad_user_id TEXT,
	aad_tenant_id TEXT, account_type INTEGER, ux_position INTEGER, encrypted_oath_secret_key TEXT)`

// msAuthDBFixture is a database as the app writes it, in WAL mode.
func msAuthDBFixture(t testing.TB) []byte {
	msKey := base64.StdEncoding.EncodeToString([]byte("microsoft-account-key-20"))
	msKeyURL := base64.RawURLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07})
	return fxSQLite(t, true,
		msAuthDBSchema,
		`INSERT INTO accounts (name, username, oath_secret_key, oath_enabled, account_type, ux_position, encrypted_oath_secret_key) VALUES
			('GitHub', 'ann', 'jbswy3dpehpk3pxp', 1, 0, 0, NULL),
			('Microsoft', 'ann@outlook.com', '`+msKey+`', 1, 1, 1, NULL),
			('Microsoft', 'bob@hotmail.com', '`+msKeyURL+`', 1, 1, 2, NULL),
			('Contoso', 'ann@contoso.com', '`+fxSentinel+`', 1, 2, 3, NULL),
			('Locked', 'carol', '', 1, 0, 4, 'AAAAwrapped'),
			('Empty', 'dave', NULL, 0, 0, 5, NULL),
			('Odd', 'x', '`+fxSentinel+`', 1, 9, 6, NULL),
			('Broken', 'y', '`+fxSentinel+`!!', 1, 0, 7, NULL),
			('Bad64', 'z', '!!!`+fxSentinel+`', 1, 1, 8, NULL)`)
}

func TestMSAuthDB(t *testing.T) {
	res := fxMustRead(t, "PhoneFactor", msAuthDBFixture(t), FormatMSAuthDB, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"GitHub|ann|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		// base32 of "microsoft-account-key-20", then of the URL-safe key
		"Microsoft|ann@outlook.com|totp|NVUWG4TPONXWM5BNMFRWG33VNZ2C223FPEWTEMA|SHA1|8|30|0|g=|n=|f=false|i=|r=",
		"Microsoft|bob@hotmail.com|totp|7P774AICAMCAKBQH|SHA1|8|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"PhoneFactor entry 4 (Contoso:ann@contoso.com)": "work or school",
		"PhoneFactor entry 5 (Locked:carol)":            "Android Keystore",
		"PhoneFactor entry 6 (Empty:dave)":              "no secret",
		"PhoneFactor entry 7 (Odd:x)":                   "account type 9 is unknown",
		"PhoneFactor entry 8 (Broken:y)":                "secret",
		"PhoneFactor entry 9 (Bad64:z)":                 "not base64",
	})
	fxValid(t, res)
}
