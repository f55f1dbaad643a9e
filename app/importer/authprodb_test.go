package importer

import (
	"encoding/hex"
	"testing"
)

// authProDBSchema is the tables as sqlite-net creates them from the app's
// entities (quoted names, the secret as the key).
const authProDBSchema = `CREATE TABLE "authenticator"("type" integer, "icon" varchar, "issuer" varchar, "username" varchar,
	"secret" varchar primary key not null, "pin" varchar, "algorithm" integer, "digits" integer, "period" integer,
	"counter" integer, "copyCount" integer, "ranking" integer);
CREATE TABLE "category"("id" varchar primary key not null, "name" varchar, "ranking" integer, "isDefault" integer);
CREATE TABLE "authenticatorcategory"("categoryId" varchar, "authenticatorSecret" varchar, "ranking" integer);
CREATE TABLE "customicon"("id" varchar primary key not null, "data" blob)`

// authProDBFixture is a database as the app writes it, in WAL mode: the
// rows of authProFixture's backup.
func authProDBFixture(t testing.TB) []byte {
	icon := hex.EncodeToString(fxPNG(t))
	return fxSQLite(t, true, authProDBSchema,
		`INSERT INTO "customicon" VALUES ('1a2b3c4d', X'`+icon+`'), ('ffff', X'00010203')`,
		`INSERT INTO "authenticator" VALUES
			(2, 'google', 'Google', 'ann@example.com', 'JBSWY3DPEHPK3PXP', NULL, 0, 6, 30, 0, 3, 0),
			(2, '@1a2b3c4d', 'Acme RMM', 'Zoë Ångström', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', NULL, 2, 8, 60, 0, 0, 1),
			(1, NULL, 'Vendor', NULL, 'MFRGGZDFMZTWQ2LK', NULL, 1, 6, 30, 42, 0, 2),
			(4, 'steam', 'Steam', 'gaben', 'ONSWG4TFOQ', NULL, 0, 5, 30, 0, 0, 3),
			(3, NULL, 'Old VPN', 'bob', '`+fxSentinel+`', '1234', 0, 6, 10, 0, 0, 4),
			(2, NULL, 'Odd', 'x', '`+fxSentinel+`A', NULL, 9, 6, 30, 0, 0, 5),
			(2, NULL, 'Broken', 'y', '`+fxSentinel+`!!', NULL, 0, 6, 30, 0, 0, 6),
			('TOTP', NULL, 'Texty', 'w', '`+fxSentinel+`B', NULL, 0, 6, 30, 0, 0, 7)`,
		`INSERT INTO "category" VALUES ('a8323a2a', 'Work', 0, 0), ('0b1c2d3e', 'Clients', 1, 0)`,
		`INSERT INTO "authenticatorcategory" VALUES
			('a8323a2a', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0),
			('0b1c2d3e', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0),
			('a8323a2a', 'MFRGGZDFMZTWQ2LK', 1)`)
}

func TestAuthProDB(t *testing.T) {
	res := fxMustRead(t, "authenticator.db3", authProDBFixture(t), FormatAuthProDB, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Google|ann@example.com|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=google|r=",
		"Acme RMM|Zoë Ångström|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work, Clients|n=|f=false|i=data:image/png;base64|r=",
		"Vendor||hotp|MFRGGZDFMZTWQ2LK|SHA256|6|30|42|g=Work|n=|f=false|i=|r=",
		"Steam|gaben|steam|ONSWG4TFOQ|SHA1|5|30|0|g=|n=|f=false|i=steam|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"authenticator.db3 entry 5 (Old VPN:bob)": "mOTP",
		"authenticator.db3 entry 6 (Odd:x)":       "algorithm number 9",
		"authenticator.db3 entry 7 (Broken:y)":    "secret",
		"authenticator.db3 entry 8 (Texty:w)":     "type column is not a number",
	})
	fxValid(t, res)
}
