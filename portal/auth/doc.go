// Package auth holds the team portal's security primitives: password
// hashing, TOTP verification, encryption of TOTP secrets at rest, one-time
// codes and their storage hashes, recovery-link tokens, and log hygiene.
// Sub-packages hold the verification phrase (auth/phrase) and rate limiting
// (auth/ratelimit). Nothing here touches storage or HTTP: the store
// (portal/store) keeps what these functions produce, the handlers call them.
// The package imports app/codes, app/otpauth and vault types, never ui/ or
// Fyne, and builds with CGO_ENABLED=0.
//
// # Passwords
//
// Argon2id (golang.org/x/crypto/argon2) in the PHC string format,
// $argon2id$v=19$m=19456,t=2,p=1$salt$tag. The parameters are the OWASP
// Password Storage Cheat Sheet's m=19 MiB, t=2, p=1; the sheet lists
// m=46 MiB, t=1 as an equal defence, and the 19 MiB setting is chosen
// because memory, not CPU, is what concurrent sign-ins exhaust on a small
// self-hosted portal. Salt 16 bytes, tag 32 (RFC 9106 §4). A PasswordHasher
// lets at most GOMAXPROCS hashes run at once (PasswordOptions.MaxConcurrent),
// so RAM under a sign-in flood is bounded; the others wait on their context.
//
// Stored strings are parsed strictly and their parameters checked against
// Argon2Limits (256 MiB, 16 passes, 8 lanes) before anything runs: a row
// saying m=64 GiB is refused with ErrHashParams, not executed. NeedsRehash
// reports hashes made with other parameters so the handler can re-hash on
// the next successful sign-in (OWASP: upgrading the work factor).
// Verification compares tags with crypto/subtle; VerifyDummy spends the same
// time for unknown accounts, so timing does not reveal which exist.
//
// Passwords are limited to MaxPasswordBytes (1,024) bytes as received, which
// bounds the work a request causes while allowing far more than NIST SP
// 800-63B's 64 characters. They are normalised as RFC 8265's OpaqueString
// profile does: valid UTF-8, no control characters, Unicode spaces mapped to
// U+0020, then NFC, which is what NIST SP 800-63B-4 §3.1.1.2 now names (its
// previous revision said NFKC or NFKD). NFKC is not used: it would fold
// full-width letters, ligatures and superscripts into others, reducing the
// entropy of what the user typed, which the OWASP sheet asks us not to do;
// NFC only unifies the composed and decomposed spellings that different
// keyboards and systems send for the same text. The normalisation is part of
// the stored format: changing it would need a new scheme.
//
// # TOTP
//
// VerifyTOTP accepts the code of the current 30-second step or one step
// either side (RFC 6238 §5.2 recommends at most one step of network delay;
// the step ahead covers a client clock slightly fast) and refuses any step at
// or before the last one accepted: RFC 6238 §5.2, "the verifier MUST NOT
// accept the second attempt of the OTP after the successful validation has
// been issued for the first OTP". Codes are computed with app/codes, the
// desktop app's own generator, so both sides agree by construction, and
// compared in constant time. The profile is fixed to SHA-1, 6 digits, 30 s,
// the only combination every authenticator honours. NewTOTPSecret makes 160
// random bits (RFC 4226 §4), EnrolmentURI the otpauth:// URI via
// app/otpauth.Format.
//
// # Secrets at rest
//
// TOTP secrets must be readable by the server, so they are encrypted, not
// hashed: AES-256-GCM under a server key from configuration (never from the
// database), with a random 96-bit nonce, the key id stored beside the
// ciphertext, and associated data binding the purpose and the user id, so a
// ciphertext moved to another user's row fails to open. A Keyring holds
// several keys, seals with the first and opens with any, which is how keys
// rotate. Each configured key is a master secret from which HKDF-SHA-256
// derives the AES key and the code pepper below, under different labels.
//
// # One-time codes
//
// Backup codes (ten, 10 characters shown xxxxx-xxxxx, 50 bits), the recovery
// code (24 characters, 120 bits) and e-mailed sign-in codes (8 digits) are
// random from crypto/rand. Backup and recovery codes use Crockford's base32
// alphabet (no I, L, O, U); what users type is normalised (case, spaces,
// dashes; O read as 0, I and L as 1) before hashing. The OWASP Forgot
// Password Cheat Sheet asks for at least 8 digits, 12 for improved security,
// about ten codes, and rate limiting; the OWASP Multifactor Authentication
// Cheat Sheet lists single-use recovery codes as a reset method.
//
// They are stored as HMAC-SHA-256 under a server pepper, not with Argon2.
// Argon2's cost exists because passwords are chosen by people and have
// little entropy; backup and recovery codes are random with 50 and 120 bits,
// so a fast hash leaves nothing to guess in a stolen database, and the
// sign-in path checks ten of them per attempt, which at 20 ms each would be
// a gift to a denial of service. The key (the pepper, kept out of the
// database as the OWASP Password Storage sheet's peppering advice says)
// matters for the e-mailed codes: 8 digits are 10⁸ candidates, which any
// unkeyed hash would give up in seconds. The MAC covers the code's kind and
// the user id, so equal codes of two users never share a hash. MatchCode
// compares against every stored hash in constant time.
//
// # Link tokens
//
// Recovery links and e-mail verification links carry a Token: 256 bits from
// crypto/rand, unpadded URL-safe base64 (43 characters). Only the SHA-256
// (TokenHash) is stored: with 256 bits of entropy a plain hash cannot be
// reversed, and a stolen database yields no usable link (OWASP Forgot
// Password Cheat Sheet: tokens random, long, stored securely, single use,
// expiring). ParseToken refuses anything but the canonical 43 characters,
// with an error saying what is wrong, before any lookup.
//
// # Log hygiene
//
// The rule, for this package and for every caller: no password, TOTP
// secret, code, phrase, token, key or pepper is ever formatted into an error,
// a log line, an audit entry or a response other than the one that delivers
// it. Errors here say what is wrong and where (a length, a position, a
// field), never quote the input. Secrets travel as types that cannot leak by
// accident: Token and Secret print Redacted under every fmt verb, through
// log/slog and in JSON, and Keyring prints its key ids only. Redact is the
// second line of defence for text that comes from elsewhere (a request path
// or query, a dependency's error): it blanks everything shaped like this
// package's secrets. TokenHash is not secret and is the way to name a link
// in logs and audit entries.
//
// # What the HTTP layer must do
//
//   - Sign-in: look the user up; if absent call VerifyDummy, else Verify; on
//     success and NeedsRehash, store Hash(password). Answer every failure
//     the same way (an over-long or non-text password included).
//   - Second factor: VerifyTOTP with the factor's last step, then the
//     store's conditional update of the step (AcceptTOTPStep); zero rows
//     updated is a replay. Backup codes: CanonicalBackupCode, MatchCode
//     against the user's unused hashes, then the store's atomic use of that
//     row; recovery code likewise, replaced when used. E-mailed codes:
//     CanonicalEmailCode, CodeDigest, the store's atomic consume.
//   - Limit every guessable input with auth/ratelimit, per account in the
//     shared store (see that package for which limits must be shared) and
//     per source address: TOTP and e-mailed codes give 3 and 1 chances in
//     10⁶ and 10⁸ per try.
//   - Links: NewToken; store Hash() with user, purpose and expiry; put
//     Encode() in the URL built from the configured base URL (never the Host
//     header); on GET only ParseToken and show a confirmation page; on POST
//     ParseToken, then the store's single atomic redeem. Send
//     Referrer-Policy: no-referrer on those pages.
//   - Recovery requests: phrase.New for the requester; phrase.Equal for what
//     the admin types; the same response whether or not the account exists.
//   - Never log a request body, and pass paths and queries through Redact
//     before logging them.
package auth
