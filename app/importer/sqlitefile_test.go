package importer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fxSQLite builds a database with the same SQLite library the importer
// reads with: the statements create the app's tables and insert its rows.
// wal leaves the file in WAL mode, as Android's apps keep theirs.
func fxSQLite(t testing.TB, wal bool, statements ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if wal {
		statements = append([]string{"PRAGMA journal_mode=WAL"}, statements...)
	}
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tempCopies lists what withSQLiteCopy left in the temporary directory.
func tempCopies(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "latchkey-import-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSQLiteCopyReadOnlyAndRemoved(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // os.TempDir: only this test's copies
	data := fxSQLite(t, true, "CREATE TABLE t (x TEXT)", "INSERT INTO t VALUES ('a')")
	before := append([]byte(nil), data...)
	var seenDir string
	err := withSQLiteCopy(context.Background(), data, func(db *sql.DB) error {
		dirs := tempCopies(t)
		if len(dirs) != 1 {
			t.Fatalf("temporary copies: %q", dirs)
		}
		seenDir = dirs[0]
		st, err := os.Stat(filepath.Join(seenDir, "import.db"))
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("the copy is mode %v, want 0600", st.Mode().Perm())
		}
		var x string
		if err := db.QueryRow("SELECT x FROM t").Scan(&x); err != nil || x != "a" {
			t.Errorf("reading the copy: %q, %v", x, err)
		}
		for _, stmt := range []string{"INSERT INTO t VALUES ('b')", "CREATE TABLE u (y)", "PRAGMA journal_mode=DELETE"} {
			if _, err := db.Exec(stmt); err == nil && !strings.HasPrefix(stmt, "PRAGMA") {
				t.Errorf("%s succeeded on a read-only copy", stmt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, before) {
		t.Error("the input bytes changed")
	}
	if _, err := os.Stat(seenDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary copy %s is still there (%v)", seenDir, err)
	}
	if left := tempCopies(t); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}

	// The copy goes on failure too.
	err = withSQLiteCopy(context.Background(), data, func(*sql.DB) error { return errors.New("boom") })
	if err == nil || err.Error() != "boom" {
		t.Errorf("fn's error: %v", err)
	}
	if left := tempCopies(t); len(left) != 0 {
		t.Errorf("left behind after an error: %q", left)
	}
}

func TestSQLiteCopyRefusesOtherBytes(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	err := withSQLiteCopy(context.Background(), []byte("not a database"), func(*sql.DB) error {
		t.Fatal("opened what is no SQLite database")
		return nil
	})
	if err == nil {
		t.Fatal("no error")
	}
	if left := tempCopies(t); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}
