package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
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
