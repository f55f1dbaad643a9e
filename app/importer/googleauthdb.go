package importer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Google Authenticator's own database: the file `databases` in the app's
// private directory on Android
// (/data/data/com.google.android.apps.authenticator2/databases/databases),
// readable with root or from a full device backup. Table accounts:
//
//	_id INTEGER PRIMARY KEY, email TEXT NOT NULL (the account's name, kept
//	under that column for historical reasons), secret TEXT NOT NULL (base32
//	as typed or scanned), counter INTEGER DEFAULT 0, type INTEGER (0 TOTP,
//	1 HOTP), provider INTEGER, issuer TEXT (added later; older databases
//	have none and write "Issuer:name" into email), original_name TEXT,
//	isencrypted INTEGER (newer releases: 1 when secret is wrapped by a key
//	in the phone's Android Keystore, which no other device can unwrap)
//
// The app knows no other algorithm, digit count or period: SHA1, 6 digits,
// 30 seconds.
const FormatGoogleAuthDB Format = "google-authenticator-db"

func init() {
	register(reader{name: FormatGoogleAuthDB, priority: 60, detect: isGoogleAuthDB, read: readGoogleAuthDB})
}

// isGoogleAuthDB also claims a SQLite database whose tables cannot be
// read at all, so that a damaged one is reported as damaged (by this
// reader, the most common of the databases) rather than as unknown.
func isGoogleAuthDB(data []byte) bool {
	return detectSQLite(data, true, func(s sqliteSchema) bool {
		return s.has("accounts", "email", "secret") && !s.has("accounts", "oath_secret_key")
	})
}

const (
	googleAuthTOTP = 0
	googleAuthHOTP = 1
)

func readGoogleAuthDB(ctx context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
	const what = "Google Authenticator database"
	return readSQLite(ctx, data, func(db *sql.DB, schema sqliteSchema) error {
		if !schema.has("accounts", "email", "secret") {
			return damagedFilef("%s: it has no accounts table with email and secret columns", what)
		}
		cols := []string{"email", "secret", "counter", "type", "issuer", "isencrypted"}
		i := 0
		err := sqliteRows(ctx, db, schema, "accounts", cols, sqliteRowLimit(res), func(row map[string]any) bool {
			googleAuthRow(res, i, row)
			i++
			return !res.full()
		})
		if err != nil {
			return sqliteDamaged(what, err)
		}
		return nil
	})
}

// sqliteRowLimit is how many rows a reader asks for: one more than the
// import may still keep, so that passing the limit is seen and refused.
func sqliteRowLimit(res *Result) int {
	return min(res.room(), MaxEntries) + 1
}

func googleAuthRow(res *Result, i int, row map[string]any) {
	name := strings.TrimSpace(sqlText(row["email"]))
	issuer := strings.TrimSpace(sqlText(row["issuer"]))
	if issuer == "" {
		// Older releases had no issuer column and kept "Issuer:name".
		if before, after, ok := strings.Cut(name, ":"); ok && !strings.Contains(after, ":") {
			issuer, name = strings.TrimSpace(before), strings.TrimSpace(after)
		}
	}
	if enc, _ := sqlInt(row["isencrypted"]); enc == 1 {
		skipEntry(res, i, issuer, name, "the secret is encrypted with a key kept in the phone's Android Keystore, which cannot be read elsewhere: export it from the app (Transfer accounts) and import the QR code")
		return
	}
	a := vault.Account{Issuer: issuer, Name: name, Secret: sqlText(row["secret"]), Algorithm: vault.SHA1, Digits: 6}
	typ, ok := sqlInt(row["type"])
	if row["type"] == nil {
		typ, ok = googleAuthTOTP, true // the column's default is NULL: the app reads it as TOTP
	}
	switch {
	case ok && typ == googleAuthTOTP:
		a.Type, a.Period = vault.TOTP, 30
	case ok && typ == googleAuthHOTP:
		counter, cok := sqlInt(row["counter"])
		if row["counter"] == nil {
			counter, cok = 0, true
		}
		if !cok || counter < 0 {
			skipEntry(res, i, issuer, name, "the HOTP counter is not a number of zero or more")
			return
		}
		a.Type, a.Counter = vault.HOTP, uint64(counter)
	default:
		skipEntry(res, i, issuer, name, fmt.Sprintf("account type %s is unknown (0 is TOTP, 1 HOTP)", shorten(sqlText(row["type"]))))
		return
	}
	addExportEntry(res, i, a)
}
