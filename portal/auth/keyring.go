package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a server key: 256 bits.
const KeySize = 32

// Errors of the Keyring. None of them contains key material, plaintext or a
// code.
var (
	// ErrKeyConfig: the key configuration cannot be used.
	ErrKeyConfig = errors.New("invalid server key configuration")
	// ErrUnknownKey: a sealed value or code hash names a key id the keyring
	// does not hold (a key retired too early, or a value from another
	// installation).
	ErrUnknownKey = errors.New("sealed with a key this server does not hold")
	// ErrSealed: a sealed value is malformed, was changed, or belongs to
	// another user or purpose. The cases are indistinguishable by design.
	ErrSealed = errors.New("sealed value cannot be opened")
)

// Purposes passed to Seal and Open: the purpose is authenticated with the
// value, so a ciphertext made for one use cannot be opened as another.
const PurposeTOTPSecret = "totp-secret"

// Keyring holds the server's keys, each with a short id; the first is the
// current one. It seals (AES-256-GCM) with the current key and opens with
// whichever key a value names, so keys rotate without a flag day: add a new
// key first in the list, re-seal what NeedsRotation reports, then drop the
// old key once nothing names it.
//
// Each configured key is a master secret; the AES key and the HMAC pepper
// of code hashes (see CodeHash) are derived from it with HKDF-SHA-256 under
// different labels, so one configuration value serves both and neither
// derived key can be computed from the other.
//
// A Keyring is immutable and safe for concurrent use. Formatting it prints
// the key ids only.
type Keyring struct {
	current string
	keys    map[string]*ringKey
	order   []string
}

type ringKey struct {
	aead   cipher.AEAD
	pepper []byte
}

// maxKeyID bounds a key id; ids are [A-Za-z0-9_-].
const maxKeyID = 32

// NewKeyring builds a keyring from (id, key) pairs, current first. Each key
// must be KeySize bytes; ids must be distinct, 1–32 characters of
// [A-Za-z0-9_-].
func NewKeyring(ids []string, keys [][]byte) (*Keyring, error) {
	if len(ids) == 0 || len(ids) != len(keys) {
		return nil, fmt.Errorf("%w: no keys", ErrKeyConfig)
	}
	kr := &Keyring{current: ids[0], keys: make(map[string]*ringKey, len(ids))}
	for i, id := range ids {
		if !validKeyID(id) {
			return nil, fmt.Errorf("%w: key %d: id must be 1 to %d characters of A-Z a-z 0-9 _ -", ErrKeyConfig, i+1, maxKeyID)
		}
		if _, dup := kr.keys[id]; dup {
			return nil, fmt.Errorf("%w: key id %s appears twice", ErrKeyConfig, id)
		}
		if len(keys[i]) != KeySize {
			return nil, fmt.Errorf("%w: key %s is %d bytes, not %d", ErrKeyConfig, id, len(keys[i]), KeySize)
		}
		k, err := deriveRingKey(keys[i])
		if err != nil {
			return nil, fmt.Errorf("%w: key %s: %v", ErrKeyConfig, id, err)
		}
		kr.keys[id] = k
		kr.order = append(kr.order, id)
	}
	return kr, nil
}

// ParseKeyring reads the configuration form "id:base64key[,id:base64key…]"
// (standard or URL-safe base64, padding optional), current key first, as
// GenerateKey prints it. Errors name the position, never the key.
func ParseKeyring(spec string) (*Keyring, error) {
	var ids []string
	var keys [][]byte
	for i, item := range strings.Split(spec, ",") {
		id, enc, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, fmt.Errorf("%w: entry %d is not id:base64key", ErrKeyConfig, i+1)
		}
		key, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: key is not base64", ErrKeyConfig, i+1)
		}
		ids = append(ids, id)
		keys = append(keys, key)
	}
	return NewKeyring(ids, keys)
}

// GenerateKey returns a new configuration entry "id:base64key" with a fresh
// random key, for `latchkey-portal` to print when setting up or rotating.
func GenerateKey(id string) (string, error) {
	if !validKeyID(id) {
		return "", fmt.Errorf("%w: id must be 1 to %d characters of A-Z a-z 0-9 _ -", ErrKeyConfig, maxKeyID)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(randomBytes(KeySize)), nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// HKDF labels of the derived keys.
const (
	infoAEAD   = "latchkey-portal v1 aes-256-gcm secrets at rest"
	infoPepper = "latchkey-portal v1 hmac-sha-256 code pepper"
)

func deriveRingKey(master []byte) (*ringKey, error) {
	aesKey, err := hkdf.Key(sha256.New, master, nil, infoAEAD, 32)
	if err != nil {
		return nil, err
	}
	pepper, err := hkdf.Key(sha256.New, master, nil, infoPepper, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &ringKey{aead: aead, pepper: pepper}, nil
}

// Current is the id of the key new values are sealed and hashed with.
func (kr *Keyring) Current() string { return kr.current }

// IDs lists the key ids, current first.
func (kr *Keyring) IDs() []string { return append([]string(nil), kr.order...) }

// String names the keys without their material.
func (kr *Keyring) String() string {
	return fmt.Sprintf("auth.Keyring{current: %s, keys: %s}", kr.current, strings.Join(kr.order, " "))
}

// GoString is String, so %#v prints no key either.
func (kr *Keyring) GoString() string { return kr.String() }

// Sealed is a value encrypted by Seal: the id of the key it was sealed
// with, stored beside the ciphertext (nonce ‖ ciphertext ‖ GCM tag), so
// that Open finds the key and NeedsRotation finds old values.
type Sealed struct {
	KeyID      string
	Ciphertext []byte
}

// maxSealed bounds what Seal takes (TOTP secrets are tens of bytes).
const maxSealed = 4 << 10

// Seal encrypts plaintext for one user and purpose with the current key.
// The associated data binds purpose, key id and userID (the user's stable
// id, e.g. in decimal), so a ciphertext copied to another user's row, or
// used for another purpose, fails to open. Nonces are random (96 bits);
// a key seals far fewer TOTP secrets than the 2³² values NIST SP 800-38D
// allows per key with random nonces.
func (kr *Keyring) Seal(purpose, userID string, plaintext []byte) (Sealed, error) {
	if len(plaintext) > maxSealed {
		return Sealed{}, fmt.Errorf("sealing %d bytes: more than %d", len(plaintext), maxSealed)
	}
	k := kr.keys[kr.current]
	nonce := randomBytes(k.aead.NonceSize())
	out := k.aead.Seal(nonce, nonce, plaintext, associatedData(purpose, kr.current, userID))
	return Sealed{KeyID: kr.current, Ciphertext: out}, nil
}

// Open decrypts a value Seal made for the same purpose and userID, with
// the key it names. A changed ciphertext, another user or purpose all give
// ErrSealed; a key id the keyring lacks gives ErrUnknownKey.
func (kr *Keyring) Open(purpose, userID string, s Sealed) ([]byte, error) {
	k, ok := kr.keys[s.KeyID]
	if !ok {
		if !validKeyID(s.KeyID) {
			return nil, ErrSealed
		}
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, s.KeyID)
	}
	n := k.aead.NonceSize()
	if len(s.Ciphertext) < n+k.aead.Overhead() || len(s.Ciphertext) > maxSealed+n+k.aead.Overhead() {
		return nil, ErrSealed
	}
	pt, err := k.aead.Open(nil, s.Ciphertext[:n], s.Ciphertext[n:], associatedData(purpose, s.KeyID, userID))
	if err != nil {
		return nil, ErrSealed
	}
	return pt, nil
}

// NeedsRotation reports whether a value sealed or hashed under keyID
// should be redone with the current key. A key may be dropped from the
// configuration once no stored value names it.
func (kr *Keyring) NeedsRotation(keyID string) bool { return keyID != kr.current }

// CodeHashKeyID is the key id a CodeHash string names ("" if malformed),
// for NeedsRotation.
func CodeHashKeyID(hash string) string {
	id, _, err := splitCodeHash(hash)
	if err != nil {
		return ""
	}
	return id
}

// associatedData encodes its fields with length prefixes, so no two
// different (purpose, id, user) triples give the same bytes.
func associatedData(fields ...string) []byte {
	var b []byte
	b = append(b, "latchkey-portal sealed v1"...)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// CodeKind separates the hashes of the different one-time codes: a backup
// code's hash never equals a recovery code's, even for equal text.
type CodeKind string

// The kinds of code hashed with CodeHash.
const (
	KindBackupCode   CodeKind = "backup-code"
	KindRecoveryCode CodeKind = "recovery-code"
	KindEmailCode    CodeKind = "email-code"
	KindPhrase       CodeKind = "verification-phrase"
)

// codeHashSep separates key id and MAC in a code hash: "<id>$<base64url>".
const codeHashSep = "$"

// CodeHash is the storage form of a one-time code: HMAC-SHA-256 under the
// current key's pepper over (kind, userID, canonical code), written
// "<key id>$<base64url mac>". code must already be canonical (see
// CanonicalCode and the Parse functions); the caller stores the result and
// never the code.
func (kr *Keyring) CodeHash(kind CodeKind, userID, canonical string) string {
	return kr.codeHash(kr.current, kind, userID, canonical)
}

// CodeHashCandidates returns the hash of canonical under every key, current
// first, for a lookup such as
//
//	UPDATE backup_codes SET used_at = now()
//	WHERE user_id = $1 AND code_hash = ANY($2) AND used_at IS NULL
//
// that both finds and spends the code in one atomic statement.
func (kr *Keyring) CodeHashCandidates(kind CodeKind, userID, canonical string) []string {
	out := make([]string, 0, len(kr.order))
	for _, id := range kr.order {
		out = append(out, kr.codeHash(id, kind, userID, canonical))
	}
	return out
}

// MatchCode compares canonical with stored code hashes in constant time:
// every stored hash is compared whatever the outcome, and the index of the
// first match is returned (-1 and false if none). Hashes naming an unknown
// key never match.
func (kr *Keyring) MatchCode(kind CodeKind, userID, canonical string, stored []string) (int, bool) {
	idx, found := -1, 0
	for i, s := range stored {
		id, _, err := splitCodeHash(s)
		if err != nil {
			continue
		}
		if _, ok := kr.keys[id]; !ok {
			continue
		}
		want := kr.codeHash(id, kind, userID, canonical)
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(s))
		idx = subtle.ConstantTimeSelect(eq&(1-found), i, idx)
		found |= eq
	}
	return idx, found == 1
}

func (kr *Keyring) codeHash(id string, kind CodeKind, userID, canonical string) string {
	mac := kr.codeMAC(id, kind, userID, canonical)
	return id + codeHashSep + base64.RawURLEncoding.EncodeToString(mac[:])
}

// CodeDigest is the 32-byte form of a code hash under the current key, for
// stores that look short-lived codes up by a fixed-size digest (e-mailed
// sign-in codes: they live minutes, so a key rotation at worst fails the
// codes in flight; CodeDigestCandidates covers that too).
func (kr *Keyring) CodeDigest(kind CodeKind, userID, canonical string) [32]byte {
	return kr.codeMAC(kr.current, kind, userID, canonical)
}

// CodeDigestCandidates is CodeDigest under every key, current first.
func (kr *Keyring) CodeDigestCandidates(kind CodeKind, userID, canonical string) [][32]byte {
	out := make([][32]byte, 0, len(kr.order))
	for _, id := range kr.order {
		out = append(out, kr.codeMAC(id, kind, userID, canonical))
	}
	return out
}

func (kr *Keyring) codeMAC(id string, kind CodeKind, userID, canonical string) [32]byte {
	m := hmac.New(sha256.New, kr.keys[id].pepper)
	m.Write(associatedData(string(kind), id, userID, canonical))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

func splitCodeHash(s string) (id, mac string, err error) {
	id, mac, ok := strings.Cut(s, codeHashSep)
	if !ok || !validKeyID(id) || len(mac) != 43 {
		return "", "", ErrSealed
	}
	return id, mac, nil
}
