//go:build unix

package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

// TestSecurityFileModes: the database and the -wal and -shm files SQLite
// keeps beside it hold password hashes, personal data, the audit log and
// verification phrases, so nobody but the portal's user may read them:
// mode 0600 however they came to be (created now, created later by SQLite
// on a write, a reopening or a checkpoint, or left 0644 by an older
// binary), under the common umask 022. The directory is the operator's:
// an existing one keeps its mode, a missing one is an error.
func TestSecurityFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()

	// write changes the database, so SQLite has -wal and -shm.
	write := func(t *testing.T, s store.Store) {
		t.Helper()
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateTenant(ctx, store.NewTenant{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
	}
	// private fails unless path and its -wal and -shm exist with mode 0600.
	private := func(t *testing.T, path, when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %s: %v (the check would prove nothing)", when, filepath.Base(p), err)
				continue
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("%s: %s has mode %#o, want 0600", when, filepath.Base(p), got)
			}
		}
	}
	mode := func(t *testing.T, p string) fs.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}

	t.Run("a new database, written, reopened, checkpointed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "portal.db")
		s, err := sqlite.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		private(t, path, "after Open")
		write(t, s)
		private(t, path, "after a write")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// SQLite removes -wal and -shm when the last connection closes and
		// makes them again on the next open.
		s, err = sqlite.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		write(t, s)
		private(t, path, "after reopening and a write")
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		write(t, s)
		private(t, path, "after a checkpoint and a write")
	})

	t.Run("a missing directory is refused, not created", func(t *testing.T) {
		base := t.TempDir()
		if _, err := sqlite.Open(ctx, filepath.Join(base, "var", "portal.db"), store.Options{}); err == nil {
			t.Fatal("Open made a database in a missing directory")
		}
		if _, err := os.Stat(filepath.Join(base, "var")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the directory was created: %v", err)
		}
	})

	t.Run("an existing directory is left alone", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "shared")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "portal.db")
		s, err := sqlite.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		write(t, s)
		private(t, path, "in an existing directory")
		if got := mode(t, dir); got != 0o755 {
			t.Errorf("the existing directory's mode changed to %#o", got)
		}
	})

	t.Run("files an older binary left 0644", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "portal.db")
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx, "CREATE TABLE before (x INTEGER); INSERT INTO before VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if got := mode(t, p); got != 0o644 {
				t.Fatalf("the older database's %s has mode %#o, want 0644 to begin with", filepath.Base(p), got)
			}
		}
		s, err := sqlite.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		private(t, path, "after Open")
		write(t, s)
		private(t, path, "after a write")
	})
}
