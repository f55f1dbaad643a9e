// Package importer turns what a user has in hand into accounts: QR images
// (one or many codes, Google Authenticator migration batches spread over
// several images), text files of otpauth links (WinAuth, Ente Auth and
// similar plain exports), other authenticators' exports and private stores
// (Aegis, 2FAS, andOTP, Authenticator Pro, Bitwarden, Proton, FreeOTP,
// FreeOTP+, FreeOTP 2, Authy, TOTP Authenticator, Authenticator Plus,
// Battle.net, Duo, Steam, LastPass Authenticator, Raivo, 2FAuth, Ente Auth,
// 1Password, plain and encrypted where the app encrypts), the SQLite
// databases of Google Authenticator, Microsoft Authenticator and
// Authenticator Pro (read from a private read-only copy), KeePass and
// KeePassXC databases (KDBX 3.1 and 4, with a password and/or a key file),
// and Latchkey's own age backups; README's import table says where each file
// is found. The format is detected from the content, never from the file
// name. Each format has its own file and registers itself (see register in
// importer.go).
//
// Phone apps without an export are read from their private SQLite
// databases, copied off a rooted phone or a device backup (Google
// Authenticator, Microsoft Authenticator, Authenticator Pro / Stratum):
// SQLite opens a private, read-only, immutable copy of the bytes, never
// the input (sqlitefile.go).
//
// Importing is all-or-nothing per input: an input is parsed completely
// before anything is returned, entries that cannot be imported are listed
// with their reason instead of failing the rest, and nothing here writes to
// the vault (see app.PlanAdd for de-duplication and saving).
package importer
