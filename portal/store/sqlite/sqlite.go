// Package sqlite owns the embedded SQLite backend of the portal store
// (modernc.org/sqlite, pure Go, so the portal builds with CGO_ENABLED=0) and
// its schema migrations (migrations/*.sql, SQLite dialect).
//
// One database file, WAL journal, foreign keys on, busy_timeout 5 s. Writes go
// through a pool of one connection that begins transactions IMMEDIATE, which
// serialises writers in the process without SQLITE_BUSY upgrade deadlocks;
// other processes on the same file wait on the busy timeout. Reads use a
// separate query-only pool (WAL readers do not block the writer).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open opens (creating if needed) the SQLite database at path. It does not
// migrate: call Migrate.
//
// The database holds password hashes, personal data, the audit log and
// verification phrases, so it is readable by the portal's user only: a
// new database file is created 0600, and an existing one, with its -wal
// and -shm files, loses any group and other permissions. A missing
// directory is an error, never created: a mistyped path must not start an
// empty install. SQLite creates -wal and -shm
// with the database file's mode, so they are 0600 whenever it makes them
// later (TestSecurityFileModes checks this after writes, reopenings and a WAL
// checkpoint).
func Open(ctx context.Context, path string, opts store.Options) (store.Store, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("store/sqlite: open: a file path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open: %w", err)
	}
	if err := private(abs); err != nil {
		return nil, fmt.Errorf("store/sqlite: open: making the database private to this user: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	w, err := open(ctx, abs, q, "immediate", 1)
	if err != nil {
		return nil, err
	}
	q.Add("_pragma", "query_only(1)")
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 10
	}
	r, err := open(ctx, abs, q, "deferred", n)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: migrations: %w", err)
	}
	return sqlstore.New(w, r, sqlstore.Dialect{
		Name:       "sqlite",
		EncodeTime: func(t time.Time) any { return t.UnixMicro() },
		Classify:   classify,
		MigrationsDDL: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		HasMigrationsTable: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
		Migrations:         sub,
	}, opts), nil
}

func open(ctx context.Context, abs string, q url.Values, txlock string, conns int) (*sql.DB, error) {
	q = cloneValues(q)
	q.Set("_txlock", txlock)
	u := url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open %s: %w", abs, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store/sqlite: open %s: %w", abs, err)
	}
	return db, nil
}

// private prepares abs so that only the portal's user can read it: a
// missing database file is created empty with mode 0600 (SQLite takes an
// empty file for a new database, and gives its -wal and -shm files the
// same mode); an existing one and its companions have group and other
// permissions removed.
func private(abs string) error {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	for _, p := range []string{abs, abs + "-wal", abs + "-shm", abs + "-journal"} {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// classify maps SQLite constraint errors to store sentinels.
func classify(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("unique constraint: %w", store.ErrConflict)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("referenced row missing: %w", store.ErrNotFound)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return fmt.Errorf("check constraint: %w", store.ErrInvalid)
	}
	return nil
}
