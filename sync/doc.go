// Package sync is the desktop's link to the outside: the client of a
// Latchkey team portal (Client), and, next, vault replication between a
// user's devices. The portal's wire types are in portal/api.
//
// The name collides with the standard library's sync: every caller imports
// it under one alias,
//
//	lksync "github.com/latchkey/latchkey/sync"
//
// It is infrastructure: it imports the standard library and portal/api,
// never app/, ui/ or Fyne (app/clock imports it for its portal time source).
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
//     shape becomes an *api.APIError.
package sync
