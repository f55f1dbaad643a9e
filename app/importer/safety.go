package importer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
)

// Limits on hostile input, checked before any allocation or key derivation
// they would drive. Real exports stay far below each.
const (
	// MaxJSONDepth bounds nesting: real exports nest five or six levels.
	MaxJSONDepth = 64
	// MaxScryptN is 2^22: the largest scrypt cost accepted (4 GiB would be
	// N=2^22 with r=8; Aegis uses 2^15).
	MaxScryptN = 1 << 22
	// MaxScryptR and MaxScryptP bound scrypt's other factors.
	MaxScryptR, MaxScryptP = 32, 16
	// MaxScryptMemory bounds 128·N·r bytes.
	MaxScryptMemory = 1 << 30
	// MaxPBKDF2Iterations: andOTP and 2FAS use 10^4–10^5; a million or two
	// takes seconds, 2^31 would take hours.
	MaxPBKDF2Iterations = 5_000_000
	// MaxArgon2MemoryKiB bounds Argon2 memory at 1 GiB; MaxArgon2Time and
	// MaxArgon2Threads its passes and lanes.
	MaxArgon2MemoryKiB = 1 << 20
	MaxArgon2Time      = 64
	MaxArgon2Threads   = 64
)

// ErrTooCostly is returned for key-derivation parameters beyond the limits:
// a file asking for them is damaged or an attack, and running them would
// hang the app or exhaust memory.
var ErrTooCostly = errors.New("key derivation parameters are beyond any real export's")

// ErrTooDeep is returned for JSON nested beyond MaxJSONDepth.
var ErrTooDeep = errors.New("JSON nested too deeply")

// decodeJSON decodes data into v after checking its nesting depth, and
// refuses trailing data.
func decodeJSON(data []byte, v any) error {
	if err := checkDepth(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not valid JSON for this format: %w", err)
	}
	if dec.More() {
		return errors.New("not valid JSON for this format: data after the document")
	}
	return nil
}

// checkDepth scans for nesting beyond MaxJSONDepth without decoding: the
// standard decoder recurses per level (10,000 levels is its own limit, far
// more than real files and enough to cost real stack).
func checkDepth(data []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxJSONDepth {
				return fmt.Errorf("%w (more than %d levels)", ErrTooDeep, MaxJSONDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// checkScrypt refuses scrypt parameters beyond the limits.
func checkScrypt(n, r, p int) error {
	if n <= 1 || n&(n-1) != 0 || r <= 0 || p <= 0 {
		return fmt.Errorf("invalid scrypt parameters N=%d r=%d p=%d", n, r, p)
	}
	if n > MaxScryptN || r > MaxScryptR || p > MaxScryptP || 128*n*r > MaxScryptMemory {
		return fmt.Errorf("%w: scrypt N=%d r=%d p=%d", ErrTooCostly, n, r, p)
	}
	return nil
}

// checkPBKDF2 refuses iteration counts beyond the limit.
func checkPBKDF2(iterations int) error {
	if iterations <= 0 {
		return fmt.Errorf("invalid PBKDF2 iteration count %d", iterations)
	}
	if iterations > MaxPBKDF2Iterations {
		return fmt.Errorf("%w: PBKDF2 with %d iterations", ErrTooCostly, iterations)
	}
	return nil
}

// checkArgon2 refuses Argon2 parameters beyond the limits.
func checkArgon2(time, memoryKiB, threads int) error {
	if time <= 0 || memoryKiB <= 0 || threads <= 0 || threads > 255 {
		return fmt.Errorf("invalid Argon2 parameters t=%d m=%d KiB p=%d", time, memoryKiB, threads)
	}
	if time > MaxArgon2Time || memoryKiB > MaxArgon2MemoryKiB || threads > MaxArgon2Threads {
		return fmt.Errorf("%w: Argon2 t=%d m=%d KiB p=%d", ErrTooCostly, time, memoryKiB, threads)
	}
	return nil
}

// openGCM decrypts AES-GCM. A failure means a wrong key, which for a
// password-derived key is a wrong password (ErrWrongPassword); callers with
// a separate integrity check may say otherwise.
func openGCM(key, nonce, ciphertext, additional []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("AES key: %w", err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil || len(nonce) == 0 {
		return nil, fmt.Errorf("AES-GCM nonce of %d bytes is invalid", len(nonce))
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, additional)
	if err != nil {
		return nil, ErrWrongPassword
	}
	return plain, nil
}
