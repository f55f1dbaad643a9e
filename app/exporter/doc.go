// Package exporter owns the files Latchkey writes for other apps and for
// itself: canonical otpauth URI lists, Aegis vaults (plain and encrypted, so
// a user can move to a phone), Google Authenticator migration QR images, and
// Latchkey's own age-encrypted backup. It turns []vault.Account into bytes
// or images; opening the vault, asking for passwords and writing files is
// the caller's job (cli/exportcmd.go).
//
// Every format but the age backup leaves something behind: backup codes,
// recovery codes and portal bindings have no place in other apps' formats
// (Lost counts them so the caller can say so), and Google Authenticator
// cannot hold Steam accounts, periods other than 30 s or 7 digits
// (SplitMigration lists those, so none is left out silently).
//
// # URIs
//
// One canonical otpauth URI per line (app/otpauth.Format), in vault order,
// each line ending in "\n": the CLI contract's `export --format uris`.
//
// # Aegis
//
// The vault file of Aegis (github.com/beemdevelopment/Aegis, docs/vault.md):
// {"version": 1, "header": {...}, "db": ...} with db version 3 holding
// entries and groups. Each account is an entry with a random v4 uuid, name,
// issuer, note, favorite, icon (only data: URIs of PNG, JPEG or SVG images,
// as base64 with icon_mime and icon_hash, the SHA-256 of the MIME type and
// the bytes, as Aegis computes it), info {secret, algo, digits, period or
// counter} and groups: each distinct vault group becomes one Aegis group.
// Steam accounts are Aegis "steam" entries.
//
// The plain vault has header {"slots": null, "params": null} and db as a
// JSON object. The encrypted vault follows Aegis: a random 256-bit master
// key encrypts the db JSON with AES-256-GCM (db = base64 of the ciphertext
// without the tag; header.params = {nonce, tag} in lower-case hex); one
// password slot (type 1) holds the master key encrypted with AES-256-GCM
// under scrypt(UTF-8 password, 32-byte random salt, N=2^15, r=8, p=1),
// with key, key_params {nonce, tag}, n, r, p, salt in hex and repaired
// true (Aegis's marker for slots derived from the UTF-8 password bytes).
//
// # Google Authenticator migration QR codes
//
// otpauth-migration:// links of one batch (app/otpauth.EncodeMigration), at
// most 10 accounts per code as Google Authenticator writes them, fewer when
// long names would make a code too dense (MaxLinkBytes), each drawn as a PNG
// with error correction M, a 4-module quiet zone and at least 4 pixels per
// module.
//
// # Latchkey backup
//
// The whole vault, every field, encrypted with age's scrypt (passphrase)
// recipient at age's default work factor, so `age -d backup.age` opens it
// without Latchkey, and `latchkey import backup.age` restores it. The
// plaintext is UTF-8 JSON:
//
//	{
//	  "format": "latchkey-backup",   // always this string
//	  "version": 1,                  // BackupVersion; raised only on incompatible changes
//	  "exported": "2026-11-22T09:00:00Z",
//	  "accounts": [ ... ],           // vault.Account JSON exactly as in vault.age, unknown members kept
//	  "settings": { ... }            // vault.Settings JSON, for readers with `age -d`
//	}
//
// A reader ignores members it does not know. Import restores the accounts
// (with their backup codes, recovery code, notes, groups, icons, favourite
// and portal binding); the settings are in the file for completeness.
//
// No error from this package contains a secret.
package exporter
