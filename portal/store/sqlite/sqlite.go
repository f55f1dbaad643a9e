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
func Open(ctx context.Context, path string, opts store.Options) (store.Store, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("store/sqlite: open: a file path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open: %w", err)
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
