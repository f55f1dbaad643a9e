// Package importer turns what a user has in hand into accounts: QR images
// (one or many codes, Google Authenticator migration batches spread over
// several images), text files of otpauth links (WinAuth, Ente Auth and
// similar plain exports), other authenticators' exports (Aegis, 2FAS,
// andOTP, Authenticator Pro, Bitwarden, Proton, FreeOTP+, Duo, Steam
// Desktop Authenticator, plain and encrypted where the app encrypts), and
// Latchkey's own age backups. The format is detected from the content,
// never from the file name. Each format has its own file and registers
// itself (see register in importer.go).
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
