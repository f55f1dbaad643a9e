package importer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // pure Go: the importer builds with CGO_ENABLED=0
)

// Apps' private SQLite databases (Google Authenticator, Microsoft
// Authenticator, Authenticator Pro / Stratum) are read from a copy: the
// bytes go to a 0600 file in a private temporary directory, which SQLite
// opens read-only and immutable (no journal, no locks, no -wal or -shm
// file made), and the directory is removed when the read is done. The
// input itself is never handed to SQLite, so nothing can modify it.

// sqliteHeader starts every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// isSQLite reports whether data starts like a SQLite database.
func isSQLite(data []byte) bool { return bytes.HasPrefix(data, []byte(sqliteHeader)) }

// sqliteSchema is the tables of a database and, for each, its columns, in
// lower case (SQLite's names are case-insensitive).
type sqliteSchema map[string]map[string]bool

// has reports whether table exists with every one of columns.
func (s sqliteSchema) has(table string, columns ...string) bool {
	cols, ok := s[table]
	if !ok {
		return false
	}
	for _, c := range columns {
		if !cols[c] {
			return false
		}
	}
	return true
}

// readSQLiteSchema lists the tables and columns of data, or fails when
// data is not a readable SQLite database.
func readSQLiteSchema(ctx context.Context, data []byte) (sqliteSchema, error) {
	var schema sqliteSchema
	err := withSQLiteCopy(ctx, data, func(db *sql.DB) error {
		var err error
		schema, err = tablesOf(ctx, db)
		return err
	})
	return schema, err
}

// detectSQLite is what a database format's detection asks: data is a
// SQLite database and want accepts its schema. A database whose schema
// cannot be read is claimed when damaged is set (one format does, so that
// a damaged database is reported as damaged rather than unknown).
func detectSQLite(data []byte, damaged bool, want func(sqliteSchema) bool) bool {
	if !isSQLite(data) {
		return false
	}
	schema, err := readSQLiteSchema(context.Background(), data)
	if err != nil || len(schema) == 0 {
		return damaged // no app's database has no tables: cut short
	}
	return want(schema)
}

// maxSQLiteTables bounds the tables a schema is read for: the apps' have
// fewer than twenty.
const maxSQLiteTables = 256

func tablesOf(ctx context.Context, db *sql.DB) (sqliteSchema, error) {
	// Virtual tables run a module's code on every read: no app's
	// accounts are in one, so they are left out of the schema.
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND coalesce(upper(substr(ltrim(sql), 1, 14)), '') != 'CREATE VIRTUAL' LIMIT ?`, maxSQLiteTables)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	schema := sqliteSchema{}
	for _, name := range names {
		cols, err := columnsOf(ctx, db, name)
		if err != nil {
			return nil, err
		}
		schema[strings.ToLower(name)] = cols
	}
	return schema, nil
}

// columnsOf lists a table's stored columns. Generated ones (hidden 2 and
// 3) are left out, so that they read as NULL: their expression comes from
// the file and would be evaluated by each read (zeroblob(1e9) in a
// hostile schema).
func columnsOf(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		cols[strings.ToLower(name)] = true
	}
	return cols, rows.Err()
}

// withSQLiteCopy writes data to a private temporary file, opens it
// read-only and immutable, runs fn, and removes the copy whatever
// happens. A database in WAL mode is read as what its main file holds:
// the copy is marked as a rollback-journal database so that SQLite looks
// for no -wal file (the input is one file; see the README on WAL).
func withSQLiteCopy(ctx context.Context, data []byte, fn func(*sql.DB) error) (err error) {
	if !isSQLite(data) {
		return errors.New("not a SQLite database (its header is missing)")
	}
	dir, err := os.MkdirTemp("", "latchkey-import-*")
	if err != nil {
		return fmt.Errorf("making a private temporary directory: %w", err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil && err == nil {
			err = fmt.Errorf("removing the temporary copy: %w", rmErr)
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("making the temporary directory private: %w", err)
	}
	path := filepath.Join(dir, "import.db")
	copyOf := append([]byte(nil), data...)
	// Bytes 18 and 19 are the read and write format versions: 2 is WAL.
	if len(copyOf) > 19 && copyOf[18] == 2 && copyOf[19] == 2 {
		copyOf[18], copyOf[19] = 1, 1
	}
	if err := os.WriteFile(path, copyOf, 0o600); err != nil {
		return fmt.Errorf("writing the temporary copy: %w", err)
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path),
		RawQuery: url.Values{"mode": {"ro"}, "immutable": {"1"}}.Encode()}
	if strings.HasPrefix(u.Path, "//") || !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + strings.TrimLeft(u.Path, "/") // Windows: file:///C:/...
	}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// A hostile schema's views and triggers may call only innocuous
	// functions; nothing here writes.
	for _, pragma := range []string{"PRAGMA query_only = 1", "PRAGMA trusted_schema = 0"} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			return err
		}
	}
	return fn(db)
}

// readSQLite runs fn on a read-only copy of data, reporting a database
// SQLite cannot read, or one without tables, as damaged. (Such a
// database may have been detected as any of the formats, so the message
// names none.)
func readSQLite(ctx context.Context, data []byte, fn func(*sql.DB, sqliteSchema) error) error {
	if !isSQLite(data) {
		return damagedFilef("it is not a SQLite database (the header %q is missing)", strings.TrimSuffix(sqliteHeader, "\x00"))
	}
	return withSQLiteCopy(ctx, data, func(db *sql.DB) error {
		schema, err := tablesOf(ctx, db)
		if err != nil {
			return sqliteDamaged("database", err)
		}
		if len(schema) == 0 {
			return damagedFilef("the SQLite database holds no tables (is it cut short?)")
		}
		return fn(db, schema)
	})
}

// sqliteDamaged reports an error of SQLite's reading the database.
func sqliteDamaged(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("%w: SQLite cannot read the %s: %w", ErrDamagedFile, what, err)
}

// sqliteRows selects columns (those of schema's table; the others read
// as NULL) from table, at most limit rows, and calls fn with each row's
// values by column name. The names are constants of the formats, quoted
// as identifiers.
func sqliteRows(ctx context.Context, db *sql.DB, schema sqliteSchema, table string, columns []string, limit int, fn func(row map[string]any) bool) error {
	have := schema[table]
	var sel []string
	for _, c := range columns {
		if have[c] {
			sel = append(sel, quoteIdent(c))
		} else {
			sel = append(sel, "NULL")
		}
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteIdent(table) + " LIMIT " + strconv.Itoa(limit)
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(columns))
		ptrs := make([]any, len(columns))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make(map[string]any, len(columns))
		for i, c := range columns {
			row[c] = vals[i]
		}
		if !fn(row) {
			break
		}
	}
	return rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlText is a column's value as text: SQLite keeps whatever type a row
// was given, so a hostile file may hold a number or a blob where the app
// writes text. NULL is "".
func sqlText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// sqlInt is a column's value as an integer; ok is false for NULL and for
// what is no integer. Text holding an integer is taken, as SQLite would
// compare it.
func sqlInt(v any) (n int64, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case []byte:
		n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
		return n, err == nil
	}
	return 0, false
}
