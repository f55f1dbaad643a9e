package sync_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

// The client's tests run against the real portal over TLS. portalParts
// and serveTLS are what every one of them builds it from.

// portalParts returns a migrated SQLite store on the clock now (nil: the
// system's), a fresh server keyring, and the cheapest Argon2id hasher (the
// tests check the flows, portal/auth the hashing).
func portalParts(t *testing.T, now func() time.Time) (store.Store, *auth.Keyring, *auth.PasswordHasher) {
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
	spec, err := auth.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := auth.NewPasswordHasher(auth.PasswordOptions{Params: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	return st, kr, ph
}

// serveTLS runs the portal opts describe over TLS until the test ends.
func serveTLS(t *testing.T, opts portal.Options) *httptest.Server {
	t.Helper()
	h, err := portal.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}
