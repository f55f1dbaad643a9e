package importer

import (
	"testing"
)

// googleAuthDBSchema is the accounts table as the app creates it today;
// googleAuthDBOldSchema as releases before the issuer column had it.
const (
	googleAuthDBSchema = `CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL,
		counter INTEGER DEFAULT 0, type INTEGER, provider INTEGER DEFAULT 0, issuer TEXT DEFAULT NULL,
		original_name TEXT DEFAULT NULL, isencrypted INTEGER DEFAULT 0)`
	googleAuthDBOldSchema = `CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL,
		counter INTEGER DEFAULT 0, type INTEGER)`
)

// googleAuthDBFixture is a database as the app writes it: the usual rows,
// the unusual but valid, and rows that must be skipped.
func googleAuthDBFixture(t testing.TB) []byte {
	return fxSQLite(t, false,
		googleAuthDBSchema,
		`CREATE TABLE android_metadata (locale TEXT)`,
		`INSERT INTO android_metadata VALUES ('en_US')`,
		`INSERT INTO accounts (email, secret, counter, type, provider, issuer, original_name, isencrypted) VALUES
			('ann@example.com', 'jbsw y3dp ehpk 3pxp', 0, 0, 1, 'Google', 'ann@example.com', 0),
			('Dropbox:bob@example.com', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0, 0, 0, NULL, 'Dropbox:bob@example.com', 0),
			('carol', 'MFRGGZDFMZTWQ2LK', 42, 1, 0, 'Vendor', 'carol', 0),
			('Zoë Ångström', 'ONSWG4TFOQ', 0, NULL, 0, 'Acme', NULL, NULL),
			('locked@example.com', '`+fxSentinel+`', 0, 0, 0, 'Locked', NULL, 1),
			('x', '`+fxSentinel+`', 0, 7, 0, 'Odd', NULL, 0),
			('y', '`+fxSentinel+`!!', 0, 0, 0, 'Broken', NULL, 0),
			('z', '`+fxSentinel+`', -3, 1, 0, 'Backwards', NULL, 0)`)
}

func TestGoogleAuthDB(t *testing.T) {
	for _, wal := range []bool{false, true} {
		data := googleAuthDBFixture(t)
		if wal {
			data = fxSQLite(t, true, googleAuthDBSchema,
				`INSERT INTO accounts (email, secret, type, issuer) VALUES ('ann@example.com', 'JBSWY3DPEHPK3PXP', 0, 'Google')`)
			res := fxMustRead(t, "databases", data, FormatGoogleAuthDB, Options{})
			fxCompare(t, "WAL entries", fxSummary(res), []string{"Google|ann@example.com|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r="})
			continue
		}
		res := fxMustRead(t, "databases", data, FormatGoogleAuthDB, Options{})
		fxCompare(t, "entries", fxSummary(res), []string{
			"Google|ann@example.com|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
			"Dropbox|bob@example.com|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA1|6|30|0|g=|n=|f=false|i=|r=",
			"Vendor|carol|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|42|g=|n=|f=false|i=|r=",
			"Acme|Zoë Ångström|totp|ONSWG4TFOQ|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		})
		fxWantSkipped(t, res, map[string]string{
			"databases entry 5 (Locked:locked@example.com)": "Android Keystore",
			"databases entry 6 (Odd:x)":                     "account type 7 is unknown",
			"databases entry 7 (Broken:y)":                  "secret",
			"databases entry 8 (Backwards:z)":               "counter",
		})
		fxValid(t, res)
	}
}

func TestGoogleAuthDBOldSchema(t *testing.T) {
	data := fxSQLite(t, false, googleAuthDBOldSchema,
		`INSERT INTO accounts (email, secret, counter, type) VALUES
			('Google:ann@gmail.com', 'JBSWY3DPEHPK3PXP', 0, 0),
			('plain@example.com', 'MFRGGZDFMZTWQ2LK', 5, 1)`)
	res := fxMustRead(t, "databases", data, FormatGoogleAuthDB, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Google|ann@gmail.com|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"|plain@example.com|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|5|g=|n=|f=false|i=|r=",
	})
	if len(res.Skipped) != 0 {
		t.Errorf("skipped: %q", fxSkipped(res))
	}
}
