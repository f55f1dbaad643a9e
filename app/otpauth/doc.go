// Package otpauth owns the text forms of 2FA accounts: otpauth:// key URIs
// (Parse, Format), Steam's steam:// URIs, Google Authenticator's
// otpauth-migration:// export links (DecodeMigration, EncodeMigration), and
// Normalize, the one canonicalisation every account goes through before it
// reaches the vault, whatever its source (URI, manual entry, importer).
//
// # Normalised accounts
//
// Normalize trims the issuer and name (which must be valid UTF-8 without
// control characters) and takes the bidirectional controls and line
// separators out of them and of the group and note (UnsafeRune);
// NormalizeReporting, for imports, takes control characters out too and
// says what it removed. It spells the secret as upper-case base32 without padding
// (spaces and dashes removed, any case and padding accepted), and fills the
// defaults: type totp, algorithm SHA1, digits 6 (Steam 5), period 30. HOTP
// accounts keep period 30 too (the vault model never stores a zero period;
// HOTP ignores it), and only HOTP accounts keep a counter. The result is
// always accepted by app/codes.
//
// # Canonical URIs
//
// Format writes the form of the CLI contract:
//
//	otpauth://totp/Issuer:Name?secret=BASE32&issuer=Issuer[&algorithm=..][&digits=..][&period=..]
//	otpauth://hotp/Issuer:Name?secret=BASE32&issuer=Issuer[...]&counter=N
//
// The label is "Issuer:Name", or "Name" without an issuer; a name containing
// a colon but no issuer is written ":Name" so that it is not mistaken for an
// issuer prefix. Everything but RFC 3986 unreserved characters, "@" and the
// label's ":" is percent-encoded, spaces as %20 and "+" as %2B. Parameters
// appear in the order secret, issuer, algorithm, digits, period, counter,
// encoder, portal, each only when it differs from the default (counter
// always for HOTP; portal when the account is bound to a team portal).
//
// Steam accounts are written as the form most apps read:
//
//	otpauth://totp/Steam:Name?secret=BASE32&issuer=Steam&digits=5&encoder=steam
//
// (with the account's own issuer, normally "Steam"). Parse reads that, Aegis's
// otpauth://steam/..., Bitwarden's steam://SECRET, and otpauth://totp with
// issuer Steam and digits=5. Parse(Format(a)) returns a for every normalised
// account (OTP fields, issuer and name, and the portal's URL; other fields
// are not part of a URI).
//
// # Team portals
//
// A team portal's enrolment link adds portal=<base URL>. Parse binds the
// account to that portal (vault.Portal, LinkedBy "enrolment"), its e-mail
// there being the account's name when the name is an address. The URL must
// pass ParsePortalURL (https://, or http:// on loopback; no credentials,
// query or fragment; bounded): a link with any other portal value is
// refused as a whole, so a hostile QR code changes nothing.
//
// # What Parse accepts
//
// Lower-case secrets, padding (also %3D), spaces and dashes in secrets; "+"
// or %20 for spaces in parameters; the issuer in the label, in the issuer
// parameter or both (the parameter wins, the label still gives the name);
// algorithm spellings such as SHA-256, sha256, HmacSHA256; upper-case types
// and parameter names. In the label, "+" means a space only when the label
// was evidently form-encoded (no literal "@", no space and no %20 in it), so
// plus-addressed e-mail names such as alice+2fa@example.com survive.
// Unknown parameters, including FreeOTP's image and color, are ignored:
// Latchkey never fetches a remote image (that would tell a server which
// accounts the user has), and the vault's Icon holds only built-in names or
// data: URIs.
//
// # Google Authenticator migration
//
// DecodeMigration reads one otpauth-migration://offline?data=... link (the
// data in standard or URL-safe base64, padded or not, with "+" possibly
// turned into a space) with encoding/protowire, and returns a Batch: the
// accounts, the entries it had to skip and why (MD5, unknown enum values,
// missing secrets), and the batch header so the UI can say "2 of 3 scanned".
// EncodeMigration refuses, with an *ExportError naming each one, accounts
// Google Authenticator cannot represent (Steam, periods other than 30 s,
// 7 digits): silently leaving accounts behind on an export would be worse.
// Callers can filter with CanExportMigration and export the rest.
//
// No error from this package contains a secret.
package otpauth
