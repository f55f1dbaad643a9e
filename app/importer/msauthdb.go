package importer

import (
	"context"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Microsoft Authenticator's own database: the file PhoneFactor in the
// app's private directory on Android
// (/data/data/com.azure.authenticator/databases/PhoneFactor), readable
// with root. The app has no export. Table accounts, among many columns:
//
//	name (the issuer), username, oath_secret_key, account_type:
//	0 another service's TOTP account: base32 secret, 6 digits;
//	1 a personal Microsoft account: the secret in base64, 8 digits;
//	2 a work or school (Entra ID) account, signed in to by notification.
//	encrypted_oath_secret_key (newer releases): the secret wrapped by a key
//	in the phone's Android Keystore; oath_secret_key is then empty.
//
// Every code is SHA1 over 30 seconds. The database runs in WAL mode: what
// was added since the last checkpoint is in PhoneFactor-wal, which one
// input cannot bring (see withSQLiteCopy).
const FormatMSAuthDB Format = "microsoft-authenticator-db"

func init() {
	register(reader{name: FormatMSAuthDB, priority: 50, detect: isMSAuthDB, read: readMSAuthDB})
}

func isMSAuthDB(data []byte) bool {
	return detectSQLite(data, false, func(s sqliteSchema) bool {
		return s.has("accounts", "oath_secret_key", "account_type")
	})
}

const (
	msAuthTOTP      = 0
	msAuthMicrosoft = 1
	msAuthWork      = 2
)

func readMSAuthDB(ctx context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
	const what = "Microsoft Authenticator database"
	return readSQLite(ctx, data, func(db *sql.DB, schema sqliteSchema) error {
		if !schema.has("accounts", "oath_secret_key", "account_type") {
			return damagedFilef("%s: it has no accounts table with oath_secret_key and account_type columns", what)
		}
		cols := []string{"name", "username", "oath_secret_key", "account_type", "encrypted_oath_secret_key"}
		i := 0
		err := sqliteRows(ctx, db, schema, "accounts", cols, sqliteRowLimit(res), func(row map[string]any) bool {
			msAuthRow(res, i, row)
			i++
			return !res.full()
		})
		if err != nil {
			return sqliteDamaged(what, err)
		}
		return nil
	})
}

func msAuthRow(res *Result, i int, row map[string]any) {
	issuer := strings.TrimSpace(sqlText(row["name"]))
	name := strings.TrimSpace(sqlText(row["username"]))
	secret := strings.TrimSpace(sqlText(row["oath_secret_key"]))
	typ, ok := sqlInt(row["account_type"])
	if !ok {
		skipEntry(res, i, issuer, name, "the account type is not a number")
		return
	}
	if typ == msAuthWork {
		skipEntry(res, i, issuer, name, "a work or school account signs in by notification from the app: it has no one-time password secret to import")
		return
	}
	if typ != msAuthTOTP && typ != msAuthMicrosoft {
		skipEntry(res, i, issuer, name, fmt.Sprintf("account type %d is unknown (0 is another service's account, 1 a Microsoft account)", typ))
		return
	}
	if secret == "" {
		if sqlText(row["encrypted_oath_secret_key"]) != "" {
			skipEntry(res, i, issuer, name, "the secret is encrypted with a key kept in the phone's Android Keystore, which cannot be read elsewhere")
		} else {
			skipEntry(res, i, issuer, name, "the account has no secret")
		}
		return
	}
	a := vault.Account{Type: vault.TOTP, Issuer: issuer, Name: name, Secret: secret,
		Algorithm: vault.SHA1, Digits: 6, Period: 30}
	if typ == msAuthMicrosoft {
		key, err := decodeBase64Secret(secret)
		if err != nil {
			skipEntry(res, i, issuer, name, "the Microsoft account's secret is not base64")
			return
		}
		a.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
		a.Digits = 8
	}
	addExportEntry(res, i, a)
}

// decodeBase64Secret decodes a secret in any of base64's spellings:
// standard or URL-safe, padded or not.
func decodeBase64Secret(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
