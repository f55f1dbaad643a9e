package importer

import (
	"crypto/pbkdf2"
	"fmt"
	"hash"

	"golang.org/x/crypto/argon2"
)

// The Argon2id and PBKDF2 derivations, as variables so that tests can
// count the calls: a refusal must come before any work. (Aegis's scrypt,
// andOTP's and 2FAS's PBKDF2 are variables of their own files.)
var (
	argon2IDKey = argon2.IDKey
	pbkdf2Key   = func(h func() hash.Hash, password string, salt []byte, iterations, keyLen int) ([]byte, error) {
		return pbkdf2.Key(h, password, salt, iterations, keyLen)
	}
)

// argon2Cost is the work an Argon2 derivation asks for.
type argon2Cost struct {
	time, memoryKiB, threads int
}

// argon2idKeyChecked derives a key with Argon2id after refusing parameters
// beyond the limits, so that no file can hang the app or exhaust memory.
func argon2idKeyChecked(password string, salt []byte, c argon2Cost, keyLen int) ([]byte, error) {
	if err := checkArgon2(c.time, c.memoryKiB, c.threads); err != nil {
		return nil, err
	}
	return argon2IDKey([]byte(password), salt, uint32(c.time), uint32(c.memoryKiB), uint8(c.threads), uint32(keyLen)), nil
}

// pbkdf2KeyChecked derives a key with PBKDF2 after refusing iteration
// counts beyond the limit.
func pbkdf2KeyChecked(h func() hash.Hash, password string, salt []byte, iterations, keyLen int) ([]byte, error) {
	if err := checkPBKDF2(iterations); err != nil {
		return nil, err
	}
	key, err := pbkdf2Key(h, password, salt, iterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("PBKDF2: %w", err)
	}
	return key, nil
}
