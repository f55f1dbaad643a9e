package importer

import (
	"context"
	"testing"
	"time"
)

// FuzzSQLiteDB feeds damaged databases of every app through detection and
// each database reader forced: nothing may panic or hang, the copy is
// always removed, and what is read can generate codes.
func FuzzSQLiteDB(f *testing.F) {
	for _, seed := range [][]byte{googleAuthDBFixture(f), msAuthDBFixture(f), authProDBFixture(f), []byte(sqliteHeader)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Setenv("TMPDIR", t.TempDir()) // os.TempDir: only this run's copies
		for _, format := range []Format{"", FormatGoogleAuthDB, FormatMSAuthDB, FormatAuthProDB} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			res, err := New().Read(ctx, "fuzz", data, format, Options{})
			cancel()
			if err == nil && res == nil {
				t.Fatal("no result and no error")
			}
			if format != "" {
				fxFuzzCheck(t, res, err)
			}
		}
		if left := tempCopies(t); len(left) != 0 {
			t.Fatalf("temporary copies left behind: %q", left)
		}
	})
}
