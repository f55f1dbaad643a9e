package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
)

// TokenBytes is the entropy of a link token: 256 bits.
const TokenBytes = 32

// TokenLen is the length of an encoded token: 32 bytes in unpadded
// URL-safe base64.
const TokenLen = 43

// ErrTokenFormat is wrapped by every ParseToken error; the message says what
// is wrong (length, character, encoding) and never quotes the text.
var ErrTokenFormat = errors.New("malformed link token")

// Token is a one-time link token (recovery links, e-mail verification
// links): 256 random bits. Only its TokenHash is stored; the token itself
// exists in the link sent and in the request that redeems it.
//
// Token's String, GoString, Format and LogValue print Redacted; the encoded
// form is only ever obtained with Encode, on purpose, where the link is
// built.
type Token [TokenBytes]byte

// TokenHash is the SHA-256 of a token's 32 bytes: what the store keeps and
// looks up. A hash is not a secret (finding a token from it means a 2²⁵⁶
// search), so it may appear in logs to correlate events.
type TokenHash [sha256.Size]byte

// NewToken returns a fresh random token from crypto/rand.
func NewToken() Token {
	var t Token
	copy(t[:], randomBytes(TokenBytes))
	return t
}

// Encode is the token as it goes into a URL: TokenLen characters of
// unpadded URL-safe base64 (RFC 4648 §5).
func (t Token) Encode() string { return base64.RawURLEncoding.EncodeToString(t[:]) }

// Hash returns the token's storage hash.
func (t Token) Hash() TokenHash { return sha256.Sum256(t[:]) }

// String prints Redacted.
func (t Token) String() string { return Redacted }

// GoString prints Redacted.
func (t Token) GoString() string { return Redacted }

// Format prints Redacted for every verb, %x and %v included.
func (t Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue keeps the token out of log/slog output.
func (t Token) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText writes Redacted: a token has no business in a JSON document
// or a log record (call Encode where a link is built).
func (t Token) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// String is the hash in hex: a stable, non-secret name for log lines.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText is the hex form, for JSON and log/slog.
func (h TokenHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// tokenDecoder refuses padding and non-zero trailing bits, so each token has
// exactly one accepted spelling.
var tokenDecoder = base64.RawURLEncoding.Strict()

// ParseToken reads an encoded token from a request, before any lookup. It
// refuses anything but exactly TokenLen characters of the URL-safe
// alphabet: a truncated link (a mail client that wrapped it), padding,
// standard-base64 "+" or "/", spaces, or a canonical-form violation.
func ParseToken(s string) (Token, error) {
	var t Token
	if len(s) != TokenLen {
		return t, fmt.Errorf("%w: %d characters instead of %d (was the link cut?)", ErrTokenFormat, min(len(s), 9999), TokenLen)
	}
	for i := 0; i < len(s); i++ {
		if !isURLBase64(s[i]) {
			return t, fmt.Errorf("%w: character %d is not A-Z a-z 0-9 - _", ErrTokenFormat, i+1)
		}
	}
	n, err := tokenDecoder.Decode(t[:], []byte(s))
	if err != nil || n != TokenBytes {
		return Token{}, fmt.Errorf("%w: not the canonical encoding of %d bytes", ErrTokenFormat, TokenBytes)
	}
	return t, nil
}

// HashEncodedToken parses s and returns its hash: the one call a handler
// makes before looking the token up.
func HashEncodedToken(s string) (TokenHash, error) {
	t, err := ParseToken(s)
	if err != nil {
		return TokenHash{}, err
	}
	return t.Hash(), nil
}

func isURLBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
