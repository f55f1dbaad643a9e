// Package codes owns one-time code generation: it turns a vault.Account and a
// moment in time into the code the account's service expects (RFC 4226 HOTP,
// RFC 6238 TOTP, and Steam Guard's five-character variant), and tells the UI
// and CLI where the current time step starts and ends.
//
// Everything here is a pure function of its arguments: no clock is read, no
// state is kept. Callers pass the (possibly drift-corrected) time.
//
// The HMAC and truncation are github.com/pquerna/otp's; this package wraps it
// so that the library's traps never reach a user. Every account is validated
// first (see Validate): the algorithm is one of SHA1, SHA256 and SHA512 and is
// mapped explicitly, digits are 6–8 (Steam: exactly 5), the period is
// positive, the secret decodes as base32, and the time is not before 1970.
// Errors never contain the secret.
package codes
