package importer

import (
	"context"
	"database/sql"
)

// Authenticator Pro / Stratum's own database (authpro.go reads its
// backups): authenticator.db3 in the app's private directory on Android
// (/data/data/com.stratumauth.app/databases/authenticator.db3; older
// releases as me.jmh.authenticatorpro), readable with root. Tables, as the
// app's sqlite-net entities name them:
//
//	authenticator(type, icon, issuer, username, secret, pin, algorithm,
//	  digits, period, counter, ranking, copyCount): the numbers as in the
//	  backup (type 1 HOTP, 2 TOTP, 3 mOTP, 4 Steam, 5 Yandex; algorithm 0
//	  SHA1, 1 SHA256, 2 SHA512)
//	category(id, name, ranking)
//	authenticatorcategory(categoryId, authenticatorSecret, ranking)
//	customicon(id, data): an icon "@id" refers to, the image as a blob
//
// When the user sets an app password the app encrypts the whole file
// with SQLCipher (keyed by that password, or by a key the phone's keystore
// holds when biometrics unlock it). Such a file has no SQLite header and
// is indistinguishable from random bytes, so it is not recognised: only
// the unencrypted database is read (turn the app password off first, or
// use the app's backup, which authpro.go reads).
const FormatAuthProDB Format = "authpro-db"

func init() {
	register(reader{name: FormatAuthProDB, priority: 55, detect: isAuthProDB, read: readAuthProDB})
}

func isAuthProDB(data []byte) bool {
	return detectSQLite(data, false, func(s sqliteSchema) bool {
		return s.has("authenticator", "secret", "type", "issuer")
	})
}

// maxAuthProBindings bounds the category rows read: a category per
// account is many.
const maxAuthProBindings = 4 * MaxEntries

func readAuthProDB(ctx context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
	const what = "Authenticator Pro database"
	return readSQLite(ctx, data, func(db *sql.DB, schema sqliteSchema) error {
		if !schema.has("authenticator", "secret", "type", "issuer") {
			return damagedFilef("%s: it has no authenticator table with secret, type and issuer columns", what)
		}
		b, err := authProDBCategories(ctx, db, schema)
		if err != nil {
			return sqliteDamaged(what, err)
		}
		groups := b.groups()
		icons, err := authProDBIcons(ctx, db, schema)
		if err != nil {
			return sqliteDamaged(what, err)
		}
		cols := []string{"type", "icon", "issuer", "username", "secret", "algorithm", "digits", "period", "counter"}
		i := 0
		err = sqliteRows(ctx, db, schema, "authenticator", cols, sqliteRowLimit(res), func(row map[string]any) bool {
			authProDBRow(res, i, row, groups, icons)
			i++
			return !res.full()
		})
		if err != nil {
			return sqliteDamaged(what, err)
		}
		return nil
	})
}

// authProDBCategories reads the categories into the backup's shape, so
// that both share authProBackup.groups.
func authProDBCategories(ctx context.Context, db *sql.DB, schema sqliteSchema) (*authProBackup, error) {
	b := &authProBackup{}
	if !schema.has("category", "id", "name") || !schema.has("authenticatorcategory", "categoryid", "authenticatorsecret") {
		return b, nil
	}
	err := sqliteRows(ctx, db, schema, "category", []string{"id", "name"}, maxAuthProBindings, func(row map[string]any) bool {
		b.Categories = append(b.Categories, authProCategory{ID: sqlText(row["id"]), Name: sqlText(row["name"])})
		return true
	})
	if err != nil {
		return nil, err
	}
	err = sqliteRows(ctx, db, schema, "authenticatorcategory", []string{"categoryid", "authenticatorsecret"}, maxAuthProBindings, func(row map[string]any) bool {
		b.AuthenticatorCategories = append(b.AuthenticatorCategories,
			authProBinding{CategoryID: sqlText(row["categoryid"]), AuthenticatorSecret: sqlText(row["authenticatorsecret"])})
		return true
	})
	return b, err
}

// authProDBIcons reads the custom icons (customicon: id, data, the image
// as a blob) as data: URIs keyed by id; unusable ones are left out.
func authProDBIcons(ctx context.Context, db *sql.DB, schema sqliteSchema) (map[string]string, error) {
	icons := map[string]string{}
	if !schema.has("customicon", "id", "data") {
		return icons, nil
	}
	err := sqliteRows(ctx, db, schema, "customicon", []string{"id", "data"}, MaxEntries, func(row map[string]any) bool {
		if img, ok := row["data"].([]byte); ok {
			if uri := iconDataURI(img); uri != "" {
				icons[sqlText(row["id"])] = uri
			}
		}
		return true
	})
	return icons, err
}

func authProDBRow(res *Result, i int, row map[string]any, groups, icons map[string]string) {
	issuer := sqlText(row["issuer"])
	name := sqlText(row["username"])
	typ, ok1 := sqlInt(row["type"])
	alg, ok2 := sqlInt(row["algorithm"])
	digits, ok3 := sqlInt(row["digits"])
	period, ok4 := sqlInt(row["period"])
	counter, ok5 := sqlInt(row["counter"])
	for _, f := range []struct {
		ok    bool
		field string
	}{{ok1, "type"}, {ok2, "algorithm"}, {ok3, "digits"}, {ok4, "period"}, {ok5, "counter"}} {
		if !f.ok {
			skipEntry(res, i, issuer, name, "the "+f.field+" column is not a number")
			return
		}
	}
	const maxInt32 = 1<<31 - 1
	if typ > maxInt32 || typ < -maxInt32 || alg > maxInt32 || alg < -maxInt32 ||
		digits > maxInt32 || digits < -maxInt32 || period > maxInt32 || period < -maxInt32 {
		skipEntry(res, i, issuer, name, "a number is out of range")
		return
	}
	secret := sqlText(row["secret"])
	e := authProAuthenticator{Type: int(typ), Issuer: &issuer, Username: &name, Secret: &secret,
		Algorithm: int(alg), Digits: int(digits), Period: int(period), Counter: counter}
	a, err := e.account()
	if err != nil {
		skipEntry(res, i, a.Issuer, a.Name, err.Error())
		return
	}
	a.Group = groups[secret]
	a.Icon = resolveAuthProIcon(sqlText(row["icon"]), icons)
	addExportEntry(res, i, a)
}
