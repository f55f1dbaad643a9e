// Package portaltest builds the parts of a real portal for tests in any
// package: a migrated SQLite store, a server keyring and a password hasher.
// The portal's own tests, the sync client's and the desktop companion's
// (app/companion/companiontest) all run against the real portal made of
// these, so none of them fakes the server.
package portaltest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

// Store is a migrated SQLite store in the test's temporary directory on
// the clock now (nil: the system's), closed when the test ends.
func Store(t testing.TB, now func() time.Time) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portal.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// Keyring is a fresh server keyring with one key.
func Keyring(t testing.TB) *auth.Keyring {
	t.Helper()
	spec, err := auth.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// Passwords hashes with the cheapest Argon2id parameters: tests built on
// it check flows; portal/auth checks the hashing.
func Passwords(t testing.TB) *auth.PasswordHasher {
	t.Helper()
	ph, err := auth.NewPasswordHasher(auth.PasswordOptions{
		Params: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ph
}
