// Package postgres owns the PostgreSQL backend of the portal store
// (github.com/jackc/pgx/v5 through its database/sql adapter, so both backends
// share one implementation) and its schema migrations (migrations/*.sql,
// PostgreSQL dialect), for several portal nodes behind a load balancer.
//
// Concurrency relies on PostgreSQL's row locks under READ COMMITTED: every
// single-use consumption is one conditional UPDATE, which a concurrent
// transaction re-evaluates after the winner commits. Migrations take a
// transaction-scoped advisory lock so nodes starting together apply each
// migration once. The audit_log table has a trigger refusing UPDATE, DELETE
// and TRUNCATE.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock key held while migrating ("LKPORTAL").
const migrationLockKey = 0x4c4b504f5254414c

// Open connects to the database named by dsn (a postgres:// URL or key=value
// string; search_path and other run-time parameters may be given in it). It
// does not migrate: call Migrate. Errors never quote the DSN.
func Open(ctx context.Context, dsn string, opts store.Options) (store.Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("store/postgres: open: cannot parse the connection string")
	}
	db := stdlib.OpenDB(*cfg)
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store/postgres: open: connect to %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store/postgres: migrations: %w", err)
	}
	return newStore(db, sub, opts), nil
}

func newStore(db *sql.DB, migrations fs.FS, opts store.Options) store.Store {
	return sqlstore.New(db, db, sqlstore.Dialect{
		Name:          "postgres",
		Dollar:        true,
		EncodeTime:    func(t time.Time) any { return t },
		Classify:      classify,
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrationLockKey)),
		MigrationsDDL: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
		HasMigrationsTable: `SELECT COUNT(*) FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`,
		Migrations: migrations,
	}, opts)
}

// classify maps PostgreSQL constraint errors to store sentinels.
func classify(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case "23505":
		return fmt.Errorf("unique constraint %s: %w", e.ConstraintName, store.ErrConflict)
	case "23503":
		return fmt.Errorf("referenced row missing (%s): %w", e.ConstraintName, store.ErrNotFound)
	case "23514", "23502":
		return fmt.Errorf("check constraint %s: %w", e.ConstraintName, store.ErrInvalid)
	}
	return nil
}
