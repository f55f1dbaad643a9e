package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/postgres"
	"github.com/latchkey/latchkey/portal/store/storetest"
)

// dsn returns LATCHKEY_TEST_POSTGRES or skips. scripts/with-postgres.sh sets it.
func dsn(t *testing.T) string {
	d := os.Getenv("LATCHKEY_TEST_POSTGRES")
	if d == "" {
		t.Skip("LATCHKEY_TEST_POSTGRES not set; run under scripts/with-postgres.sh")
	}
	return d
}

// withSearchPath points a DSN at one schema.
func withSearchPath(t *testing.T, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("LATCHKEY_TEST_POSTGRES is not a valid URL")
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func open(t *testing.T, d string, opts store.Options) store.Store {
	t.Helper()
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 20
	}
	s, err := postgres.Open(context.Background(), d, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestStore runs the suite; every test gets its own schema, dropped afterwards.
func TestStore(t *testing.T) {
	base := dsn(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	storetest.Run(t, func(t *testing.T, opts store.Options) storetest.DB {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "lktest_" + hex.EncodeToString(b)
		ctx := context.Background()
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema: %v", err)
			}
		})
		d := withSearchPath(t, base, schema)
		return storetest.DB{
			Store:  open(t, d, opts),
			Reopen: func(t *testing.T, opts store.Options) store.Store { return open(t, d, opts) },
			Exec: func(ctx context.Context, query string) error {
				_, err := admin.ExecContext(ctx, "SET search_path TO "+schema+"; "+query)
				return err
			},
		}
	})
}

// TestAuditTruncateRefused: PostgreSQL also refuses TRUNCATE on the audit log.
func TestAuditTruncateRefused(t *testing.T) {
	base := dsn(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	schema := "lktest_truncate"
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	s := open(t, withSearchPath(t, base, schema), store.Options{})
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{Action: "kept"}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.ExecContext(ctx, "TRUNCATE "+schema+".audit_log")
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("TRUNCATE audit_log: %v", err)
	}
	if l, _ := s.ListAudit(ctx, store.AuditFilter{}); len(l) != 1 {
		t.Fatalf("audit entries after TRUNCATE: %d", len(l))
	}
}

func TestOpenErrorHidesDSN(t *testing.T) {
	const secret = "s3cr3t-password"
	for _, d := range []string{
		"postgres://user:" + secret + "@127.0.0.1:1/db?connect_timeout=1",
		"postgres://user:" + secret + "@[bad",
	} {
		_, err := postgres.Open(context.Background(), d, store.Options{})
		if err == nil {
			t.Fatalf("Open succeeded")
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}
