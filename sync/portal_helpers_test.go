package sync_test

import (
	"github.com/latchkey/latchkey/portal/portaltest"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// The client's tests run against the real portal over TLS. portalParts
// and serveTLS are what every one of them builds it from.

// portalParts returns a migrated SQLite store on the clock now (nil: the
// system's), a server keyring, and the cheapest Argon2id hasher.
func portalParts(t *testing.T, now func() time.Time) (store.Store, *auth.Keyring, *auth.PasswordHasher) {
	t.Helper()
	return portaltest.Store(t, now), portaltest.Keyring(t), portaltest.Passwords(t)
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
