package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Password limits. MaxPasswordBytes bounds what the server hashes (measured
// on the bytes received, before normalisation); NIST SP 800-63B asks that at
// least 64 characters be allowed, and 1,024 bytes leaves room for any
// passphrase while keeping a request from feeding megabytes to the hash.
const (
	MaxPasswordBytes = 1024
	// MinPasswordRunesMFA is NIST SP 800-63B-4's minimum for a password
	// that is one factor of several (the portal's sign-in with 2FA).
	MinPasswordRunesMFA = 8
	// MinPasswordRunesSingleFactor is the minimum where the password is
	// the only factor (a tenant that does not require 2FA).
	MinPasswordRunesSingleFactor = 15
)

// Errors of the password functions. Match them with errors.Is; none of them,
// nor any error wrapping them, contains a password or a hash.
var (
	// ErrPasswordTooLong: more than MaxPasswordBytes bytes.
	ErrPasswordTooLong = errors.New("password is too long")
	// ErrPasswordTooShort: fewer code points than the policy asks.
	ErrPasswordTooShort = errors.New("password is too short")
	// ErrPasswordEncoding: not valid UTF-8, or a control character.
	ErrPasswordEncoding = errors.New("password is not valid text")
	// ErrHashFormat: the stored string is not a PHC Argon2id string this
	// package reads (a server-side fault: log it, answer 500).
	ErrHashFormat = errors.New("stored password hash is malformed")
	// ErrHashParams: the stored parameters are outside Argon2Limits and
	// were refused before running (an m=64 GiB hash must not run).
	ErrHashParams = errors.New("stored password hash has parameters outside the accepted limits")
)

// Argon2Params are the cost and size parameters of an Argon2id hash. Memory
// is in KiB, as in the PHC string's m.
type Argon2Params struct {
	Memory  uint32 // m, KiB
	Time    uint32 // t, passes
	Threads uint8  // p, lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes of the tag
}

// DefaultArgon2 is the production setting: OWASP's Password Storage Cheat
// Sheet lists m=47104 t=1 and m=19456 t=2 (p=1) as giving an equal level of
// defence; the 19 MiB one halves the memory held per concurrent sign-in,
// which matters more than CPU on a small self-hosted portal. A 16-byte salt
// and 32-byte tag are RFC 9106 §4's recommendation.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Argon2Limits bound the parameters a stored hash may carry. A hash outside
// them is refused with ErrHashParams before any work, so a corrupted or
// planted row cannot make a sign-in allocate gigabytes or spin for minutes.
type Argon2Limits struct {
	MaxMemory  uint32 // KiB
	MaxTime    uint32
	MaxThreads uint8
}

// DefaultArgon2Limits allow five times the default memory (room to raise the
// cost later) and no more: 256 MiB, 16 passes, 8 lanes.
var DefaultArgon2Limits = Argon2Limits{MaxMemory: 256 * 1024, MaxTime: 16, MaxThreads: 8}

// Fixed bounds of the encoding, whatever the limits: RFC 9106 allows salts
// of 8 bytes or more; tags shorter than 16 bytes are refused.
const (
	minSaltLen, maxSaltLen = 8, 64
	minKeyLen, maxKeyLen   = 16, 64
)

// PasswordOptions configure a PasswordHasher. The zero value gives the
// production defaults; tests pass low Params to stay fast.
type PasswordOptions struct {
	Params Argon2Params // zero: DefaultArgon2
	Limits Argon2Limits // zero: DefaultArgon2Limits
	// MaxConcurrent bounds the Argon2 computations running at once, so a
	// burst of sign-ins cannot hold more than MaxConcurrent × Memory of
	// RAM; the others wait (or give up when their context ends). Zero:
	// GOMAXPROCS, since the work is CPU-bound and more would only queue
	// inside the scheduler while holding memory.
	MaxConcurrent int
	// Rand is the salt source; nil: crypto/rand.
	Rand io.Reader
}

// PasswordHasher hashes and verifies passwords with Argon2id in the PHC
// string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<tag>
//
// (salt and tag in standard base64 without padding). It is safe for
// concurrent use.
type PasswordHasher struct {
	params Argon2Params
	limits Argon2Limits
	sem    chan struct{}
	rand   io.Reader
	dummy  phc // what VerifyDummy runs against
}

// NewPasswordHasher checks the options and returns a hasher.
func NewPasswordHasher(opts PasswordOptions) (*PasswordHasher, error) {
	h := &PasswordHasher{params: opts.Params, limits: opts.Limits, rand: opts.Rand}
	if h.params == (Argon2Params{}) {
		h.params = DefaultArgon2
	}
	if h.limits == (Argon2Limits{}) {
		h.limits = DefaultArgon2Limits
	}
	if h.rand == nil {
		h.rand = rand.Reader
	}
	p := h.params
	if err := h.check(p.Memory, p.Time, p.Threads, int(p.SaltLen), int(p.KeyLen)); err != nil {
		return nil, fmt.Errorf("argon2 parameters: %w", err)
	}
	n := opts.MaxConcurrent
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	h.sem = make(chan struct{}, n)
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return nil, fmt.Errorf("reading a salt: %w", err)
	}
	h.dummy = phc{memory: p.Memory, time: p.Time, threads: p.Threads, salt: salt, key: make([]byte, p.KeyLen)}
	return h, nil
}

// Params returns the parameters new hashes are made with.
func (h *PasswordHasher) Params() Argon2Params { return h.params }

// NormalizePassword is the byte string a password is hashed as: valid UTF-8,
// no control characters, every Unicode space separator mapped to U+0020,
// then Unicode Normalization Form C (RFC 8265's OpaqueString profile; NIST
// SP 800-63B-4 §3.1.1.2 names NFC). Nothing else is folded: case, width and
// compatibility characters stay as typed, so no entropy is lost.
func NormalizePassword(password string) ([]byte, error) {
	if len(password) > MaxPasswordBytes {
		return nil, ErrPasswordTooLong
	}
	if !utf8.ValidString(password) {
		return nil, ErrPasswordEncoding
	}
	for _, r := range password {
		if unicode.IsControl(r) {
			return nil, ErrPasswordEncoding
		}
	}
	mapped := strings.Map(func(r rune) rune {
		if r != ' ' && unicode.Is(unicode.Zs, r) {
			return ' '
		}
		return r
	}, password)
	return norm.NFC.Bytes([]byte(mapped)), nil
}

// CheckNewPassword applies the length policy to a password being set:
// at least minRunes code points after normalisation (MinPasswordRunesMFA or
// MinPasswordRunesSingleFactor), at most MaxPasswordBytes bytes, valid text.
// Composition rules are deliberately absent (NIST SP 800-63B-4); checking
// against a blocklist of breached passwords is the caller's policy.
func CheckNewPassword(password string, minRunes int) error {
	b, err := NormalizePassword(password)
	if err != nil {
		return err
	}
	if utf8.RuneCount(b) < minRunes {
		return fmt.Errorf("%w: at least %d characters", ErrPasswordTooShort, minRunes)
	}
	return nil
}

// Hash returns the PHC string of password under the current parameters and
// a fresh random salt. It waits for a free slot (see MaxConcurrent) and
// returns ctx's error if ctx ends first.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	pw, err := NormalizePassword(password)
	if err != nil {
		return "", err
	}
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("reading a salt: %w", err)
	}
	v := phc{memory: p.Memory, time: p.Time, threads: p.Threads, salt: salt}
	if v.key, err = h.derive(ctx, pw, v, p.KeyLen); err != nil {
		return "", err
	}
	return v.String(), nil
}

// Verify reports whether password matches the stored PHC string. The stored
// parameters are checked against the limits before any work; the tags are
// compared in constant time. A password that cannot have been set (too long,
// not text) is refused with its error without running Argon2: answer it
// exactly as a wrong password. ErrHashFormat and ErrHashParams are faults of
// the stored value, not of the user.
func (h *PasswordHasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	v, err := h.parse(encoded)
	if err != nil {
		return false, err
	}
	pw, err := NormalizePassword(password)
	if err != nil {
		return false, err
	}
	key, err := h.derive(ctx, pw, v, uint32(len(v.key)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, v.key) == 1, nil
}

// VerifyDummy spends the time of one verification under the current
// parameters and always reports false. Call it when the account does not
// exist (or has no password), so that the response takes as long as for an
// existing account (OWASP Authentication and Forgot Password cheat sheets:
// uniform responses). Like Verify it refuses a password that cannot have
// been set without running Argon2, so that case is fast for both.
func (h *PasswordHasher) VerifyDummy(ctx context.Context, password string) error {
	pw, err := NormalizePassword(password)
	if err != nil {
		return err
	}
	_, err = h.derive(ctx, pw, h.dummy, h.params.KeyLen)
	return err
}

// NeedsRehash reports whether encoded was made with parameters other than
// the current ones (or cannot be read). Call it after a successful Verify
// and, when true, store Hash(password): OWASP's "upgrading the work factor".
func (h *PasswordHasher) NeedsRehash(encoded string) bool {
	v, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	p := h.params
	return v.memory != p.Memory || v.time != p.Time || v.threads != p.Threads ||
		uint32(len(v.salt)) != p.SaltLen || uint32(len(v.key)) != p.KeyLen
}

func (h *PasswordHasher) derive(ctx context.Context, pw []byte, v phc, keyLen uint32) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting to hash a password: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	return argon2.IDKey(pw, v.salt, v.time, v.memory, v.threads, keyLen), nil
}

func (h *PasswordHasher) parse(encoded string) (phc, error) {
	v, err := parsePHC(encoded)
	if err != nil {
		return v, err
	}
	if err := h.check(v.memory, v.time, v.threads, len(v.salt), len(v.key)); err != nil {
		return v, err
	}
	return v, nil
}

// check applies the limits and Argon2's own constraints (m ≥ 8·p, t ≥ 1,
// p ≥ 1; RFC 9106 §3.1).
func (h *PasswordHasher) check(m, t uint32, p uint8, saltLen, keyLen int) error {
	l := h.limits
	switch {
	case p < 1 || p > l.MaxThreads:
		return fmt.Errorf("%w: p=%d (1 to %d)", ErrHashParams, p, l.MaxThreads)
	case t < 1 || t > l.MaxTime:
		return fmt.Errorf("%w: t=%d (1 to %d)", ErrHashParams, t, l.MaxTime)
	case m < 8*uint32(p) || m > l.MaxMemory:
		return fmt.Errorf("%w: m=%d KiB (%d to %d)", ErrHashParams, m, 8*uint32(p), l.MaxMemory)
	case saltLen < minSaltLen || saltLen > maxSaltLen:
		return fmt.Errorf("%w: salt of %d bytes (%d to %d)", ErrHashParams, saltLen, minSaltLen, maxSaltLen)
	case keyLen < minKeyLen || keyLen > maxKeyLen:
		return fmt.Errorf("%w: tag of %d bytes (%d to %d)", ErrHashParams, keyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// phc is a parsed $argon2id$ string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

var b64 = base64.RawStdEncoding.Strict()

func (v phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, v.memory, v.time, v.threads, b64.EncodeToString(v.salt), b64.EncodeToString(v.key))
}

// maxPHCLen bounds the string parsed: 64-byte salt and tag with the largest
// numbers come to about 230 characters.
const maxPHCLen = 256

// parsePHC reads the canonical form String writes and nothing looser: the
// argon2id identifier, v=19 (x/crypto implements Argon2 1.3 only), the
// parameters m, t, p in that order as decimals without leading zeros, and
// salt and tag in unpadded standard base64 with zero trailing bits. Errors
// describe the position of the fault, never the content.
func parsePHC(s string) (phc, error) {
	var v phc
	if len(s) > maxPHCLen {
		return v, fmt.Errorf("%w: longer than %d characters", ErrHashFormat, maxPHCLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return v, fmt.Errorf("%w: not $argon2id$v=<n>$m=<n>,t=<n>,p=<n>$<salt>$<tag>", ErrHashFormat)
	}
	if parts[1] != "argon2id" {
		return v, fmt.Errorf("%w: algorithm is not argon2id", ErrHashFormat)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return v, fmt.Errorf("%w: version is not v=%d", ErrHashFormat, argon2.Version)
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return v, fmt.Errorf("%w: parameters are not m=<n>,t=<n>,p=<n>", ErrHashFormat)
	}
	var nums [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		val, ok := strings.CutPrefix(params[i], name+"=")
		n, err := strconv.ParseUint(val, 10, 32)
		if !ok || err != nil || val != strconv.FormatUint(n, 10) {
			return v, fmt.Errorf("%w: parameter %d is not %s=<decimal>", ErrHashFormat, i+1, name)
		}
		nums[i] = n
	}
	if nums[2] > 255 {
		return v, fmt.Errorf("%w: p=%d", ErrHashParams, nums[2])
	}
	v.memory, v.time, v.threads = uint32(nums[0]), uint32(nums[1]), uint8(nums[2])
	var err error
	if v.salt, err = b64.DecodeString(parts[4]); err != nil {
		return v, fmt.Errorf("%w: salt is not unpadded base64", ErrHashFormat)
	}
	if v.key, err = b64.DecodeString(parts[5]); err != nil {
		return v, fmt.Errorf("%w: tag is not unpadded base64", ErrHashFormat)
	}
	return v, nil
}
