// Package sqlstore owns the one database/sql implementation of store.Store
// shared by the SQLite and PostgreSQL backends. A Dialect supplies what
// differs: placeholder style, time encoding, error classification,
// migration locking and the embedded migrations. Queries are written once
// with '?' placeholders and rebound for PostgreSQL.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// Dialect is what differs between backends.
type Dialect struct {
	Name string
	// Dollar placeholders ($1, $2, ...) instead of '?'.
	Dollar bool
	// EncodeTime turns a UTC, microsecond-truncated time into a driver value.
	EncodeTime func(time.Time) any
	// Classify maps a driver error to a wrapped store sentinel (ErrConflict,
	// ErrNotFound, ErrInvalid) without the driver's text, or returns nil.
	Classify func(error) error
	// MigrationsDDL creates schema_migrations if missing.
	MigrationsDDL string
	// MigrationLock, if set, runs first in every migration transaction.
	MigrationLock string
	// HasMigrationsTable counts tables named schema_migrations (0 or 1).
	HasMigrationsTable string
	// Migrations holds NNNN_name.sql files at its root.
	Migrations fs.FS
}

// DB implements store.Store. w takes every write (for SQLite a single
// connection, which serialises writers within the process; busy_timeout
// covers other processes); r serves plain reads.
type DB struct {
	w, r    *sql.DB
	d       Dialect
	now     func() time.Time
	rebound sync.Map
	closers []func() error
}

var _ store.Store = (*DB)(nil)

// New wraps the pools. w and r may be the same pool. Close closes both.
func New(w, r *sql.DB, d Dialect, opts store.Options) *DB {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &DB{w: w, r: r, d: d, now: now}
	s.closers = append(s.closers, w.Close)
	if r != w {
		s.closers = append(s.closers, r.Close)
	}
	return s
}

// Close closes the pools.
func (s *DB) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// --- helpers ---------------------------------------------------------------

// q rebinds '?' placeholders for the dialect (queries never contain '?' in literals).
func (s *DB) q(query string) string {
	if !s.d.Dollar {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	s.rebound.Store(query, out)
	return out
}

func (s *DB) clock() time.Time { return norm(s.now()) }

func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// t encodes a time argument; the zero time is NULL.
func (s *DB) t(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.EncodeTime(norm(t))
}

// id encodes an optional ID; 0 is NULL.
func id(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// fail wraps err for op, mapping no-rows and constraint errors to sentinels
// and dropping the driver's text for those (it may quote values).
func (s *DB) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	if c := s.d.Classify(err); c != nil {
		return fmt.Errorf("store: %s: %w", op, c)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func failf(op string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("store: %s: %s: %w", op, fmt.Sprintf(format, args...), sentinel)
}

// tx runs fn in a write transaction.
func (s *DB) tx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op+": begin", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail(op+": commit", err)
	}
	return nil
}

// tsv scans a nullable time (int64 Unix microseconds or time.Time).
type tsv struct{ p *time.Time }

func (v tsv) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*v.p = time.Time{}
	case int64:
		*v.p = time.UnixMicro(x).UTC()
	case time.Time:
		*v.p = x.UTC()
	default:
		return fmt.Errorf("unexpected time type %T", src)
	}
	return nil
}

// idv scans a nullable ID into 0.
type idv struct{ p *int64 }

func (v idv) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*v.p = 0
	case int64:
		*v.p = x
	default:
		return fmt.Errorf("unexpected id type %T", src)
	}
	return nil
}

// hv scans a 32-byte digest.
type hv struct{ p *store.TokenHash }

func (v hv) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok || len(b) != len(v.p) {
		return fmt.Errorf("unexpected digest column (%T)", src)
	}
	copy(v.p[:], b)
	return nil
}

type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query on db and scans every row with scan.
func queryAll[T any](ctx context.Context, s *DB, db *sql.DB, op, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, v)
	}
	return out, s.fail(op, rows.Err())
}

// whereAll joins conditions into a WHERE clause ("" for none).
func whereAll(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// --- migrations ------------------------------------------------------------

type migration struct {
	version int
	name    string
	sql     string
}

func (s *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(s.d.Migrations, ".")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	seen := map[int]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || seen[v] {
			return nil, fmt.Errorf("store: bad migration file name %q", name)
		}
		seen[v] = true
		body, err := fs.ReadFile(s.d.Migrations, name)
		if err != nil {
			return nil, fmt.Errorf("store: read migration %q: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies pending migrations, each in its own transaction that also
// records it in schema_migrations.
func (s *DB) Migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	for _, m := range ms {
		op := fmt.Sprintf("migrate %s %s", s.d.Name, m.name)
		err := s.tx(ctx, op, func(tx *sql.Tx) error {
			if s.d.MigrationLock != "" {
				if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
					return s.fail(op+": lock", err)
				}
			}
			if _, err := tx.ExecContext(ctx, s.d.MigrationsDDL); err != nil {
				return s.fail(op+": create schema_migrations", err)
			}
			var max int
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&max); err != nil {
				return s.fail(op+": read version", err)
			}
			if max > latest {
				return fmt.Errorf("store: %s: database at version %d, binary knows %d: %w", op, max, latest, store.ErrSchemaTooNew)
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
				return s.fail(op+": check", err)
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return s.fail(op+": apply", err)
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
				m.version, m.name, s.t(s.clock())); err != nil {
				return s.fail(op+": record", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if latest < 4 {
		return nil
	}
	// What SQL cannot compute: the e-mail forms of rows written before
	// version 4 (see backfillEmails), under the same lock as a migration.
	return s.tx(ctx, "migrate: e-mail forms", func(tx *sql.Tx) error {
		if s.d.MigrationLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
				return s.fail("migrate: e-mail forms: lock", err)
			}
		}
		return s.backfillEmails(ctx, tx)
	})
}

// SchemaVersion returns the highest applied migration, 0 before Migrate.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, s.d.HasMigrationsTable).Scan(&n); err != nil {
		return 0, s.fail("schema version", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, s.fail("schema version", err)
	}
	return v, nil
}
