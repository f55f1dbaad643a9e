package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
	"github.com/latchkey/latchkey/portal/store/storetest"
)

func open(t *testing.T, path string, opts store.Options) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, opts)
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

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) storetest.DB {
		path := filepath.Join(t.TempDir(), "portal.db")
		return storetest.DB{
			Store:  open(t, path, opts),
			Reopen: func(t *testing.T, opts store.Options) store.Store { return open(t, path, opts) },
			Exec: func(ctx context.Context, query string) error {
				db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
				if err != nil {
					return err
				}
				defer db.Close()
				_, err = db.ExecContext(ctx, query)
				return err
			},
		}
	})
}

func TestOpenRequiresFile(t *testing.T) {
	for _, p := range []string{"", ":memory:"} {
		if _, err := sqlite.Open(context.Background(), p, store.Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// v3 builds a database as a release of schema version 3 left it: the
// migration files up to 0003, applied as Migrate applied them.
func v3(t *testing.T, path string, rows ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`}
	for v, name := range []string{"0001_init", "0002_link_delivery", "0003_link_lapse"} {
		b, err := os.ReadFile(filepath.Join("migrations", name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(b), fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, '%s', 1)", v+1, name))
	}
	for _, s := range append(stmts, rows...) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("building schema v3: %v", err)
		}
	}
}

// TestUpgradeFromV3: migration 4 marks the users an admin created (who
// could not change the admin's password before it), starts existing
// sessions' idle clock at their creation, and recomputes the e-mail forms
// v3 stored with strings.ToLower.
func TestUpgradeFromV3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	v3(t, path,
		`INSERT INTO tenants (id, name, created_at) VALUES (1, 'T', 1)`,
		`INSERT INTO users (id, tenant_id, email, email_norm, name, role, password_hash, created_at, updated_at) VALUES
			(1, 1, 'owner@example.com', 'owner@example.com', 'Owner', 'owner', 'h1', 1, 1),
			(2, 1, 'made@example.com', 'made@example.com', 'Made by an admin', 'technician', 'h2', 2, 2),
			(3, 1, 'nopw@example.com', 'nopw@example.com', 'No password', 'technician', '', 3, 3),
			(4, 1, 'Émile@Example.com', 'émile@example.com', 'Émile', 'technician', 'h4', 4, 4)`,
		`INSERT INTO audit_log (at, actor_id, action, target_user_id, tenant_id) VALUES
			(1, NULL, 'owner.bootstrapped', 1, 1),
			(2, 1, 'user.created', 2, 1),
			(3, 1, 'user.created', 3, 1),
			(4, 2, 'signin.succeeded', 2, 1)`,
		`INSERT INTO sessions (user_id, token_hash, scope, created_at, expires_at) VALUES
			(2, x'`+strings.Repeat("ab", 32)+`', 'full', 5000000, 9000000000000000)`,
	)
	s := open(t, path, store.Options{})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from v3: %v", err)
	}
	if u, err := s.GetUserByEmail(ctx, "\u00C9mile@EXAMPLE.com"); err != nil || u.ID != 4 {
		t.Errorf("Émile after the upgrade: %d, %v", u.ID, err)
	}
	if _, err := s.CreateUser(ctx, store.NewUser{TenantID: 1, Email: "emile@example.com", Name: "x", Role: store.RoleTechnician}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a look-alike of Émile after the upgrade: %v", err)
	}
	for id, want := range map[int64]bool{1: false, 2: true, 3: false, 4: false} {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.PasswordSetByAdmin != want {
			t.Errorf("user %d (%s): PasswordSetByAdmin = %v, want %v", id, u.Name, u.PasswordSetByAdmin, want)
		}
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var used int64
	if err := raw.QueryRowContext(ctx, "SELECT last_used_at FROM sessions").Scan(&used); err != nil || used != 5000000 {
		t.Errorf("the existing session's last_used_at = %d, %v; want its created_at", used, err)
	}
}
