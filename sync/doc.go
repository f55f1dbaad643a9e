// Package sync is the desktop app's client of a Latchkey team portal, and
// the wire types the portal (package portal) serves, so both sides encode
// and decode the same structs.
//
// The name collides with the standard library's sync: callers import it
// under an alias, e.g.
//
//	portalsync "github.com/latchkey/latchkey/sync"
//
// It is infrastructure: it imports only the standard library, never app/,
// ui/ or Fyne (app/clock imports it for its portal time source).
//
// # Client rules
//
//   - TLS certificates are always verified. A tls.Config may be injected (a
//     private CA, a test server's certificate) but one that skips
//     verification is refused. Plain http:// is accepted only for loopback
//     hosts, where a development portal runs.
//   - Every attempt has a timeout; idempotent GETs are retried on network
//     errors and on 429, 502, 503 and 504 with exponential backoff and
//     jitter, honouring a short Retry-After. Nothing else is retried.
//   - Answers are read up to MaxResponseBytes; the portal's JSON error
//     shape becomes an *APIError.
package sync
