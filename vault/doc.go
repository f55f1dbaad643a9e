// Package vault owns the account model and its encrypted, crash-safe
// persistence: the age-encrypted document, the identity that opens it (held
// in the OS keyring and/or a passphrase-protected file), generations kept for
// rollback, and the lock that serialises writers. It knows nothing of the UI
// or of other apps' formats. The on-disk format is specified in
// ARCHITECTURE.md.
package vault
