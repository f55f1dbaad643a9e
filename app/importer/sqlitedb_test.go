package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Tests common to the apps' SQLite databases.

// TestSQLiteDamaged: a database cut short or with a broken page is one
// error naming the input and saying it is damaged, for every database
// format, whether detected or forced.
func TestSQLiteDamaged(t *testing.T) {
	dbs := map[Format][]byte{
		FormatGoogleAuthDB: googleAuthDBFixture(t),
		FormatMSAuthDB:     msAuthDBFixture(t),
		FormatAuthProDB:    authProDBFixture(t),
	}
	for format, good := range dbs {
		pageSize := int(good[16])<<8 | int(good[17])
		broken := append([]byte(nil), good...)
		for i := 100; i < pageSize; i++ { // page 1's content, the schema
			broken[i] = 0xA5
		}
		cases := map[string][]byte{
			"header only":     good[:100],
			"half a page":     good[:pageSize/2],
			"cut after page1": good[:pageSize+10],
			"schema garbled":  broken,
		}
		for name, data := range cases {
			t.Run(string(format)+"/"+name, func(t *testing.T) {
				for _, forced := range []Format{"", format} {
					res, err := New().Read(context.Background(), "phone.db", data, forced, Options{})
					if err == nil {
						// A cut that leaves the tables whole is no damage.
						if len(res.Entries) == 0 {
							t.Errorf("forced %q: read with nothing in it", forced)
						}
						continue
					}
					if !errors.Is(err, ErrDamagedFile) || !strings.Contains(err.Error(), "phone.db") {
						t.Errorf("forced %q: %v, want one damaged-file error naming phone.db", forced, err)
					}
					fxNoLeak(t, nil, err)
				}
			})
		}
	}
}

// TestSQLiteNoAppTables: a SQLite database of some other app is not
// taken for one of these.
func TestSQLiteNoAppTables(t *testing.T) {
	data := fxSQLite(t, false, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`)
	if got := Detect(data); got != "" {
		t.Errorf("Detect = %q, want none", got)
	}
}

// TestSQLiteRowLimit: a database of more accounts than an import keeps is
// refused, and no more rows than the limit allows are read.
func TestSQLiteRowLimit(t *testing.T) {
	data := fxSQLite(t, false, googleAuthDBSchema,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
			INSERT INTO accounts (email, secret, type, issuer) SELECT 'user' || i, 'JBSWY3DPEHPK3PXP', 0, 'Acme' FROM n`, MaxEntries+1))
	_, err := New().Read(context.Background(), "databases", data, "", Options{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "databases") {
		t.Fatalf("Read = %v, want ErrTooLarge naming the input", err)
	}
	res := &Result{Name: "databases", budget: &budget{accounts: 3, bytes: 1 << 20, maxAccounts: 3, maxBytes: 1 << 20}}
	if err := readGoogleAuthDB(context.Background(), nil, res, data, Options{}); err != nil {
		t.Fatal(err)
	}
	if !res.full() || len(res.Entries) != 3 {
		t.Errorf("with room for 3: %d entries, full %t", len(res.Entries), res.full())
	}
}

// TestSQLiteHostileSchema: a generated column's expression, which comes
// from the file, is never evaluated (it reads as NULL), and a virtual
// table is not taken for the app's table.
func TestSQLiteHostileSchema(t *testing.T) {
	data := fxSQLite(t, false,
		`CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT, secret0 TEXT, type INTEGER,
			secret TEXT GENERATED ALWAYS AS (secret0 || hex(zeroblob(100000000))) VIRTUAL)`,
		`INSERT INTO accounts (email, secret0, type) VALUES ('ann', 'JBSWY3DPEHPK3PXP', 0)`)
	if got := Detect(data); got != "" {
		t.Errorf("a generated secret column: Detect = %q, want none", got)
	}
	res, err := New().Read(context.Background(), "databases", data, FormatGoogleAuthDB, Options{})
	if !errors.Is(err, ErrDamagedFile) {
		t.Errorf("forced: %v, %v; want a damaged-file error (no secret column)", res, err)
	}

	virt := fxSQLite(t, false, `CREATE VIRTUAL TABLE accounts USING fts5(email, secret, type)`,
		`INSERT INTO accounts VALUES ('ann', 'JBSWY3DPEHPK3PXP', '0')`)
	if got := Detect(virt); got == FormatGoogleAuthDB {
		if res, err := New().Read(context.Background(), "databases", virt, "", Options{}); err == nil {
			t.Errorf("a virtual table was read: %d entries", len(res.Entries))
		}
	}
}
